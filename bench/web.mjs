#!/usr/bin/env node
// Web client benchmark: how soon a signed-in teacher sees the chat list, and how much JavaScript the
// first page load costs.
//
//   npm run bench -- web [--runs 5] [--timeout-s 180] [--mark-timeout-s 15]
//
// Starts the built server (`packages/server/dist/cli.js start --demo`) on a free loopback port over
// a fresh SQLite file, signs in a demo teacher through the development login, and loads `/` in
// Debian's Chromium (PARTA_CHROMIUM overrides) --runs times, each in a fresh browser context (empty
// cache and storage), the token put into localStorage['parta.token'] before the app's code runs.
//
// first_chat_list_ms: the web client calls performance.mark('parta:chat-list') when its chat list
//   first renders with chats; this is that mark's startTime (ms since navigation start), p50 and max.
// js_*: the script resources the page had loaded by then (resource timing): js_transferred_kb is
//   what went over the wire (transferSize); js_raw_kb and js_gzip_kb are those same files in
//   packages/web/dist, as they are and compressed with gzip -9: the number the budget is about.
// ok: js_gzip_kb ≤ 250 and the p50 of first_chat_list_ms ≤ 1000 ms, every run having seen the mark.
// The exit code is 0 whenever the measurement completed, ok or not; 1 when it could not be made.
//
// Builds nothing: run `npm run build` (or `npm start` / `npm test`) first. Progress goes to stderr; the
// last stdout line is
//   {"bench":"web","runs":5,"js_files":N,"js_raw_kb":..,"js_gzip_kb":..,"js_transferred_kb":..,
//    "first_chat_list_ms":{"p50":..,"max":..},"targets":{"js_gzip_kb":250,"first_chat_list_ms":1000},"ok":..}
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync, constants as zlib } from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from './lib/net.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'packages', 'server', 'dist', 'cli.js');
const webDist = path.join(root, 'packages', 'web', 'dist');

const TARGETS = { js_gzip_kb: 250, first_chat_list_ms: 1000 };
/** The mark the web client sets when its chat list first renders with chats. */
const CHAT_LIST_MARK = 'parta:chat-list';
/** Used when GET /api/v1/auth/options lists no teacher. */
const FALLBACK_LOGIN = 'teacher1.s1';
/** The same flags as the e2e suite: headless, nothing phones home. */
const CHROMIUM_ARGS = JSON.parse(
  readFileSync(fileURLToPath(new URL('../tests/e2e/support/chromium-flags.json', import.meta.url)), 'utf8'),
);

