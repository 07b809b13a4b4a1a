import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { HealthResponse } from '@parta/protocol';

// The real server as a child process (`node packages/server/dist/cli.js start`), for tests that kill
// it and start it again; and the polling helpers such tests wait with.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../packages/server/dist/cli.js', import.meta.url));

/** A running `parta start`. */
export interface ServerProcess {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();

/** Starts `parta start` with only these environment variables (plus PATH, HOME and JSON logs). */
export function startServerProcess(vars: Record<string, string>): ServerProcess {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_FORMAT: 'json', ...vars };
  const child = spawn(process.execPath, [CLI, 'start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

/** Kills (SIGKILL) every server process still running and waits until they are gone. */
export async function killServerProcesses(): Promise<void> {
  const running = [...children].filter((c) => c.exitCode === null && c.signalCode === null);
  for (const c of running) c.kill('SIGKILL');
  await Promise.all(running.map((c) => new Promise<void>((resolve) => c.once('close', () => resolve()))));
  children.clear();
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` holds; throws `explain()` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  explain = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms ${explain()}`);
    await sleep(10);
  }
}

/** Waits until the server at `base` answers its health check, failing at once if the process exits. */
export async function waitHealthy(p: ServerProcess, base: string): Promise<void> {
  let exited = false;
  void p.exited.then(() => (exited = true));
  await waitFor(
    'GET /api/v1/health answering ok',
    async () => {
      if (exited) throw new Error(`the server exited before it was healthy:\n${p.output()}`);
      try {
        const res = await fetch(`${base}/api/v1/health`);
        return res.status === 200 && HealthResponse.parse(await res.json()).status === 'ok';
      } catch {
        return false;
      }
    },
    20_000,
    () => `\n${p.output()}`,
  );
}
