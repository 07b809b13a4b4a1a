#!/usr/bin/env node
// Chat benchmark: message throughput and delivery latency over WebSockets, measured against a bare
// reference server in the same run, and the memory cost of idle authenticated connections.
//
//   npm run bench -- chat [--scenario classroom|idle|all] [--quick] [--step-seconds N]
//                         [--clients 600] [--rates 3000,5000] [--no-reference]
//                         [--idle-counts 10000,15000] [--wait-quiet S] [--timeout-min M]
//
// Each run builds its own data in a fresh temp directory (SQLite, written straight into the tables),
// starts the built server (`packages/server/dist/cli.js start`) on a free loopback port, and drives
// it from a separate load-generator process (bench/lib/chat-generator.mjs) so that the two are
// measured apart.
//
// classroom: C chats × M members, every member connected; each step sends at a fixed aggregate
//   rate for N seconds, spread evenly over the clients and over time, and measures the delay from
//   send to arrival at every other member. A step fails when p99 > 100 ms, or a delivery, an
//   answer or a socket was lost; stepping stops after the first failed step.
//   The same scenario also runs on the bare reference server (bench/lib/reference-server.mjs: only
//   `ws` and the same SQLite group commit, one serialization and corked writes per member, no other
//   logic), over the same chats and members, driven by its own copy of the same generator. The two
//   are stepped alternately — reference at a rate, Parta at that rate, the next rate — so that a
//   drift of the shared machine hits both; each stops at its own first failure. Then both run a
//   step at half the reference's maximum rate (unless both ran that rate already), where their
//   p99s are compared. Absolute figures move between machines and hours; the ratios do not.
// idle: N accounts sign in, then N sockets connect and say hello and stay idle; reports the
//   server's resident memory per connection.
//
// The server and the generator share the machine's cores, and so does anything else running on it:
// each step reports the server's and the generator's CPU, the rest of the machine's (other_cpu_pct)
// and whether the generator was saturated. --wait-quiet S waits up to S seconds before each step
// for the machine to be idle. Latencies are measured inside the generator, so a busy generator adds
// to them (see generator_loop_delay_p99_ms); ack_p50/p99_ms time send → the sender's ack.
//
// Progress goes to stderr; the last stdout line is
//   {"bench":"chat","classroom":{"clients_2000":{"steps":[...],"max_sustained_msg_s":..,
//    "server_rss_mb":..,"server_cpu_pct":..,
//    "reference_max_sustained_msg_s":..,"reference_limit_reached":..,"ratio_to_reference":..,
//    "p99_ratio_at_half_reference":..,"half_reference_step":{"target_msg_s":..,"parta":{..},"reference":{..}},
//    "per_step":[{"target_msg_s":..,"parta":{"p50_ms","p99_ms","ack_p50_ms","ack_p99_ms","ok"},"reference":{..}}],
//    "reference_steps":[...],"reference_server_rss_mb":..,"reference_server_cpu_pct":..},"clients_600":{...}},
//    "idle":{"n_10000":{"rss_per_conn_kb":..,"logins_per_s":..},"n_15000":{...}}}
// ratio_to_reference = max_sustained_msg_s / reference_max_sustained_msg_s; p99_ratio_at_half_reference
// = Parta's p99 / the reference's p99 at half the reference's maximum. reference_limit_reached is
// false when the reference passed every step (its maximum is then only a lower bound).
// Build first: `npm run build`.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from './lib/net.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const serverDist = path.join(root, 'packages', 'server', 'dist');
const cli = path.join(serverDist, 'cli.js');
const generatorScript = path.join(root, 'bench', 'lib', 'chat-generator.mjs');
const referenceScript = path.join(root, 'bench', 'lib', 'reference-server.mjs');

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every Linux we run on). */
const CLK_TCK = 100;
/** A step passes when its p99 is at most this. */
const P99_LIMIT_MS = 100;
/** How long to wait after a step's last send for its answers and deliveries. */
const DRAIN_MS = 3000;

const FULL = {
  classroom: [
    { key: 'clients_2000', chats: 40, members: 50, rates: [500, 1000, 2000, 3000, 4000, 6000, 8000] },
    { key: 'clients_600', chats: 20, members: 30, rates: [1000, 2000, 5000, 10000, 15000, 20000] },
  ],
  idle: [10_000, 15_000],
};
const QUICK_RATES = { clients_2000: [500, 1000, 2000], clients_600: [1000, 2000, 5000] };

