import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestDatabase, type TestDatabase } from '@parta/testkit';
import { openStore } from '@parta/server';
import { PartaClient, type WebSocketCtor } from '@parta/sdk';
import { ErrorBody, HealthResponse, ServerFrame, WS_CLOSE } from '@parta/protocol';

/**
 * The real command line, `node packages/server/dist/cli.js`, as an operator runs it: environment
 * checks, usage errors, migrations, the demo seed, and a full start → serve → SIGTERM cycle.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../packages/server/dist/cli.js', import.meta.url));

/** What a finished CLI run left behind. */
interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A CLI process that is still running. */
interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<Run>;
}

const children = new Set<ChildProcess>();
const databases: TestDatabase[] = [];

afterEach(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
  for (const db of databases.splice(0)) await db.drop();
});

/** A fresh database for one test, dropped after it. */
async function database(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  databases.push(db);
  return db;
}

/**
 * The child's whole environment: nothing is inherited from the test runner but PATH and HOME, so
 * that a developer's own PARTA_* or DATABASE_URL cannot leak in.
 */
function cliEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, LOG_FORMAT: 'json', HOST: '127.0.0.1', ...vars };
}

function start(args: string[], env: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<Run>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Runs the CLI to completion (at most 60 s). */
async function run(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const p = start(args, env);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 60_000);
  try {
    return await p.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** A TCP port that was free a moment ago: listen on 0, read the port, close. */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** Waits until `check` holds, failing early with the process's output when it exits first. */
async function until(p: Running, what: string, check: () => Promise<boolean> | boolean, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: Run | null = null;
  void p.exited.then((r) => (exited = r));
  for (;;) {
    if (await check()) return;
    if (exited) {
      const r: Run = exited;
      throw new Error(`the CLI exited (${r.code ?? r.signal}) before ${what}:\n${r.stdout}\n${r.stderr}`);
    }
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms:\n${p.stdout()}\n${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function healthy(base: string): Promise<boolean> {
  try {
    const res = await fetch(`${base}/api/v1/health`);
    return res.status === 200 && HealthResponse.parse(await res.json()).status === 'ok';
  } catch {
    return false;
  }
}

/** The JSON log lines among the process's stdout. */
function logLines(stdout: string): { level: number; msg: string; [key: string]: unknown }[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string });
}

/** The logins of the start banner: `    <role> <login> <name> — <detail>` after the sign-in line. */
function bannerLogins(stdout: string): string[] {
  const lines = stdout.split('\n');
  const from = lines.findIndex((l) => l.includes('Sign in with the development login as:'));
  if (from < 0) return [];
  const logins: string[] = [];
  for (const line of lines.slice(from + 1)) {
    const m = /^ {4}\S+\s+([a-z0-9._-]+)\s+\S/.exec(line);
    if (!m) break;
    logins.push(m[1]!);
  }
  return logins;
}

/** Starts `parta start --demo` on a free port and waits until it serves and has printed its banner. */
async function startServer(db: TestDatabase, vars: Record<string, string>): Promise<{ p: Running; port: number; base: string }> {
  const port = await freePort();
  const p = start(['start', '--demo'], cliEnv({ ...db.env, PORT: String(port), LOG_LEVEL: 'info', ...vars }));
  const base = `http://127.0.0.1:${port}`;
  await until(p, 'GET /api/v1/health answering ok', () => healthy(base));
  await until(p, 'the start banner', () => p.stdout().includes('Parta is running') && bannerLogins(p.stdout()).length > 0);
  return { p, port, base };
}

async function countPersons(db: TestDatabase): Promise<{ persons: number; accounts: number; memberships: number }> {
  const store = openStore(db.options);
  try {
    const count = async (table: 'persons' | 'accounts' | 'memberships') =>
      Number(
        (
          await store.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return { persons: await count('persons'), accounts: await count('accounts'), memberships: await count('memberships') };
  } finally {
    await store.close();
  }
}

describe('parta CLI', () => {
  it('refuses a bad environment with exit code 2, naming every bad variable', async () => {
    const r = await run(['migrate'], cliEnv({ PORT: 'abc', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' }));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('the environment has problems');
    const problems = r.stderr.split('\n').filter((l) => l.startsWith('  - '));
    expect(problems.map((l) => l.slice(4).split(':')[0]).sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'PORT']);
    expect(problems.find((l) => l.includes('DATABASE_URL'))).toMatch(/postgres/);
    expect(problems.find((l) => l.includes('LOG_LEVEL'))).toMatch(/info/);
  });

  it('refuses other bad values of the environment the same way', async () => {
    const db = await database();
    const r = await run(['migrate'], cliEnv({ ...db.env, PARTA_DEV_LOGIN: 'yes', PARTA_LOGIN_RATE_PER_MIN: '0', PORT: '70000' }));
    expect(r.code, r.stderr).toBe(2);
    const problems = r.stderr.split('\n').filter((l) => l.startsWith('  - '));
    expect(problems.map((l) => l.slice(4).split(':')[0]).sort()).toEqual(['PARTA_DEV_LOGIN', 'PARTA_LOGIN_RATE_PER_MIN', 'PORT']);
  });

  it('refuses an unknown command, an unknown flag and a seed without a flag with exit code 2 and the usage', async () => {
    const db = await database();
    const env = cliEnv(db.env);
    const cases: [string[], string][] = [
      [['wat'], 'unknown command "wat"'],
      [['seed', '--wat'], "'--wat'"],
      [['seed'], 'give --demo or --scale N'],
      [['seed', '--scale', 'many'], '--scale'],
      [['start', '--wat'], "'--wat'"],
      [['migrate', '--dry-run'], '--dry-run'],
    ];
    for (const [args, message] of cases) {
      const r = await run(args, env);
      expect(r.code, `parta ${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
      expect(r.stderr, args.join(' ')).toMatch(/^parta: /);
      expect(r.stderr, args.join(' ')).toContain('usage: parta <command>');
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at /); // a message, not a stack trace
    }
    const help = await run(['--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: parta <command>');
  });

  it('migrates, and a second migrate finds the database up to date', async () => {
    const db = await database();
    const dry = await run(['migrate', '--dry-run'], cliEnv(db.env));
    expect(dry.code, 'an argument migrate does not know stops it before it touches the database').toBe(2);
    const first = await run(['migrate'], cliEnv(db.env));
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^applied: \S+/m);
    const second = await run(['migrate'], cliEnv(db.env));
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('database is up to date');
    expect(second.stdout).not.toMatch(/^applied:/m);
  });

  it('seeds the demo region idempotently', async () => {
    const db = await database();
    const first = await run(['seed', '--demo'], cliEnv(db.env));
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/demo region ".+" is seeded \(\d+ sample logins\)/);
    const after1 = await countPersons(db);
    expect(after1.persons).toBeGreaterThan(0);
    expect(after1.accounts).toBeGreaterThan(0);

    const second = await run(['seed', '--demo'], cliEnv(db.env));
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/is seeded/);
    expect(await countPersons(db)).toEqual(after1);
  }, 120_000);

  it('starts with the demo, serves HTTP and WebSocket, and shuts down cleanly on SIGTERM', async () => {
    const db = await database();
    const { p, port, base } = await startServer(db, { PARTA_DEV_LOGIN: '1' });

    expect(p.stdout()).toContain(`Parta is running: http://localhost:${port}`);
    const logins = bannerLogins(p.stdout());
    expect(logins.length).toBeGreaterThan(0);
    const curl = /"login":"([a-z0-9._-]+)"/.exec(
      p
        .stdout()
        .split('\n')
        .find((l) => l.includes('Try: curl')) ?? '',
    );
    expect(logins).toContain(curl?.[1]);

    // Every printed login signs in.
    for (const login of logins) {
      const c = new PartaClient({ baseUrl: base, WebSocket: WebSocket as unknown as WebSocketCtor });
      await c.devLogin({ login, deviceName: 'cli test' });
      expect((await c.me()).login).toBe(login);
    }

    const client = new PartaClient({ baseUrl: base });
    await client.devLogin({ login: logins[0]! });
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/ws`);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const welcome = new Promise<ServerFrame>((resolve) =>
      ws.once('message', (data: Buffer) => resolve(ServerFrame.parse(JSON.parse(data.toString('utf8'))))),
    );
    ws.send(JSON.stringify({ type: 'session.hello', token: client.token }));
    expect(await welcome).toMatchObject({ type: 'session.welcome' });

    const signalled = Date.now();
    p.child.kill('SIGTERM');
    expect(await closed).toBe(WS_CLOSE.goingAway);
    const exit = await Promise.race([p.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 10_000))]);
    expect(exit, 'the process did not exit within 10 s of SIGTERM').not.toBeNull();
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect({ code: exit!.code, signal: exit!.signal }, exit!.stderr).toEqual({ code: 0, signal: null });

    const log = logLines(exit!.stdout);
    const messages = log.map((l) => l.msg);
    expect(messages).toContain('parta is listening');
    expect(messages).toContain('shutting down');
    expect(messages).toContain('stopped');
    expect(messages.indexOf('shutting down')).toBeLessThan(messages.indexOf('stopped'));
    expect(log.find((l) => l.msg === 'shutting down')?.signal).toBe('SIGTERM');
    expect(
      log.filter((l) => l.level >= 50),
      'error logs',
    ).toEqual([]);
    expect(exit!.stdout).not.toContain(client.token); // tokens never reach the log
  }, 120_000);

  it('refuses the development login when PARTA_DEV_LOGIN is not set', async () => {
    const db = await database();
    const { p, base } = await startServer(db, {});
    const login = bannerLogins(p.stdout())[0]!;
    const res = await fetch(`${base}/api/v1/auth/dev-login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login }),
    });
    expect(res.status).toBe(403);
    expect(ErrorBody.parse(await res.json()).error.code).toBe('dev_login_disabled');
    expect(logLines(p.stdout()).find((l) => l.msg === 'parta is listening')?.devLogin).toBe(false);

    p.child.kill('SIGTERM');
    const exit = await p.exited;
    expect(exit.code, exit.stderr).toBe(0);
  }, 120_000);
});
