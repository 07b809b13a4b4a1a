import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServerEnv } from '@parta/protocol';
import type { StoreOptions } from './storage/store.js';

/** Parses the environment, or returns every problem found in it, one per line. */
export function parseEnv(source: NodeJS.ProcessEnv): { ok: true; env: ServerEnv } | { ok: false; problems: string[] } {
  const parsed = ServerEnv.safeParse(source);
  if (parsed.success) return { ok: true, env: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`),
  };
}

/** Parses the environment once; on a bad value prints the problems and exits with status 2. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): ServerEnv {
  const result = parseEnv(source);
  if (result.ok) return result.env;
  process.stderr.write(`parta: the environment has problems:\n${result.problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exit(2);
}

/** Where the database is, by the environment. */
export function storeOptions(env: ServerEnv): StoreOptions {
  if (env.DATABASE_URL) return { dialect: 'postgres', url: env.DATABASE_URL };
  return { dialect: 'sqlite', file: path.join(env.PARTA_DATA_DIR, 'parta.sqlite') };
}

/**
 * The directory of the built web client: `PARTA_WEB_DIR` (relative to the working directory), else
 * `packages/web/dist` next to this package, found from this file (`src/config.ts` or `dist/config.js`,
 * both one level below the package), so that it works from any working directory.
 */
export function webDir(env: ServerEnv): string {
  if (env.PARTA_WEB_DIR) return path.resolve(env.PARTA_WEB_DIR);
  return fileURLToPath(new URL('../../web/dist', import.meta.url));
}
