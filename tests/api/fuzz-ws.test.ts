import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { z } from 'zod';
import { startTestServer, type TestServer } from '@parta/testkit';
import { API_PREFIX, CLIENT_FRAME_TYPES, ClientFrame, ServerFrame, WS_CLOSE } from '@parta/protocol';
import { bodyText, type Pools } from '../support/fuzz.js';

/**
 * A property-based fuzzer over every WebSocket client frame type of one running server, over real
 * sockets: frames shaped by the protocol's schemas (with the server's real ids) and hostile ones
 * (wrong fields, prototype keys, odd numbers, any JSON, not JSON at all), sent by signed-in people
 * of several roles and, for `session.hello`, by sockets not yet signed in. Every server frame must
 * be a protocol `ServerFrame`, none a `session.error` or `message.rejected` with code `internal`,
 * every close one of the documented codes; afterwards the server still serves.
 * `PARTA_FUZZ_RUNS` raises the runs per frame type, `PARTA_FUZZ_SEED` replays another seed.
 */

const RUNS = Number(process.env.PARTA_FUZZ_RUNS ?? 60);
const SEED = Number(process.env.PARTA_FUZZ_SEED ?? 10_2026);
/** How long a socket may take to answer a frame that asks for an answer. */
const ANSWER_MS = 5_000;
/**
 * Time for one property: a refused hello is closed only after the server's close grace (500 ms; it
 * stops reading the socket, so the client's answer to the close is not awaited), so runs add up.
 */
const TIMEOUT_MS = 30_000 + RUNS * 700;

/** Close codes the server documents; anything else (1006 abnormal, 1011 internal error) is a failure. */
const DOCUMENTED_CLOSES = new Set<number>([1000, ...Object.values(WS_CLOSE)]);

/** One socket and everything the server sent on it. */
class Socket {
  readonly ws: WebSocket;
  readonly frames: unknown[] = [];
  /** Frames this socket sent, the latest last: the context of a failure. */
  readonly sent: string[] = [];
  closed: { code: number; reason: string } | null = null;
  /** Closed by the test itself: its close code says nothing about the server. */
  ended = false;
  private waiters: { test: (frame: Record<string, unknown>) => boolean; resolve: () => void }[] = [];

