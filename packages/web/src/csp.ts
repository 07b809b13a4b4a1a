import { config } from 'zod';

// Imported first by main.tsx. zod compiles object schemas with `new Function` when it may, and
// finds out by trying: under the server's Content-Security-Policy (no 'unsafe-eval') the try is
// refused and reported as a violation on every load. The client parses little; plain parsing is enough.
config({ jitless: true });
