#!/usr/bin/env node
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SeedArgs, StartArgs } from '@parta/protocol';
import type { z } from 'zod';
import { createApp } from './app.js';
import { loadEnv, storeOptions } from './config.js';
import { createLogger } from './logger.js';
import { DEMO_REGION_CODE, seedDemo, type DemoSummary } from './seed/demo.js';
import { seedSynthetic } from './seed/synthetic.js';
import { openStore } from './storage/store.js';

const USAGE = `usage: parta <command> [flags]

commands:
  start [--demo]             migrate, (seed the demo region,) and serve
  migrate                    apply pending database migrations
  seed --demo                seed the demo region (idempotent)
  seed --scale N [--seed S]  seed a synthetic country of N persons

configuration comes from the environment; see the README.`;

function fail(message: string): never {
  process.stderr.write(`parta: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

/** Parses flags strictly, then validates them with the protocol schema. */
function flags<T>(schema: z.ZodType<T>, args: string[], options: NonNullable<ParseArgsConfig['options']>): T {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args, options, strict: true, allowPositionals: false }));
  } catch (err) {
    fail((err as Error).message);
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success)
    fail(parsed.error.issues.map((i) => `${i.path.join('.') ? `--${i.path.join('.')}: ` : ''}${i.message}`).join('; '));
  return parsed.data;
}

function printDemo(summary: DemoSummary, url: string): void {
  const lines = [
    '',
    `  Parta is running: ${url}`,
    `  Demo region: ${summary.region}. Sign in with the development login as:`,
    ...summary.logins.map((l) => `    ${l.role.padEnd(22)} ${l.login.padEnd(22)} ${l.name} — ${l.detail}`),
    '',
    `  Try: curl -s -X POST ${url}/api/v1/auth/dev-login -H 'content-type: application/json' -d '{"login":"${summary.logins[0]?.login ?? ''}"}'`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return;
  }
  if (!['start', 'migrate', 'seed'].includes(command)) fail(`unknown command "${command}"`);
  // `migrate --dry-run` must not quietly migrate.
  if (command === 'migrate' && rest.length > 0) fail(`migrate takes no arguments, not "${rest.join(' ')}"`);
  // Flags are checked before anything touches the database.
  const seedArgs =
    command === 'seed'
      ? flags(SeedArgs, rest, { demo: { type: 'boolean' }, scale: { type: 'string' }, seed: { type: 'string' } })
      : null;
  const startArgs = command === 'start' ? flags(StartArgs, rest, { demo: { type: 'boolean' } }) : null;
  const env = loadEnv();
  const log = createLogger(env);
  const store = openStore(storeOptions(env));
  const applied = await store.migrate();
  if (applied.length) log.info({ applied }, 'migrations applied');

  if (command === 'migrate') {
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    await store.close();
    return;
  }

  if (command === 'seed') {
    const args = seedArgs!;
    if (args.demo) {
      const summary = await seedDemo(store);
      process.stdout.write(`demo region "${summary.region}" is seeded (${summary.logins.length} sample logins)\n`);
    }
    if (args.scale !== undefined) {
      const started = Date.now();
      let lastPrint = 0;
      const result = await seedSynthetic(store, {
        persons: args.scale,
        seed: args.seed,
        onProgress: (done, total) => {
          const t = Date.now();
          if (t - lastPrint < 1000 && done < total) return;
          lastPrint = t;
          const s = (t - started) / 1000;
          process.stderr.write(
            `seeded ${done.toLocaleString('en')} / ${total.toLocaleString('en')} persons (${s.toFixed(1)} s)\n`,
          );
        },
      });
      const seconds = (Date.now() - started) / 1000;
      process.stdout.write(
        `seeded ${result.persons} persons, ${result.organizations} organizations, ${result.classes} classes in ${result.regions} regions in ${seconds.toFixed(1)} s\n`,
      );
      process.stdout.write(
        JSON.stringify({ persons: result.persons, seconds, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }) + '\n',
      );
    }
    await store.close();
    return;
  }

  const args = startArgs!;
  const summary = args.demo ? await seedDemo(store) : null;
  const parta = await createApp({ env, store, log });
  if (summary) {
    const synced = await parta.syncRosterChats(DEMO_REGION_CODE);
    if (synced.created + synced.added + synced.removed) log.info(synced, 'demo roster chats in step');
  }
  const address = await parta.listen();
  const port = new URL(address).port;
  const url = env.PARTA_PUBLIC_URL ?? `http://localhost:${port}`;
  log.info({ address, dialect: store.dialect, devLogin: env.PARTA_DEV_LOGIN }, 'parta is listening');
  if (summary) printDemo(summary, url);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    parta
      .close()
      .then(() => store.close())
      .then(() => {
        log.info('stopped');
        process.exit(0);
      })
      .catch((err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`parta: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