  constructor(url: string) {
    this.ws = new WebSocket(`${url.replace('http', 'ws')}${API_PREFIX}/ws`);
    this.ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => (w.test(frame) ? (w.resolve(), false) : true));
    });
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      for (const w of this.waiters) w.resolve();
      this.waiters = [];
    });
    this.ws.on('error', () => undefined);
  }

  async opened(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) return;
    await new Promise<void>((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('close', () => reject(new Error('the socket closed before it opened')));
    });
  }

  send(text: string): void {
    this.sent.push(text.slice(0, 300));
    if (this.sent.length > 8) this.sent.shift();
    this.ws.send(text);
  }

  /** Drops the connection (the test is done with it). */
  end(): void {
    this.ended = true;
    this.ws.terminate();
  }

  /** Resolves on the first frame (from now) that passes `test`, or when the socket closes or time runs out. */
  next(test: (frame: Record<string, unknown>) => boolean): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ANSWER_MS);
      this.waiters.push({
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** A round trip: every frame sent before it has been read (and answered, for those answered at once). */
  async roundTrip(): Promise<void> {
    if (this.closed) return;
    const nonce = `rt-${Math.random()}`;
    const pong = this.next((f) => f.type === 'session.pong' && f.nonce === nonce);
    this.ws.send(JSON.stringify({ type: 'session.ping', nonce }));
    await pong;
  }
}

let server: TestServer;
let pools: Pools;
/** Signed-in people of several roles and an outsider from another school, one socket each (reopened when closed). */
const actors: { name: string; login: string; token: string; socket: Socket | null }[] = [];
/** A chat nobody writes in: a sync of it answers at once, marking that earlier syncs are done. */
let quiet: number;
const failures: string[] = [];
/** Frames answered per fuzzed frame type: the fuzzer must get past validation, not only be refused by it. */
const answers: Record<string, Record<string, number>> = {};
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
/** Every socket opened, for the checks at the end. */
const sockets: Socket[] = [];
let control = 0;

async function signedIn(actor: (typeof actors)[number]): Promise<Socket> {
  if (actor.socket && !actor.socket.closed) return actor.socket;
  const socket = new Socket(server.url);
  sockets.push(socket);
  await socket.opened();
  const welcome = socket.next((f) => f.type === 'session.welcome');
  socket.send(JSON.stringify({ type: 'session.hello', token: actor.token }));
  await welcome;
  if (socket.closed) throw new Error(`${actor.name} could not sign in on a socket: ${JSON.stringify(socket.closed)}`);
  actor.socket = socket;
  return socket;
}

/** What is wrong with what a socket received since `from`, if anything. */
function breaches(socket: Socket, from: number): string[] {
  const out: string[] = [];
  for (const frame of socket.frames.slice(from)) {
    const parsed = ServerFrame.safeParse(frame);
    if (!parsed.success) out.push(`a frame that is not a ServerFrame: ${JSON.stringify(frame).slice(0, 300)}`);
    const f = frame as { type?: string; code?: string };
    if ((f.type === 'session.error' || f.type === 'message.rejected') && f.code === 'internal') {
      out.push(`${f.type} internal: ${JSON.stringify(frame).slice(0, 300)}`);
    }
  }
  if (socket.closed && !socket.ended && !DOCUMENTED_CLOSES.has(socket.closed.code))
    out.push(`closed with ${JSON.stringify(socket.closed)}`);
  return out.map((b) => `${b} (after ${JSON.stringify(socket.sent)})`);
}

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  // Limits are not what this file is about: the fuzzer must reach the code behind them.
  const high = '1000000';
  server = await startTestServer({
    PARTA_SEND_RATE_PER_SEC: high,
    PARTA_WS_FRAME_RATE_PER_SEC: high,
    PARTA_WS_FRAME_BURST: high,
    PARTA_PRESENCE_QUERY_RATE_PER_MIN: high,
  });
  const b = server.build;
  const school = await b.school();
  const cls = await b.schoolClass({ organizationId: school.id });
  const teacher = await b.teacher(school.id, [{ id: cls.id, homeroom: true }]);
  await b.membership({ personId: teacher.id, role: 'school_admin', organizationId: school.id });
  const student = await b.student(cls);
  const other = await b.student(cls);
  const parent = await b.parent(school.id, [student]);
  const elsewhere = await b.school();
  const outsider = await b.teacher(elsewhere.id);
  const t = await server.login(teacher.login!);
  const people = [student.id, other.id, parent.id];
  const group = await t.createChat({ kind: 'group', organizationId: school.id, title: 'Фаззинг', personIds: people });
  const channel = await t.createChat({ kind: 'channel', organizationId: school.id, title: 'Канал', personIds: people });
  const direct = await t.openDirect(student.id);
  quiet = (await t.createChat({ kind: 'group', organizationId: school.id, title: 'Тишина', personIds: [] })).id;
  const foreign = await b.chat({ organizationId: elsewhere.id, members: [{ personId: outsider.id }] });
  for (let i = 1; i <= 5; i++) {
    for (const chat of [group, channel, direct])
      await t.sendMessage(chat.id, { clientId: `fuzz-ws-seed-${chat.id}-${i}`, text: `Сообщение ${i}` });
  }
  for (const [name, login] of [
    ['homeroom teacher and school admin', teacher.login!],
    ['student', student.login!],
    ['parent', parent.login!],
    ['teacher of another school', outsider.login!],
  ] as const) {
    actors.push({ name, login, token: (await server.login(login)).token!, socket: null });
  }
  const chats = [group.id, channel.id, direct.id, foreign.id, quiet];
  const persons = [teacher.id, student.id, other.id, parent.id, outsider.id];
  pools = {
    ids: [...chats, ...persons, school.id, elsewhere.id, cls.id],
    seqs: [0, 1, 2, 3, 4, 5, 6],
    byField: { chatId: chats, personIds: persons, mentions: persons },
  };
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  for (const s of sockets) s.end();
  await server?.close();
});

/** The schema of each client frame type, read from the protocol, so that a new type is fuzzed as soon as it exists. */
const FRAME_SCHEMAS = new Map<string, z.ZodType>(ClientFrame.options.map((o) => [o.shape.type.value, o as unknown as z.ZodType]));

