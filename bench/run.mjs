#!/usr/bin/env node
// Runs one benchmark: `node bench/run.mjs <name> [flags]` (or `npm run bench -- <name> [flags]`)
// loads bench/<name>.mjs and calls its `main(args)`. Progress goes to stderr; the last stdout
// line is the benchmark's JSON result.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function available() {
  return readdirSync(here)
    .filter((f) => f.endsWith('.mjs') && f !== 'run.mjs' && !f.startsWith('_'))
    .map((f) => f.slice(0, -'.mjs'.length))
    .sort();
}

const [name, ...args] = process.argv.slice(2);
if (!name || name === '--help' || name === 'help') {
  process.stderr.write(`usage: npm run bench -- <name> [flags]\nbenchmarks: ${available().join(', ')}\n`);
  process.exit(name ? 0 : 2);
}
if (!/^[a-z0-9][a-z0-9-]*$/.test(name) || !available().includes(name)) {
  process.stderr.write(`bench: unknown benchmark "${name}"; available: ${available().join(', ')}\n`);
  process.exit(2);
}

const mod = await import(pathToFileURL(path.join(here, `${name}.mjs`)).href);
if (typeof mod.main !== 'function') {
  process.stderr.write(`bench: bench/${name}.mjs exports no main(args)\n`);
  process.exit(2);
}
try {
  const code = await mod.main(args);
  process.exitCode = typeof code === 'number' ? code : 0;
} catch (err) {
  process.stderr.write(`bench ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
}
