#!/usr/bin/env node
// Flood benchmark: how much one abusive socket moves everybody else's delivery latency.
//
//   npm run bench -- flood [--chats 20] [--members 30] [--rate 1000] [--step-seconds 10] [--rounds 2]
//
// Builds a classroom in a fresh temp directory (C chats × M members, every member connected through
// the load generator of the chat bench, bench/lib/chat-generator.mjs), starts the built server
// (`packages/server/dist/cli.js start`, default limits) on a free loopback port, and measures the
// others' send → delivery latency at a fixed rate in two kinds of step, alternated `--rounds` times
// so that a drift of the shared machine hits both: quiet, and with one more member of chat 1 flooding
// from its own process (bench/lib/flooder.mjs: every frame type as fast as TCP takes them,
// reconnecting at once whenever the server closes it).
//
// Progress goes to stderr; the last stdout line is
//   {"bench":"flood","quiet":{"p50_ms":..,"p99_ms":..},"flood":{"p50_ms":..,"p99_ms":..,
//    "flooder_frames_sent":..,"flooder_frames_refused":..,"flooder_closed":true,..},"p99_ratio":..,"rounds":[..]}
// where the top-level figures are the means over the rounds. Build first: `npm run build`.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from './lib/net.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const serverDist = path.join(root, 'packages', 'server', 'dist');
const cli = path.join(serverDist, 'cli.js');
const generatorScript = path.join(root, 'bench', 'lib', 'chat-generator.mjs');
const flooderScript = path.join(root, 'bench', 'lib', 'flooder.mjs');
/** How long to wait after a step's last send for its answers and deliveries. */
const DRAIN_MS = 3000;

function log(line) {
  process.stderr.write(`[bench flood] ${line}\n`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round2 = (v) => (v === null || v === undefined || !Number.isFinite(v) ? null : Math.round(v * 100) / 100);
const mean = (xs) => (xs.some((x) => x === null) ? null : round2(xs.reduce((a, b) => a + b, 0) / xs.length));

/** Every child this run started, stopped however we leave. */
const children = new Set();
function track(child) {
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}
function killEverything() {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

function forwardLines(stream, tag) {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.trim()) log(`${tag}: ${line.slice(0, 500)}`);
    }
  });
}

/**
 * One region, municipality and school; persons 1..persons with accounts `b<id>`; chats 1..chats of
 * `members` persons each, laid out in order (chat c holds persons (c-1)·M+1 … c·M), and the flooder
 * (person `persons`) also in chat 1.
 */
async function buildData(dir, { chats, members }) {
  const { openStore } = await import(pathToFileURL(path.join(serverDist, 'index.js')).href);
  const store = openStore({ dialect: 'sqlite', file: path.join(dir, 'parta.sqlite') });
  const persons = chats * members + 1;
  try {
    await store.migrate();
    const now = Date.now();
    const id = (name) => ({ name, pgType: 'bigint' });
    const int = (name) => ({ name, pgType: 'integer' });
    const text = (name) => ({ name, pgType: 'text' });
    await store.bulkInsert('regions', [id('id'), text('code'), text('name')], [[1, 'bench', 'Bench region']]);
    await store.bulkInsert('municipalities', [id('id'), id('region_id'), text('name')], [[1, 1, 'Bench town']]);
    await store.bulkInsert(
      'organizations',
      [id('id'), id('municipality_id'), text('kind'), text('name'), text('short_name'), text('time_zone')],
      [[1, 1, 'school', 'Bench school No. 1', 'School 1', 'Europe/Moscow']],
    );
    const accounts = [];
    const people = [];
    const memberships = [];
    for (let p = 1; p <= persons; p++) {
      accounts.push([p, `b${p}`, now]);
      people.push([p, `Bench${p}`, 'Student', p]);
      memberships.push([p, p, 'student', 1, now]);
    }
    await store.bulkInsert('accounts', [id('id'), text('login'), id('created_at')], accounts);
    await store.bulkInsert('persons', [id('id'), text('last_name'), text('first_name'), id('account_id')], people);
    await store.bulkInsert(
      'memberships',
      [id('id'), id('person_id'), text('role'), id('organization_id'), id('created_at')],
      memberships,
    );
    const chatRows = [];
    const memberRows = [];
    for (let c = 1; c <= chats; c++) {
      chatRows.push([c, 'group', 1, `Bench chat ${c}`, 0, now, 0]);
      for (let k = 1; k <= members; k++) memberRows.push([c, (c - 1) * members + k, 'member', now, 0, 0]);
    }
    memberRows.push([1, persons, 'member', now, 0, 0]);
    await store.bulkInsert(
      'chats',
      [id('id'), text('kind'), id('organization_id'), text('title'), int('allow_comments'), id('created_at'), int('last_seq')],
      chatRows,
    );
    await store.bulkInsert(
      'chat_members',
      [id('chat_id'), id('person_id'), text('role'), id('joined_at'), int('read_seq'), int('via_roster')],
      memberRows,
    );
  } finally {
    await store.close();
  }
  return persons;
}