function log(line) {
  process.stderr.write(`[bench chat] ${line}\n`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round1 = (v) => (v === null || v === undefined || !Number.isFinite(v) ? null : Math.round(v * 10) / 10);
const round2 = (v) => (v === null || v === undefined || !Number.isFinite(v) ? null : Math.round(v * 100) / 100);

// ---------------------------------------------------------------------------------------------
// Everything this run started, so that it can all be stopped on the way out, however we leave.

const live = { children: new Set(), dirs: new Set() };

function killEverything() {
  for (const child of live.children) {
    try {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.children.clear();
  for (const dir of live.dirs) rmSync(dir, { recursive: true, force: true });
  live.dirs.clear();
}

function track(child) {
  live.children.add(child);
  child.on('exit', () => live.children.delete(child));
  return child;
}

function tempDir(tag) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `parta-bench-chat-${tag}-`));
  live.dirs.add(dir);
  return dir;
}

function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
  live.dirs.delete(dir);
}

// ---------------------------------------------------------------------------------------------
// /proc readings of the server.

/** User + system CPU seconds of a live process; null once it is gone. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

/** Machine-wide CPU time from /proc/stat, in seconds: busy (all but idle and iowait) and iowait; null off Linux. */
function machineCpu() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal …
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: (total - v[3] - v[4]) / CLK_TCK, iowait: v[4] / CLK_TCK };
  } catch {
    return null;
  }
}

/** A `Vm…` line of /proc/<pid>/status in MB (VmRSS, VmHWM); null once it is gone. */
function vmMb(pid, field) {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Runs `fn` and returns its result with the server's CPU use meanwhile, in % of one core. */
async function withServerCpu(pid, fn) {
  const c0 = cpuSeconds(pid);
  const w0 = performance.now();
  const result = await fn();
  const c1 = cpuSeconds(pid);
  const wall = (performance.now() - w0) / 1000;
  return { result, serverCpuPct: c0 !== null && c1 !== null ? ((c1 - c0) / wall) * 100 : null };
}

function softFdLimit() {
  try {
    const m = /Max open files\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m) return m[1] === 'unlimited' ? 1_000_000 : Number(m[1]);
  } catch {
    // not Linux
  }
  return 1024;
}

/** Busy CPU of the whole machine over `ms`, in % of one core; null off Linux. */
async function machineBusyPct(ms) {
  const a = machineCpu();
  const w0 = performance.now();
  await sleep(ms);
  const b = machineCpu();
  return a && b ? ((b.busy - a.busy) / ((performance.now() - w0) / 1000)) * 100 : null;
}

/** How long to wait for the machine to go quiet before a measurement (--wait-quiet); 0: do not wait. */
let quietWaitSeconds = 0;
/** The machine counts as quiet below this much busy CPU (% of one core), server and generators idle included. */
const QUIET_PCT = 30;
/** A step during which other jobs took more than this (% of one core) counts as disturbed. */
const DISTURBED_PCT = 25;

/**
 * Other jobs on the machine take CPU from the server and the generator: waits up to `quietWaitSeconds`
 * for the machine's busy CPU to stay below QUIET_PCT for two seconds running. Returns the last reading.
 */
async function waitQuiet(tag) {
  let busy = await machineBusyPct(1000);
  if (quietWaitSeconds <= 0 || busy === null) return busy;
  const deadline = Date.now() + quietWaitSeconds * 1000;
  let quietRuns = busy < QUIET_PCT ? 1 : 0;
  let announced = false;
  while (quietRuns < 2 && Date.now() < deadline) {
    if (!announced && busy >= QUIET_PCT) {
      log(`${tag}: the machine is busy (${Math.round(busy)}% of a core); waiting up to ${quietWaitSeconds} s for quiet`);
      announced = true;
    }
    busy = await machineBusyPct(1000);
    quietRuns = busy < QUIET_PCT ? quietRuns + 1 : 0;
  }
  if (quietRuns < 2) log(`${tag}: still busy (${Math.round(busy)}% of a core); measuring anyway`);
  return busy;
}