describe('the WebSocket fuzzer', () => {
  it('knows the schema of every client frame type', () => {
    expect([...FRAME_SCHEMAS.keys()].sort()).toEqual([...CLIENT_FRAME_TYPES].sort());
  });

  it(
    `answers ${RUNS} generated session.hello frames on fresh sockets with a welcome, an error or a documented close`,
    async () => {
      const tokens = fc.oneof(
        { arbitrary: fc.constantFrom(...actors.map((a) => a.token)), weight: 2 },
        { arbitrary: fc.string({ minLength: 1, maxLength: 200 }), weight: 1 },
      );
      const schema = FRAME_SCHEMAS.get('session.hello')!;
      const frame = fc.oneof(
        {
          arbitrary: tokens.map((token) =>
            JSON.stringify({ type: 'session.hello', token, sync: [{ chatId: quiet, version: 0 }] }),
          ),
          weight: 1,
        },
        { arbitrary: bodyText(schema, pools, { type: 'session.hello' }), weight: 3 },
      );
      await fc.assert(
        fc.asyncProperty(frame, fc.boolean(), async (text, twice) => {
          const socket = new Socket(server.url);
          sockets.push(socket);
          await socket.opened();
          const answered = socket.next(() => true);
          socket.send(text);
          if (twice) socket.send(text);
          await answered;
          await socket.roundTrip();
          socket.end();
          const found = breaches(socket, 0);
          failures.push(...found);
          expect(found).toEqual([]);
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
    },
    TIMEOUT_MS,
  );

  describe.each(CLIENT_FRAME_TYPES.filter((t) => t !== 'session.hello'))('%s', (type) => {
    it(
      `answers ${RUNS} generated frames without an internal error, on a socket that stays usable`,
      async () => {
        const schema = FRAME_SCHEMAS.get(type)!;
        await fc.assert(
          fc.asyncProperty(fc.nat({ max: actors.length - 1 }), bodyText(schema, pools, { type }), async (who, text) => {
            const socket = await signedIn(actors[who]!);
            const from = socket.frames.length;
            socket.send(text);
            if (type === 'message.send') {
              // A send of our own is committed after the fuzzed one: its ack means the fuzzed one was answered.
              const clientId = `fuzz-control-${++control}`;
              const acked = socket.next((f) => f.clientId === clientId);
              socket.send(JSON.stringify({ type: 'message.send', chatId: quiet, clientId, text: 'контроль' }));
              await acked;
            } else if (type === 'chat.sync') {
              // A socket's syncs are served in order: the quiet chat's answer comes after the fuzzed one's.
              // (Only the teacher is in it: the others are answered not_found naming it.)
              const synced = socket.next(
                (f) =>
                  (f.type === 'chat.synced' && f.chatId === quiet) ||
                  (f.type === 'session.error' && JSON.stringify(f.details ?? {}).includes(`${quiet}`)),
              );
              socket.send(JSON.stringify({ type: 'chat.sync', positions: [{ chatId: quiet, version: 0 }] }));
              await synced;
            }
            await socket.roundTrip();
            const counts = (answers[type] ??= {});
            for (const f of socket.frames.slice(from) as { type: string; code?: string; clientId?: string }[]) {
              if (f.clientId?.startsWith('fuzz-control-') || (f.type === 'session.pong' && !text.includes('session.ping')))
                continue;
              const key = f.code ? `${f.type}:${f.code}` : f.type;
              counts[key] = (counts[key] ?? 0) + 1;
            }
            const found = breaches(socket, from);
            failures.push(...found.map((f) => `${actors[who]!.name}: ${f}`));
            expect(found).toEqual([]);
          }),
          { seed: SEED, numRuns: RUNS, endOnFailure: true },
        );
      },
      TIMEOUT_MS,
    );
  });

  it('leaves a server that still answers, with no unhandled rejection', async () => {
    const teacher = actors[0]!;
    teacher.socket = null;
    const socket = await signedIn(teacher);
    await socket.roundTrip();
    expect(socket.closed).toBeNull();
    const health = await fetch(`${server.url}/api/v1/health`);
    expect(health.status).toBe(200);
    for (const s of sockets) failures.push(...breaches(s, 0).filter((b) => !failures.includes(b)));
    if (process.env.PARTA_FUZZ_STATS) console.log(JSON.stringify(answers, null, 1));
    expect([...new Set(failures)]).toEqual([]);
    expect(unhandled).toEqual([]);
  });
});
