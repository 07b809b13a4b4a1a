#!/usr/bin/env node
// Seeding benchmark: how fast `parta seed --scale N` fills an empty database, per dialect.
//
//   npm run bench -- seed [--persons N] [--dialects sqlite,postgres] [--pg-url URL]
//
// For each dialect it makes an empty database (a temp directory for SQLite; a fresh database on
// PostgreSQL, dropped afterwards), runs `node packages/server/dist/cli.js migrate`, then times
// `node packages/server/dist/cli.js seed --scale N` as a child process. Progress goes to stderr;
// the last stdout line is
//   {"bench":"seed","persons":N,"sqlite":{"seconds":..,"persons_per_s":..,"peak_rss_mb":..},"postgres":{...}}
// A dialect that cannot run reports {"skipped": reason}; one that fails reports {"error": message}
// and makes the exit status 1. Build first: `npm run build`.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'packages', 'server', 'dist', 'cli.js');

function log(line) {
  process.stderr.write(`[bench seed] ${line}\n`);
}

/** Peak resident set of a live process in MB, from /proc (Linux); null elsewhere or once it is gone. */
function vmHwmMb(pid) {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Runs the CLI with the given arguments and environment; forwards its output to stderr with a
 * prefix; resolves with the exit code, wall seconds, every stdout line, the last progress line
 * and the highest /proc VmHWM seen (a fallback when the child prints no peakRssMb).
 */
function runCli(args, env, tag) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdoutLines = [];
    let lastProgress = '';
    let polledMb = 0;
    const poll = setInterval(() => {
      const mb = vmHwmMb(child.pid);
      if (mb !== null && mb > polledMb) polledMb = mb;
    }, 200);
    const lines = (stream, onLine) => {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          onLine(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
      stream.on('end', () => {
        if (buf) onLine(buf);
      });
    };
    lines(child.stdout, (line) => {
      stdoutLines.push(line);
      if (!line.startsWith('{')) log(`${tag}: ${line}`);
    });
    lines(child.stderr, (line) => {
      if (/\d\s*\/\s*\d/.test(line)) lastProgress = line;
      log(`${tag}: ${line}`);
    });
    child.on('error', (err) => {
      clearInterval(poll);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ code: code ?? (signal ? 128 : 1), signal, seconds, stdoutLines, lastProgress, polledMb });
    });
  });
}

/** The last stdout line that is a JSON object, or null. */
function lastJson(lines) {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].trim();
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line);
    } catch {
      // not JSON after all
    }
  }
  return null;
}

/** Numbers of the last progress line, `seeded 1,000,000 / 1,000,000 persons …`. */
function parseProgress(line) {
  const m = /([\d][\d,_\s]*)\s*\/\s*([\d][\d,_\s]*)/.exec(line);
  if (!m) return null;
  const n = (s) => Number(s.replace(/[,_\s]/g, ''));
  return { done: n(m[1]), total: n(m[2]) };
}

/** Migrates, then times the seed; returns the dialect's result object. */
async function measure(tag, env, persons) {
  log(`${tag}: migrate`);
  const migrated = await runCli(['migrate'], env, tag);
  if (migrated.code !== 0) return { error: `migrate exited with ${migrated.code}` };
  log(`${tag}: seed --scale ${persons}`);
  const run = await runCli(['seed', '--scale', String(persons)], env, tag);
  if (run.code !== 0) return { error: `seed exited with ${run.code}${run.signal ? ` (${run.signal})` : ''}` };
  const final = lastJson(run.stdoutLines) ?? {};
  const progress = parseProgress(run.lastProgress);
  const seeded = Number.isFinite(final.persons) ? final.persons : (progress?.done ?? persons);
  if (seeded !== persons && Math.abs(seeded - persons) > persons * 0.01) {
    return { error: `asked for ${persons} persons, the seed reports ${seeded}` };
  }
  const peak = Number.isFinite(final.peakRssMb) ? final.peakRssMb : run.polledMb || null;
  const result = {
    seconds: Math.round(run.seconds * 100) / 100,
    persons_per_s: Math.round(seeded / run.seconds),
    peak_rss_mb: peak === null ? null : Math.round(peak),
  };
  log(`${tag}: ${JSON.stringify(result)}`);
  return result;
}

function baseEnv() {
  const env = { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
  delete env.DATABASE_URL;
  return env;
}

async function sqlite(persons) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parta-bench-seed-'));
  try {
    return await measure('sqlite', { ...baseEnv(), PARTA_DATA_DIR: dir }, persons);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgres(persons, adminUrl) {
  let pg;
  try {
    // pg is a dependency of the server, installed at the workspace root.
    pg = (await import('pg')).default;
  } catch (err) {
    return { skipped: `cannot load pg: ${err.message}` };
  }
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (err) {
    return { skipped: `PostgreSQL at ${adminUrl.replace(/\/\/[^@/]*@/, '//')} is unreachable: ${err.message}` };
  }
  const name = `parta_bench_${randomBytes(5).toString('hex')}`;
  try {
    await admin.query(`create database ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parta-bench-seed-pg-'));
    try {
      return await measure('postgres', { ...baseEnv(), PARTA_DATA_DIR: dataDir, DATABASE_URL: url.toString() }, persons);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`).catch((err) => log(`drop ${name}: ${err.message}`));
    await admin.end();
  }
}

/** Entry point for bench/run.mjs; returns the exit status. */
export async function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      persons: { type: 'string' },
      dialects: { type: 'string' },
      'pg-url': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const persons = Number((values.persons ?? '1000000').replace(/[_,]/g, ''));
  if (!Number.isInteger(persons) || persons < 5) throw new Error('--persons takes an integer of at least 5');
  const dialects = (values.dialects ?? 'sqlite,postgres').split(',').map((d) => d.trim());
  for (const d of dialects) if (d !== 'sqlite' && d !== 'postgres') throw new Error(`unknown dialect "${d}"`);
  const pgUrl = values['pg-url'] ?? process.env.PARTA_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  if (!existsSync(cli)) throw new Error(`${path.relative(root, cli)} is missing: run \`npm run build\` first`);

  const out = { bench: 'seed', persons };
  if (dialects.includes('sqlite')) out.sqlite = await sqlite(persons);
  if (dialects.includes('postgres')) out.postgres = await postgres(persons, pgUrl);
  process.stdout.write(JSON.stringify(out) + '\n');
  return dialects.some((d) => out[d]?.error) ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`bench seed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