/** The built server over the data in `dir`, with its default limits; resolves once healthy. */
async function startServer(dir) {
  const port = await freePort();
  const env = {
    ...process.env,
    PORT: String(port),
    PARTA_DATA_DIR: dir,
    HOST: '127.0.0.1',
    PARTA_DEV_LOGIN: '1',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    // Every client signs in from 127.0.0.1.
    PARTA_LOGIN_RATE_PER_MIN: '1000000',
  };
  delete env.DATABASE_URL;
  const child = track(spawn(process.execPath, [cli, 'start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  forwardLines(child.stdout, 'server');
  forwardLines(child.stderr, 'server');
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}) before it was healthy`);
    try {
      if ((await fetch(`${baseUrl}/api/v1/health`, { signal: AbortSignal.timeout(2000) })).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error('the server was not healthy within 30 s');
    await sleep(100);
  }
  return { child, baseUrl, wsUrl: `ws://127.0.0.1:${port}/api/v1/ws` };
}

/** A child process driven by `{cmd, reqId, ...}` requests over IPC (the generator and the flooder speak alike). */
function startChild(script, tag, nodeArgs = []) {
  const child = track(spawn(process.execPath, [...nodeArgs, script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] }));
  forwardLines(child.stdout, tag);
  forwardLines(child.stderr, tag);
  const pending = new Map();
  let nextId = 1;
  child.on('message', (m) => {
    if (m.ev !== 'reply') return;
    const p = pending.get(m.reqId);
    if (!p) return;
    pending.delete(m.reqId);
    if (m.error) p.reject(new Error(`${tag}: ${m.error}`));
    else p.resolve(m.result);
  });
  child.on('exit', (code, signal) => {
    for (const p of pending.values()) p.reject(new Error(`${tag} exited (${signal ?? code})`));
    pending.clear();
  });
  return {
    request(cmd, args = {}) {
      return new Promise((resolve, reject) => {
        const reqId = nextId++;
        pending.set(reqId, { resolve, reject });
        child.send({ ...args, cmd, reqId });
      });
    },
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** The others' side of a step, as reported. */
function others(r) {
  return {
    p50_ms: r.p50,
    p99_ms: r.p99,
    sent: r.sent,
    acked: r.acked,
    lost: Math.max(0, r.lost),
    rejected: r.rejected,
    ...(r.rejected ? { rejected_codes: r.rejectedCodes } : {}),
    closed_sockets: r.closedInStep,
  };
}

/** Entry point for bench/run.mjs; returns the exit status. */
export async function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      chats: { type: 'string', default: '20' },
      members: { type: 'string', default: '30' },
      rate: { type: 'string', default: '1000' },
      'step-seconds': { type: 'string', default: '10' },
      rounds: { type: 'string', default: '2' },
    },
  });
  const chats = Number(values.chats);
  const members = Number(values.members);
  const rate = Number(values.rate);
  const seconds = Number(values['step-seconds']);
  const rounds = Number(values.rounds);
  for (const [k, v] of Object.entries({ chats, members, rate, seconds, rounds }))
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${k} must be a positive integer`);
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'parta-bench-flood-'));
  const onSignal = () => {
    killEverything();
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const n = chats * members;
    const persons = await buildData(dir, { chats, members });
    const server = await startServer(dir);
    log(`server pid ${server.child.pid}; ${n} clients in ${chats} chats of ${members}, and one flooder in chat 1`);
    const gen = startChild(generatorScript, 'generator', ['--max-semi-space-size=32']);
    const lg = await gen.request('login', { baseUrl: server.baseUrl, from: 1, to: n, membersPerChat: members, concurrency: 50 });
    if (lg.missing > 0) throw new Error(`${lg.missing} of ${n} sign-ins failed: ${lg.lastError}`);
    const cn = await gen.request('connect', { wsUrl: server.wsUrl, concurrency: 100 });
    if (cn.open < n) throw new Error(`${n - cn.open} of ${n} sockets did not connect: ${cn.lastError}`);
    let stepId = 1;
    const step = async (tag) => {
      const r = await gen.request('step', { id: stepId++, rate, seconds, drainMs: DRAIN_MS });
      log(`${tag}: p50 ${r.p50} p99 ${r.p99} ms; acked ${r.acked}/${r.sent}, lost ${r.lost}, rejected ${r.rejected}`);
      return r;
    };
    await step('warm-up');

    const results = [];
    const flooderPersonIds = Array.from({ length: Math.min(members, 50) }, (_, i) => i + 1);
    for (let round = 1; round <= rounds; round++) {
      const quiet = await step(`round ${round} quiet`);
      const flooder = startChild(flooderScript, 'flooder');
      await flooder.request('start', {
        baseUrl: server.baseUrl,
        wsUrl: server.wsUrl,
        login: `b${persons}`,
        chatId: 1,
        personIds: flooderPersonIds,
      });
      // Let the flood get going before measuring.
      await sleep(1000);
      const flood = await step(`round ${round} flood`);
      const f = await flooder.request('stop');
      flooder.stop();
      log(`round ${round} flooder: ${JSON.stringify(f)}`);
      results.push({ quiet: others(quiet), flood: others(flood), flooder: f });
      await sleep(1000);
    }
    gen.stop();
    server.child.kill('SIGTERM');

    const q99 = mean(results.map((r) => r.quiet.p99_ms));
    const f99 = mean(results.map((r) => r.flood.p99_ms));
    const sum = (pick) => results.reduce((a, r) => a + pick(r), 0);
    const out = {
      bench: 'flood',
      clients: n,
      rate_msg_s: rate,
      step_seconds: seconds,
      quiet: { p50_ms: mean(results.map((r) => r.quiet.p50_ms)), p99_ms: q99 },
      flood: {
        p50_ms: mean(results.map((r) => r.flood.p50_ms)),
        p99_ms: f99,
        flooder_frames_sent: sum((r) => r.flooder.framesSent),
        flooder_frames_refused: sum((r) => r.flooder.refused),
        flooder_connections: sum((r) => r.flooder.connections),
        flooder_closed: results.every((r) => (r.flooder.closeCodes['4429'] ?? 0) > 0),
        others_rejected: sum((r) => r.flood.rejected),
        others_lost: sum((r) => r.flood.lost),
      },
      p99_ratio: q99 && f99 !== null ? round2(f99 / q99) : null,
      rounds: results,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return 0;
  } finally {
    killEverything();
    rmSync(dir, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
