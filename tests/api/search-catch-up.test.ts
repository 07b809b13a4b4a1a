import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { builders, createTestDatabase, type TestDatabase } from '@parta/testkit';
import { openStore } from '@parta/server';
import { PartaClient, type WebSocketCtor } from '@parta/sdk';
import { HealthResponse, type SendAck } from '@parta/protocol';
import WebSocket from 'ws';

/**
 * Search is kept off the send path: on SQLite a thread of its own indexes committed messages in
 * batches, at the lowest priority. So at any moment the index may be behind the log — and a crash
 * then must not leave a hole. The real server is killed with SIGKILL while the index is behind,
 * restarted on the same database, and every acknowledged message must be found by search. (On
 * PostgreSQL the text is indexed inside the insert; the same property holds trivially.)
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../packages/server/dist/cli.js', import.meta.url));

const children = new Set<ChildProcess>();
const databases: TestDatabase[] = [];

afterAll(async () => {
  const running = [...children].filter((c) => c.exitCode === null && c.signalCode === null);
  for (const c of running) c.kill('SIGKILL');
  await Promise.all(running.map((c) => new Promise<void>((resolve) => c.once('close', () => resolve()))));
  for (const d of databases) await d.drop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

/** Starts `parta start` and waits until it answers its health check. */
async function startServer(env: Record<string, string>, base: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'start'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited before it was healthy:\n${output}`);
    try {
      const res = await fetch(`${base}/api/v1/health`);
      if (res.status === 200 && HealthResponse.parse(await res.json()).status === 'ok') return child;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the server was not healthy within 20 s:\n${output}`);
    await sleep(50);
  }
}

/** How far the SQLite search index has got (its high-water mark) and the newest committed message id. */
function indexLag(file: string): { indexed: number; committed: number } {
  const main = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  const index = new BetterSqlite3(`${file}-search`, { readonly: true, fileMustExist: true });
  try {
    const committed = (main.prepare('select max(id) as id from messages').get() as { id: number | null }).id ?? 0;
    const indexed =
      (index.prepare("select value from meta where key = 'last_id'").get() as { value: number } | undefined)?.value ?? 0;
    return { indexed, committed };
  } finally {
    main.close();
    index.close();
  }
}

describe('search after a crash', () => {
  it('finds every acknowledged message after kill -9 and a restart, those the index had not reached included', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const store = openStore(database.options);
    let teacher: { id: number; login: string | null };
    let chatId: number;
    try {
      await store.migrate();
      const build = builders(store);
      const school = await build.school();
      teacher = await build.person({ lastName: 'Поисковая', firstName: 'Анна' });
      await build.membership({ personId: teacher.id, role: 'teacher', organizationId: school.id });
      const student = await build.person({ lastName: 'Искомый', firstName: 'Пётр' });
      await build.membership({ personId: student.id, role: 'student', organizationId: school.id });
      chatId = (
        await build.chat({
          organizationId: school.id,
          title: 'Поиск',
          members: [{ personId: teacher.id }, { personId: student.id }],
        })
      ).id;
    } finally {
      await store.close();
    }

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = {
      ...database.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      PARTA_DEV_LOGIN: '1',
      LOG_LEVEL: 'warn',
      PARTA_SEND_RATE_PER_SEC: '100000',
    };
    const first = await startServer(env, base);
    const client = new PartaClient({ baseUrl: base, WebSocket: WebSocket as unknown as WebSocketCtor });
    await client.devLogin({ login: teacher.login!, deviceName: 'search test' });

    // Words no stemmer shortens (they end in a digit), one per message.
    const run = randomBytes(3).toString('hex');
    const word = (i: number) => `kw${run}n${i}z0`;
    const acks = new Map<number, SendAck>();
    let next = 0;
    const burst = async (n: number) => {
      const sends = Array.from({ length: n }, () => {
        const i = next++;
        return client
          .sendMessage(chatId, { clientId: `search-${run}-${i}`, text: `Слово дня: ${word(i)}` })
          .then((ack) => void acks.set(i, ack));
      });
      await Promise.all(sends);
    };

    // Send until the index is seen behind the log, then kill at once.
    const sqliteFile = database.options.dialect === 'sqlite' ? database.options.file : null;
    let lagSeen = sqliteFile === null;
    for (let round = 0; round < 20; round++) {
      await burst(40);
      if (sqliteFile === null) break;
      const lag = indexLag(sqliteFile);
      if (lag.indexed < lag.committed) {
        lagSeen = true;
        break;
      }
    }
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('close', resolve));
    expect(lagSeen).toBe(true);

    await startServer(env, base);
    // The newest message becomes searchable once the restarted indexer has caught up…
    const newest = next - 1;
    const deadline = Date.now() + 15_000;
    while ((await client.search({ q: word(newest) })).messages.length === 0) {
      if (Date.now() > deadline) throw new Error('the newest message was not searchable within 15 s of the restart');
      await sleep(100);
    }
    // …and then every acknowledged one is found, once, where its ack said.
    const missing: number[] = [];
    for (const [i, ack] of acks) {
      const found = (await client.search({ q: word(i) })).messages;
      if (found.length !== 1 || found[0]!.seq !== ack.seq || found[0]!.chatId !== chatId) missing.push(i);
    }
    expect(missing).toEqual([]);
    expect(acks.size).toBe(next);
  });

  it('picks up at the next start an edit that never reached the index', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    let store = openStore(database.options);
    let teacher: { id: number; login: string | null };
    let chatId: number;
    try {
      await store.migrate();
      const build = builders(store);
      const school = await build.school();
      teacher = await build.person({ lastName: 'Правкина', firstName: 'Ольга' });
      await build.membership({ personId: teacher.id, role: 'teacher', organizationId: school.id });
      chatId = (await build.chat({ organizationId: school.id, title: 'Правки', members: [{ personId: teacher.id }] })).id;
    } finally {
      await store.close();
    }
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = { ...database.env, PORT: String(port), HOST: '127.0.0.1', PARTA_DEV_LOGIN: '1', LOG_LEVEL: 'warn' };
    const client = new PartaClient({ baseUrl: base, WebSocket: WebSocket as unknown as WebSocketCtor });
    const run = randomBytes(3).toString('hex');
    const before = `old${run}x0`;
    const after = `new${run}x0`;
    const searchable = async (word: string) => (await client.search({ q: word })).messages.length > 0;
    const until = async (what: string, check: () => Promise<boolean>) => {
      const deadline = Date.now() + 15_000;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`${what}: not within 15 s`);
        await sleep(100);
      }
    };

    const first = await startServer(env, base);
    await client.devLogin({ login: teacher.login!, deviceName: 'search test' });
    const ack = await client.sendMessage(chatId, { clientId: `edit-${run}-1`, text: `Было: ${before}` });
    await until('the message searchable', () => searchable(before));
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('close', resolve));

    // The edit is committed, but the process that would have told the index is gone.
    store = openStore(database.options);
    try {
      const text = `Стало: ${after}`;
      if (store.raw.dialect === 'sqlite') {
        store.raw.db.prepare('update messages set text = ?, edited_at = ? where id = ?').run(text, Date.now(), ack.id);
      } else {
        await store.raw.pool.query('update messages set text = $1, edited_at = $2 where id = $3', [text, Date.now(), ack.id]);
      }
    } finally {
      await store.close();
    }

    await startServer(env, base);
    await until('the edited text searchable', () => searchable(after));
    expect(await searchable(before)).toBe(false);
  });
});