function log(line) {
  process.stderr.write(`[bench web] ${line}\n`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const kb = (bytes) => Math.round((bytes / 1024) * 10) / 10;
const round1 = (v) => (v === null || !Number.isFinite(v) ? null : Math.round(v * 10) / 10);

// ---------------------------------------------------------------------------------------------
// Everything this run started, so that it can all be stopped however we leave.

const live = { children: new Set(), browsers: new Set(), dirs: new Set() };

async function cleanUp() {
  for (const browser of live.browsers) await browser.close().catch(() => {});
  live.browsers.clear();
  for (const child of live.children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(t);
  }
  live.children.clear();
  for (const dir of live.dirs) rmSync(dir, { recursive: true, force: true });
  live.dirs.clear();
}

/** The last resort on a signal or the overall deadline: kill the server at once. */
function killNow() {
  for (const child of live.children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  for (const dir of live.dirs) rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// The server.

async function startServer() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parta-bench-web-'));
  live.dirs.add(dir);
  const port = await freePort();
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    PARTA_DATA_DIR: dir,
    PARTA_DEV_LOGIN: '1',
    PARTA_WEB_DIR: webDist,
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
  };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [cli, 'start', '--demo'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.children.add(child);
  let output = '';
  const keep = (d) => {
    output = (output + d).slice(-20_000);
  };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = signal ?? code;
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== null) throw new Error(`the server exited (${exited}) before it was healthy:\n${output}`);
    try {
      const res = await fetch(`${baseUrl}/api/v1/health`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the server was not healthy within 60 s:\n${output}`);
    await sleep(100);
  }
  return { baseUrl, output: () => output };
}

async function getJson(url, init = {}) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** The first demo login whose role mentions a teacher (GET /api/v1/auth/options → demoLogins). */
async function teacherLogin(baseUrl) {
  try {
    const options = await getJson(`${baseUrl}/api/v1/auth/options`);
    const logins = Array.isArray(options?.demoLogins) ? options.demoLogins : [];
    const roles = (l) => [l.role, ...(Array.isArray(l.roles) ? l.roles : [])].filter((r) => typeof r === 'string');
    const teacher = logins.find((l) => typeof l?.login === 'string' && roles(l).some((r) => r.includes('teacher')));
    if (teacher) return { login: teacher.login, from: `demoLogins (${roles(teacher).join(', ')})` };
    log(`GET /api/v1/auth/options lists no teacher among ${logins.length} demo logins`);
  } catch (err) {
    log(`GET /api/v1/auth/options failed (${err.message.split('\n')[0]})`);
  }
  return { login: FALLBACK_LOGIN, from: 'fallback' };
}

// ---------------------------------------------------------------------------------------------
// The browser.

async function launchChromium() {
  const executablePath = process.env.PARTA_CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(`no Chromium at ${executablePath}: apt-get install -y chromium, or set PARTA_CHROMIUM`);
  }
  const { chromium } = await import('playwright-core');
  const args = [...CHROMIUM_ARGS];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  const browser = await chromium.launch({ executablePath, headless: true, args, timeout: 60_000 });
  live.browsers.add(browser);
  return browser;
}

/** One cold load of `/` signed in with `token`: the chat-list mark and the scripts loaded by then. */
async function coldRun(browser, baseUrl, token, markTimeoutMs) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: 'ru-RU',
    timezoneId: 'Europe/Moscow',
  });
  try {
    await context.addInitScript(
      ({ origin, token }) => {
        if (globalThis.location.origin === origin) globalThis.localStorage.setItem('parta.token', token);
      },
      { origin: baseUrl, token },
    );
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const { url } = msg.location();
      // Chromium asks for /favicon.ico by itself; a missing one is not the page's error.
      if (url && new URL(url).pathname === '/favicon.ico') return;
      errors.push(`console.error: ${msg.text()}${url ? ` (${url})` : ''}`);
    });
    const res = await page.goto(`${baseUrl}/`, { waitUntil: 'load', timeout: 30_000 });
    if (!res || res.status() >= 400) {
      throw new Error(`GET / answered ${res?.status()}: is the server serving packages/web/dist?`);
    }
    let chatListMs = null;
    try {
      const handle = await page.waitForFunction(
        (name) => performance.getEntriesByName(name, 'mark')[0]?.startTime ?? false,
        CHAT_LIST_MARK,
        { timeout: markTimeoutMs },
      );
      chatListMs = await handle.jsonValue();
    } catch (err) {
      if (!/Timeout/i.test(err.message)) throw err;
    }
    const scripts = await page.evaluate((origin) => {
      const isScript = (e) => {
        const u = new URL(e.name);
        return e.initiatorType === 'script' || /\.m?js$/.test(u.pathname);
      };
      return performance
        .getEntriesByType('resource')
        .filter(isScript)
        .map((e) => ({
          url: e.name,
          path: e.name.startsWith(origin) ? new URL(e.name).pathname : null,
          transferSize: e.transferSize,
          encodedBodySize: e.encodedBodySize,
          decodedBodySize: e.decodedBodySize,
        }));
    }, baseUrl);
    return { chatListMs, scripts, errors };
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------------

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** The raw and gzip -9 sizes of a served script, read from packages/web/dist. */
function distSizes(urlPath) {
  const file = path.join(webDist, decodeURIComponent(urlPath));
  if (!file.startsWith(webDist + path.sep) || !existsSync(file)) return null;
  const bytes = readFileSync(file);
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: zlib.Z_BEST_COMPRESSION }).length };
}

export async function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string', default: '5' },
      'timeout-s': { type: 'string', default: '180' },
      'mark-timeout-s': { type: 'string', default: '15' },
    },
    strict: true,
  });
  const runs = Number(values.runs);
  const timeoutS = Number(values['timeout-s']);
  const markTimeoutMs = Number(values['mark-timeout-s']) * 1000;
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) throw new Error('--runs must be an integer from 1 to 100');
  if (!(timeoutS > 0) || !(markTimeoutMs > 0)) throw new Error('--timeout-s and --mark-timeout-s must be positive');

  if (!existsSync(path.join(webDist, 'index.html'))) {
    throw new Error(`no web client build at ${webDist}: run \`npm run build -w @parta/web\` (or \`npm run build\`) first`);
  }
  if (!existsSync(cli)) throw new Error(`no server build at ${cli}: run \`npm run build\` first`);

  // However we leave (deadline, Ctrl-C, an error), the server goes too.
  const deadline = setTimeout(() => {
    log(`the run took longer than ${timeoutS} s; stopping`);
    killNow();
    process.exit(1);
  }, timeoutS * 1000);
  deadline.unref();
  const onSignal = (signal) => {
    killNow();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    log('starting the server with the demo region');
    const server = await startServer();
    log(`server at ${server.baseUrl}`);
    const { login, from } = await teacherLogin(server.baseUrl);
    const { token } = await getJson(`${server.baseUrl}/api/v1/auth/dev-login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login, deviceName: 'bench web' }),
    });
    log(`signed in as ${login} (${from})`);

    const browser = await launchChromium();
    log(`Chromium ${browser.version()}; ${runs} cold loads of / at 1280×800`);
    const results = [];
    for (let i = 0; i < runs; i++) {
      const r = await coldRun(browser, server.baseUrl, token, markTimeoutMs);
      const js = r.scripts.reduce((s, e) => s + e.transferSize, 0);
      log(
        `run ${i + 1}: chat list ${r.chatListMs === null ? `not seen within ${markTimeoutMs / 1000} s` : `${round1(r.chatListMs)} ms`}, ` +
          `${r.scripts.length} scripts, ${kb(js)} KB transferred`,
      );
      for (const e of r.errors.slice(0, 5)) log(`  page error: ${e.slice(0, 300)}`);
      results.push(r);
    }

    // The script set of the first run (every cold run loads the same files; say so when one did not).
    const first = results[0].scripts;
    const key = (s) =>
      s
        .map((e) => e.url)
        .sort()
        .join(' ');
    if (results.some((r) => key(r.scripts) !== key(first))) log('warning: the runs loaded different sets of scripts');
    let raw = 0;
    let gzip = 0;
    for (const e of first) {
      const sizes = e.path ? distSizes(e.path) : null;
      if (!sizes) {
        log(`warning: ${e.url} is not a file of packages/web/dist; counted as transferred only`);
        continue;
      }
      raw += sizes.raw;
      gzip += sizes.gzip;
      log(`  ${e.path}: ${kb(sizes.raw)} KB raw, ${kb(sizes.gzip)} KB gzip -9, ${kb(e.transferSize)} KB transferred`);
    }
    const transferred = first.reduce((s, e) => s + e.transferSize, 0);

    const times = results
      .map((r) => r.chatListMs)
      .filter((v) => v !== null)
      .sort((a, b) => a - b);
    const p50 = percentile(times, 0.5);
    const max = times.length ? times[times.length - 1] : null;
    const ok = times.length === runs && kb(gzip) <= TARGETS.js_gzip_kb && p50 !== null && p50 <= TARGETS.first_chat_list_ms;
    log(
      `JavaScript: ${first.length} files, ${kb(raw)} KB raw, ${kb(gzip)} KB gzip -9 (target ≤ ${TARGETS.js_gzip_kb}), ` +
        `${kb(transferred)} KB transferred`,
    );
    log(
      times.length
        ? `first chat list: p50 ${round1(p50)} ms, max ${round1(max)} ms (target p50 ≤ ${TARGETS.first_chat_list_ms}); ` +
            `seen in ${times.length} of ${runs} runs`
        : `first chat list: the "${CHAT_LIST_MARK}" mark never appeared (does the web client set it?)`,
    );
    log(ok ? 'ok: within targets' : 'NOT ok: a target was missed');

    process.stdout.write(
      JSON.stringify({
        bench: 'web',
        runs,
        js_files: first.length,
        js_raw_kb: kb(raw),
        js_gzip_kb: kb(gzip),
        js_transferred_kb: kb(transferred),
        first_chat_list_ms: { p50: round1(p50), max: round1(max), seen_runs: times.length },
        targets: TARGETS,
        ok,
      }) + '\n',
    );
    return 0;
  } finally {
    clearTimeout(deadline);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanUp();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`bench web: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