// ---------------------------------------------------------------------------------------------
// Data: written straight into a migrated SQLite file.

/**
 * One region, municipality and school; persons 1..persons, each with account `b<id>` and a
 * student membership; chats 1..chats of `members` persons each, laid out in order (chat c holds
 * persons (c-1)·M+1 … c·M).
 */
async function buildData(dir, { persons, chats, members }) {
  const { openStore } = await import(pathToFileURL(path.join(serverDist, 'index.js')).href);
  const store = openStore({ dialect: 'sqlite', file: path.join(dir, 'parta.sqlite') });
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
    if (chats > 0) {
      const chatRows = [];
      const memberRows = [];
      for (let c = 1; c <= chats; c++) {
        chatRows.push([c, 'group', 1, `Bench chat ${c}`, 0, now, 0]);
        for (let k = 1; k <= members; k++) memberRows.push([c, (c - 1) * members + k, 'member', now, 0, 0]);
      }
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
    }
  } finally {
    await store.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The server.

function forwardLines(stream, tag, limit = 200) {
  let buf = '';
  let shown = 0;
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.trim()) continue;
      if (shown < limit) log(`${tag}: ${line.slice(0, 500)}`);
      else if (shown === limit) log(`${tag}: (further output not shown)`);
      shown++;
    }
  });
}

async function health(baseUrl) {
  try {
    const res = await fetch(`${baseUrl}/api/v1/health`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** Parta: the built server on the embedded default (SQLite file in `dir`). */
function startServer(dir) {
  const env = {
    ...process.env,
    PARTA_DATA_DIR: dir,
    HOST: '127.0.0.1',
    PARTA_DEV_LOGIN: '1',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    // The server accepts at most 1,000,000 sign-ins a minute from one address.
    PARTA_LOGIN_RATE_PER_MIN: '1000000',
    // Per-account send limit (ignored by servers without it).
    PARTA_SEND_RATE_PER_SEC: '1000',
    // Per-socket frame budget: the generator's clients send at the step's rate, not as people do.
    PARTA_WS_FRAME_RATE_PER_SEC: '1000000',
    PARTA_WS_FRAME_BURST: '1000000',
  };
  delete env.DATABASE_URL;
  // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return spawnServer('server', [...nodeArgs, cli, 'start'], env);
}

/**
 * The bare reference server (bench/lib/reference-server.mjs) over the same data: it reads who is in
 * which chat from Parta's file in `dir` and writes its messages to a file of its own there.
 */
function startReference(dir) {
  const env = {
    ...process.env,
    HOST: '127.0.0.1',
    REF_DATA: path.join(dir, 'parta.sqlite'),
    REF_DB: path.join(dir, 'reference.sqlite'),
  };
  // BENCH_REFERENCE_NODE_ARGS profiles it the same way.
  const nodeArgs = (process.env.BENCH_REFERENCE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return spawnServer('reference', [...nodeArgs, referenceScript], env);
}

/** Starts a server process listening on a free loopback port; resolves once its health check answers. */
async function spawnServer(tag, args, baseEnv) {
  const port = await freePort();
  const env = { ...baseEnv, PORT: String(port) };
  const child = track(spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  forwardLines(child.stdout, tag);
  forwardLines(child.stderr, tag);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = signal ?? code;
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited !== null) throw new Error(`the ${tag} exited (${exited}) before it was healthy`);
    if (await health(baseUrl)) break;
    if (Date.now() > deadline) throw new Error(`the ${tag} was not healthy within 30 s`);
    await sleep(100);
  }
  return {
    pid: child.pid,
    baseUrl,
    wsUrl: `ws://127.0.0.1:${port}/api/v1/ws`,
    get exited() {
      return exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(t);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Load generators.

function startGenerator(tag) {
  const child = track(
    spawn(process.execPath, ['--max-semi-space-size=32', generatorScript], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    }),
  );
  forwardLines(child.stdout, tag);
  forwardLines(child.stderr, tag);
  const pending = new Map();
  let nextId = 1;
  const gen = {
    pid: child.pid,
    onEvent: null,
    request(cmd, args = {}, timeoutMs = 600_000) {
      return new Promise((resolve, reject) => {
        const reqId = nextId++;
        const timer = setTimeout(() => {
          pending.delete(reqId);
          reject(new Error(`${tag}: ${cmd} timed out after ${timeoutMs / 1000} s`));
        }, timeoutMs);
        pending.set(reqId, { resolve, reject, timer });
        child.send({ ...args, cmd, reqId });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    },
  };
  child.on('message', (m) => {
    if (m.ev === 'reply') {
      const p = pending.get(m.reqId);
      if (!p) return;
      pending.delete(m.reqId);
      clearTimeout(p.timer);
      if (m.error) p.reject(new Error(`${tag}: ${m.error}`));
      else p.resolve(m.result);
    } else if (gen.onEvent) gen.onEvent(m);
  });
  child.on('exit', (code, signal) => {
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(`${tag} exited (${signal ?? code})`));
    }
    pending.clear();
  });
  return gen;
}

// ---------------------------------------------------------------------------------------------
// classroom

async function runStep(gen, server, { id, rate, seconds }) {
  const cpu0 = cpuSeconds(server.pid);
  const m0 = machineCpu();
  const w0 = performance.now();
  let cpu1 = null;
  let m1 = null;
  let w1 = null;
  gen.onEvent = (m) => {
    if (m.ev === 'sending-done' && m.stepId === id) {
      cpu1 = cpuSeconds(server.pid);
      m1 = machineCpu();
      w1 = performance.now();
    }
  };
  const r = await gen.request('step', { id, rate, seconds, drainMs: DRAIN_MS }, (seconds + DRAIN_MS / 1000 + 60) * 1000);
  gen.onEvent = null;
  if (cpu1 === null) {
    cpu1 = cpuSeconds(server.pid);
    m1 = machineCpu();
    w1 = performance.now();
  }
  const wall = (w1 - w0) / 1000;
  const serverCpu = cpu0 !== null && cpu1 !== null ? ((cpu1 - cpu0) / wall) * 100 : null;
  const machine =
    m0 && m1 ? { busyPct: ((m1.busy - m0.busy) / wall) * 100, iowaitPct: ((m1.iowait - m0.iowait) / wall) * 100 } : null;
  return { r, serverCpu, machine };
}

function stepResult(r, serverCpu, machine) {
  const lost = Math.max(0, r.lost);
  const ok = r.acked > 0 && r.p99 !== null && r.p99 <= P99_LIMIT_MS && lost === 0 && r.unanswered === 0 && r.closedInStep === 0;
  const out = {
    target_msg_s: r.target,
    offered_msg_s: round1(r.sent / r.seconds),
    acked_msg_s: round1(r.acked / r.seconds),
    delivered_per_s: round1(r.received / r.seconds),
    p50_ms: r.p50,
    p95_ms: r.p95,
    p99_ms: r.p99,
    max_ms: r.max,
    ack_p50_ms: r.ackP50,
    ack_p99_ms: r.ackP99,
    lost,
    rejected: r.rejected,
    unanswered: r.unanswered,
    closed_sockets: r.closedInStep,
    generator_cpu_pct: round1(r.cpuPct),
    generator_loop_delay_p99_ms: r.loopDelayP99,
    server_cpu_pct: round1(serverCpu),
    // CPU of everything else on the machine (other jobs disturb the measurement), % of one core; and time waiting on disk.
    other_cpu_pct: machine && serverCpu !== null ? round1(Math.max(0, machine.busyPct - serverCpu - r.cpuPct)) : null,
    iowait_pct: machine ? round1(machine.iowaitPct) : null,
    // The generator, not the server, may be what held this step back: it used (nearly) a whole core or fell behind its schedule.
    generator_saturated: r.cpuPct >= 90 || r.sent < 0.95 * r.target * r.seconds,
    ok,
  };
  if (r.rejected > 0) out.rejected_codes = r.rejectedCodes;
  if (r.closedInStep > 0) out.close_codes = r.closeCodes;
  if (r.otherFrames > 0) out.other_frames = r.otherTypes;
  if (r.lost < 0) out.extra_deliveries = -r.lost;
  return out;
}

/** Signs every client in and connects its socket on one server; warms it up. Returns the sign-in figures. */
async function prepare(key, target, n, members) {
  const { server, gen } = target;
  const { result: lg, serverCpuPct: loginCpu } = await withServerCpu(server.pid, () =>
    gen.request('login', { baseUrl: server.baseUrl, from: 1, to: n, membersPerChat: members, concurrency: 50 }),
  );
  if (lg.missing > 0) throw new Error(`${target.name}: ${lg.missing} of ${n} sign-ins failed: ${lg.lastError}`);
  const loginsPerS = n / lg.seconds;
  log(
    `${key} ${target.name}: ${n} sign-ins in ${lg.seconds.toFixed(2)} s (${Math.round(loginsPerS)}/s; cpu: server ${round1(loginCpu)}%, ` +
      `generator ${round1(lg.cpuPct)}%)`,
  );
  const { result: cn, serverCpuPct: connectCpu } = await withServerCpu(server.pid, () =>
    gen.request('connect', { wsUrl: server.wsUrl, concurrency: 100 }),
  );
  if (cn.open < n) throw new Error(`${target.name}: ${n - cn.open} of ${n} sockets did not connect: ${cn.lastError}`);
  log(
    `${key} ${target.name}: ${cn.open} sockets authenticated in ${cn.seconds.toFixed(2)} s (cpu: server ${round1(connectCpu)}%, ` +
      `generator ${round1(cn.cpuPct)}%)`,
  );
  // Warm-up (not reported): JIT, statement caches, first pages of the log.
  const warm = await runStep(gen, server, { id: target.nextStepId++, rate: 200, seconds: 2 });
  log(
    `${key} ${target.name}: warm-up: ${warm.r.acked} acked, ${warm.r.rejected} rejected, ${warm.r.unanswered} unanswered, ` +
      `${warm.r.received}/${warm.r.expected} delivered, p99 ${warm.r.p99} ms`,
  );
  if (warm.r.acked === 0 && warm.r.rejected === 0) {
    const other = Object.keys(warm.r.otherTypes).length ? `; frames seen: ${JSON.stringify(warm.r.otherTypes)}` : '';
    throw new Error(`${target.name}: message.send is not answered (no message.ack / message.rejected)${other}`);
  }
  return { loginsPerS, loginCpu, loginGenCpu: lg.cpuPct };
}

/** One measured step on one server (measured twice when other jobs disturbed a failure, with --wait-quiet). */
async function measure(key, target, rate, stepSeconds) {
  const { server, gen, name } = target;
  let s = null;
  for (let attempt = 1; ; attempt++) {
    const busyBefore = await waitQuiet(`${key} ${name} ${rate} msg/s`);
    const { r, serverCpu, machine } = await runStep(gen, server, { id: target.nextStepId++, rate, seconds: stepSeconds });
    s = stepResult(r, serverCpu, machine);
    s.machine_busy_before_pct = round1(busyBefore);
    if (attempt > 1) s.attempt = attempt;
    log(
      `${key} ${name}: ${rate} msg/s → acked ${s.acked_msg_s}/s, delivered ${s.delivered_per_s}/s, ` +
        `p50 ${s.p50_ms} p95 ${s.p95_ms} p99 ${s.p99_ms} max ${s.max_ms} ms (ack p50 ${s.ack_p50_ms} p99 ${s.ack_p99_ms}), ` +
        `lost ${s.lost}, rejected ${s.rejected}, unanswered ${s.unanswered}, closed ${s.closed_sockets}; ` +
        `cpu: server ${s.server_cpu_pct}%, generator ${s.generator_cpu_pct}% (loop delay p99 ${s.generator_loop_delay_p99_ms} ms), ` +
        `others ${s.other_cpu_pct}%, iowait ${s.iowait_pct}% → ${s.ok ? 'ok' : 'FAIL'}`,
    );
    const disturbed = s.other_cpu_pct !== null && s.other_cpu_pct > DISTURBED_PCT;
    if (s.ok || !disturbed || quietWaitSeconds <= 0 || attempt >= 2 || s.closed_sockets > 0) break;
    log(`${key} ${name}: other jobs took ${s.other_cpu_pct}% of a core during that step; measuring it again`);
  }
  if (server.exited !== null) throw new Error(`the ${name} server exited (${server.exited})`);
  return s;
}

/** The latencies of a step, for the side-by-side table. */
const brief = (s) =>
  s ? { p50_ms: s.p50_ms, p99_ms: s.p99_ms, ack_p50_ms: s.ack_p50_ms, ack_p99_ms: s.ack_p99_ms, ok: s.ok } : null;

/**
 * One classroom scenario on Parta and, unless `withReference` is false, on the bare reference server
 * over the same data, each with its own generator process. The two are stepped alternately (the
 * reference at a rate, then Parta at that rate, then the next rate) so that a drift of the shared
 * machine hits both; each stops at its first failed step. Then, if neither ran it, both run one more
 * step at half the reference's maximum rate, where their p99s are compared.
 */
async function classroom({ key, chats, members, rates }, stepSeconds, withReference) {
  const n = chats * members;
  log(`classroom ${key}: ${chats} chats × ${members} members = ${n} clients; steps ${rates.join(', ')} msg/s × ${stepSeconds} s`);
  const dir = tempDir(key);
  const targets = [];
  try {
    const t0 = performance.now();
    await buildData(dir, { persons: n, chats, members });
    log(`${key}: data written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // The reference reads the data before Parta opens it.
    const reference = withReference ? { name: 'reference', server: await startReference(dir) } : null;
    if (reference) log(`${key}: reference server pid ${reference.server.pid} at ${reference.server.baseUrl}`);
    const parta = { name: 'parta', server: await startServer(dir) };
    log(`${key}: server pid ${parta.server.pid} at ${parta.server.baseUrl}`);
    for (const t of reference ? [reference, parta] : [parta]) {
      Object.assign(t, {
        gen: startGenerator(`${key} ${t.name} generator`),
        nextStepId: 1,
        steps: [],
        best: null,
        failed: false,
      });
      targets.push(t);
    }
    const signIn = await prepare(key, parta, n, members);
    if (reference) await prepare(key, reference, n, members);

    const byRate = new Map();
    const run = async (t, rate) => {
      const s = await measure(key, t, rate, stepSeconds);
      const pair = byRate.get(rate) ?? {};
      pair[t.name] = s;
      byRate.set(rate, pair);
      return s;
    };
    for (const rate of rates) {
      const live = targets.filter((t) => !t.failed);
      if (live.length === 0) break;
      for (const t of live) {
        const s = await run(t, rate);
        t.steps.push(s);
        if (s.ok) t.best = s;
        else t.failed = true;
      }
    }
    const maxOf = (t) => (t?.best ? t.best.target_msg_s : 0);
    let half = null;
    if (reference && maxOf(reference) > 0) {
      const rate = Math.round(maxOf(reference) / 2);
      for (const t of targets) if (!byRate.get(rate)?.[t.name]) await run(t, rate);
      const pair = byRate.get(rate);
      half = {
        target_msg_s: rate,
        parta: brief(pair.parta),
        reference: brief(pair.reference),
      };
    }

    const out = {
      clients: n,
      chats,
      members_per_chat: members,
      step_seconds: stepSeconds,
      logins_per_s: Math.round(signIn.loginsPerS),
      login_server_cpu_pct: round1(signIn.loginCpu),
      login_generator_cpu_pct: round1(signIn.loginGenCpu),
      steps: parta.steps,
      max_sustained_msg_s: maxOf(parta),
      server_rss_mb: round1(vmMb(parta.server.pid, 'VmHWM')),
      server_cpu_pct: parta.best ? parta.best.server_cpu_pct : null,
      generator_cpu_pct: parta.best ? parta.best.generator_cpu_pct : null,
    };
    if (reference) {
      const refMax = maxOf(reference);
      Object.assign(out, {
        reference_max_sustained_msg_s: refMax,
        // False when the reference passed every step: its maximum is then only a lower bound.
        reference_limit_reached: reference.failed,
        ratio_to_reference: refMax > 0 ? round2(maxOf(parta) / refMax) : null,
        p99_ratio_at_half_reference:
          half?.parta?.p99_ms != null && half?.reference?.p99_ms ? round2(half.parta.p99_ms / half.reference.p99_ms) : null,
        half_reference_step: half,
        per_step: [...byRate.keys()]
          .sort((a, b) => a - b)
          .map((rate) => ({
            target_msg_s: rate,
            parta: brief(byRate.get(rate).parta),
            reference: brief(byRate.get(rate).reference),
          })),
        reference_steps: reference.steps,
        reference_server_rss_mb: round1(vmMb(reference.server.pid, 'VmHWM')),
        reference_server_cpu_pct: reference.best ? reference.best.server_cpu_pct : null,
      });
    }
    return out;
  } finally {
    for (const t of targets) await t.gen?.stop();
    for (const t of targets) await t.server?.stop();
    removeDir(dir);
  }
}

// ---------------------------------------------------------------------------------------------
// idle

async function idle(n) {
  const key = `n_${n}`;
  log(`idle ${key}: ${n} authenticated idle sockets`);
  const dir = tempDir(key);
  let server = null;
  const gens = [];
  try {
    await buildData(dir, { persons: n, chats: 0, members: 0 });
    server = await startServer(dir);
    log(`${key}: server pid ${server.pid} at ${server.baseUrl}`);
    // One socket is one descriptor in the generator: keep each generator well under the limit.
    const perProcess = Math.max(1000, softFdLimit() - 2000);
    const shards = Math.ceil(n / perProcess);
    const ranges = [];
    for (let s = 0; s < shards; s++) {
      const from = Math.floor((s * n) / shards) + 1;
      const to = Math.floor(((s + 1) * n) / shards);
      ranges.push({ from, to });
      gens.push(startGenerator(`${key} generator ${s + 1}/${shards}`));
    }
    log(`${key}: ${shards} generator process(es), at most ${perProcess} sockets each`);

    await waitQuiet(key);
    const t0 = performance.now();
    const { result: logins, serverCpuPct: loginCpu } = await withServerCpu(server.pid, () =>
      Promise.all(
        gens.map((g, s) =>
          g.request('login', { baseUrl: server.baseUrl, ...ranges[s], membersPerChat: 0, concurrency: Math.ceil(50 / shards) }),
        ),
      ),
    );
    const loginSeconds = (performance.now() - t0) / 1000;
    const loginGenCpu = logins.reduce((a, l) => a + l.cpuPct, 0);
    const missing = logins.reduce((a, l) => a + l.missing, 0);
    if (missing > 0) throw new Error(`${missing} of ${n} sign-ins failed: ${logins.find((l) => l.lastError)?.lastError}`);
    const loginsPerS = n / loginSeconds;
    log(
      `${key}: ${n} sign-ins in ${loginSeconds.toFixed(2)} s (${Math.round(loginsPerS)}/s; cpu: server ${round1(loginCpu)}%, ` +
        `generator ${round1(loginGenCpu)}%)`,
    );

    await sleep(2000);
    const rssBefore = vmMb(server.pid, 'VmRSS');
    const t1 = performance.now();
    const { result: conns, serverCpuPct: connectCpu } = await withServerCpu(server.pid, () =>
      Promise.all(gens.map((g) => g.request('connect', { wsUrl: server.wsUrl, concurrency: Math.ceil(100 / shards) }))),
    );
    const connectSeconds = (performance.now() - t1) / 1000;
    const connectGenCpu = conns.reduce((a, c) => a + c.cpuPct, 0);
    const open = conns.reduce((a, c) => a + c.open, 0);
    if (open < n) throw new Error(`${n - open} of ${n} sockets did not connect: ${conns.find((c) => c.lastError)?.lastError}`);
    log(`${key}: ${open} sockets authenticated in ${connectSeconds.toFixed(2)} s (${Math.round(open / connectSeconds)}/s)`);
    // Let the connect burst's garbage go; read the resident set a few times and keep the last.
    let rssAfter = null;
    for (let i = 0; i < 3; i++) {
      await sleep(1000);
      rssAfter = vmMb(server.pid, 'VmRSS');
    }
    const still = await Promise.all(gens.map((g) => g.request('status')));
    const closed = still.reduce((a, st) => a + st.closedTotal, 0);
    if (closed > 0) throw new Error(`${closed} idle sockets were closed: ${JSON.stringify(still.map((st) => st.closeCodes))}`);
    const result = {
      connections: open,
      rss_per_conn_kb: round2(((rssAfter - rssBefore) * 1024) / open),
      logins_per_s: Math.round(loginsPerS),
      login_server_cpu_pct: round1(loginCpu),
      login_generator_cpu_pct: round1(loginGenCpu),
      connects_per_s: Math.round(open / connectSeconds),
      connect_server_cpu_pct: round1(connectCpu),
      connect_generator_cpu_pct: round1(connectGenCpu),
      server_rss_before_mb: round1(rssBefore),
      server_rss_after_mb: round1(rssAfter),
      server_rss_mb: round1(vmMb(server.pid, 'VmHWM')),
      generator_processes: shards,
    };
    log(`${key}: ${JSON.stringify(result)}`);
    return result;
  } finally {
    for (const g of gens) await g.stop();
    if (server) await server.stop();
    removeDir(dir);
  }
}

// ---------------------------------------------------------------------------------------------

/** Entry point for bench/run.mjs; returns the exit status. */
export async function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string' },
      quick: { type: 'boolean' },
      'step-seconds': { type: 'string' },
      'idle-counts': { type: 'string' },
      'timeout-min': { type: 'string' },
      'wait-quiet': { type: 'string' },
      clients: { type: 'string' },
      rates: { type: 'string' },
      'no-reference': { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  const scenario = values.scenario ?? 'all';
  // --clients 600 and --rates 3000,5000: run only those (for profiling and quick checks).
  const onlyClients = values.clients ? values.clients.split(',').map(Number) : null;
  const onlyRates = values.rates ? values.rates.split(',').map(Number) : null;
  if (!['classroom', 'idle', 'all'].includes(scenario)) throw new Error('--scenario takes classroom, idle or all');
  const quick = values.quick ?? false;
  const stepSeconds = Number(values['step-seconds'] ?? (quick ? 5 : 15));
  if (!Number.isFinite(stepSeconds) || stepSeconds < 1 || stepSeconds > 600) throw new Error('--step-seconds takes 1..600');
  const idleCounts = (values['idle-counts'] ?? FULL.idle.join(',')).split(',').map((s) => Number(s.trim().replace(/_/g, '')));
  if (idleCounts.some((c) => !Number.isInteger(c) || c < 1))
    throw new Error('--idle-counts takes positive integers, comma-separated');
  const timeoutMin = Number(values['timeout-min'] ?? 45);
  if (!(timeoutMin > 0)) throw new Error('--timeout-min takes a positive number');
  quietWaitSeconds = Number(values['wait-quiet'] ?? 0);
  if (!Number.isFinite(quietWaitSeconds) || quietWaitSeconds < 0) throw new Error('--wait-quiet takes seconds (0: do not wait)');
  if (!existsSync(cli)) throw new Error(`${path.relative(root, cli)} is missing: run \`npm run build\` first`);

  const onSignal = (signal) => {
    log(`${signal}: stopping the server and generators`);
    killEverything();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', killEverything);
  const deadline = setTimeout(() => {
    log(`the benchmark ran past --timeout-min ${timeoutMin}: stopping everything`);
    killEverything();
    process.exit(1);
  }, timeoutMin * 60_000);
  deadline.unref();

  const out = { bench: 'chat' };
  let failed = false;
  try {
    if (scenario === 'classroom' || scenario === 'all') {
      out.classroom = {};
      for (const cfg of FULL.classroom) {
        if (onlyClients && !onlyClients.includes(cfg.members * cfg.chats)) continue;
        const rates = onlyRates ?? (quick ? QUICK_RATES[cfg.key] : cfg.rates);
        try {
          out.classroom[cfg.key] = await classroom({ ...cfg, rates }, stepSeconds, !values['no-reference']);
        } catch (err) {
          failed = true;
          log(`${cfg.key}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
          out.classroom[cfg.key] = { error: err instanceof Error ? err.message : String(err) };
        }
      }
    }
    if (scenario === 'idle' || scenario === 'all') {
      out.idle = {};
      for (const n of idleCounts) {
        try {
          out.idle[`n_${n}`] = await idle(n);
        } catch (err) {
          failed = true;
          log(`idle n_${n}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
          out.idle[`n_${n}`] = { error: err instanceof Error ? err.message : String(err) };
        }
      }
    }
  } finally {
    clearTimeout(deadline);
    killEverything();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
  return failed ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`bench chat: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
