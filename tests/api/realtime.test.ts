import type net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '@parta/testkit';
import { type Message, type Presence, ServerFrame, WS_CLOSE } from '@parta/protocol';
import type { PartaClient, Realtime } from '@parta/sdk';

/**
 * The realtime side of messaging, through the real server and the SDK (or a raw `ws` where the
 * SDK would hide what is tested): typing notices, read positions, presence, several devices of one
 * account, and a reader too slow to keep up.
 */

type Frame<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>;

let server: TestServer;
let school: { id: number };
/** A homeroom teacher of class A. */
let teacher: { id: number; login: string | null };
/** Students of class A. */
let s1: { id: number; login: string | null };
let s2: { id: number; login: string | null };
/** A student of class B: shares no chat with anyone above. */
let outsider: { id: number; login: string | null };
let c: { teacher: PartaClient; s1: PartaClient; s2: PartaClient; outsider: PartaClient };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with `p`, or fails naming `what` after `ms`. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until `pred` holds, polling. */
async function until(pred: () => boolean | Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const start = Date.now();
  while (!(await pred())) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** A realtime connection of the SDK with every frame it received. */
interface Socket {
  rt: Realtime;
  frames: ServerFrame[];
  /** Frames of one type, in arrival order. */
  of<T extends ServerFrame['type']>(type: T): Frame<T>[];
  /** Waits for the first frame of a type from index `from` on that satisfies `pred`. */
  next<T extends ServerFrame['type']>(type: T, pred?: (f: Frame<T>) => boolean, from?: number): Promise<Frame<T>>;
  disconnected: { code: number }[];
}

const opened: Realtime[] = [];

afterEach(() => {
  for (const rt of opened.splice(0)) rt.close();
});

/** Opens an authenticated SDK connection (no reconnects: a close must stay visible). */
async function connect(client: PartaClient): Promise<Socket> {
  const rt = client.connect({ reconnect: false });
  opened.push(rt);
  const frames: ServerFrame[] = [];
  const disconnected: { code: number }[] = [];
  rt.on('frame', (f) => frames.push(f));
  rt.on('disconnected', ({ code }) => disconnected.push({ code }));
  await within(rt.once('welcome'), 5_000, 'session.welcome');
  const of = <T extends ServerFrame['type']>(type: T) => frames.filter((f): f is Frame<T> => f.type === type);
  async function next<T extends ServerFrame['type']>(type: T, pred: (f: Frame<T>) => boolean = () => true, from = 0) {
    const match = (f: ServerFrame): f is Frame<T> => f.type === type && pred(f as Frame<T>);
    let found: Frame<T> | undefined;
    await until(() => (found = frames.slice(from).find(match)) !== undefined, `a ${type} frame`);
    return found!;
  }
  return { rt, frames, of, next, disconnected };
}

/** A group of the teacher with the given members. */
async function group(title: string, personIds: number[]): Promise<number> {
  return (await c.teacher.createChat({ kind: 'group', organizationId: school.id, title, personIds })).id;
}

/** Asks for presence over the socket and returns the answer. */
async function presence(s: Socket, personIds: number[]): Promise<Presence[]> {
  const from = s.frames.length;
  s.rt.sendFrame({ type: 'presence.query', personIds });
  return (await s.next('presence.update', () => true, from)).presence;
}

beforeAll(async () => {
  server = await startTestServer();
  const b = server.build;
  school = await b.school();
  const classA = await b.schoolClass({ organizationId: school.id });
  const classB = await b.schoolClass({ organizationId: school.id });
  teacher = await b.teacher(school.id, [{ id: classA.id, homeroom: true }]);
  s1 = await b.student(classA);
  s2 = await b.student(classA);
  outsider = await b.student(classB);
  c = {
    teacher: await server.login(teacher.login!),
    s1: await server.login(s1.login!),
    s2: await server.login(s2.login!),
    outsider: await server.login(outsider.login!),
  };
});

afterAll(async () => {
  for (const rt of opened.splice(0)) rt.close();
  await server?.close();
});

describe('typing', () => {
  it('passes typing on to the other members, never to the typist’s own sockets, at most once per 2 s', async () => {
    const chat = await group('Набор текста', [s1.id, s2.id]);
    const a1 = await connect(c.s1);
    const a2 = await connect(c.s1);
    const b = await connect(c.s2);
    const t = await connect(c.teacher);

    a1.rt.sendFrame({ type: 'chat.typing', chatId: chat });
    const notice = { type: 'chat.typing', chatId: chat, personId: s1.id };
    expect(await b.next('chat.typing')).toEqual(notice);
    // The server passed it on before now: 2 s from now are 2 s from then at least.
    const passedOn = Date.now();
    expect(await t.next('chat.typing')).toEqual(notice);

    // Again at once: held back. A message sent after it is the barrier.
    a1.rt.sendFrame({ type: 'chat.typing', chatId: chat });
    const ack = await within(a1.rt.send(chat, { text: 'Пишу ответ' }), 5_000, 'ack');
    for (const s of [b, t, a2]) await s.next('message.new', (f) => f.message.seq === ack.seq);
    await b.rt.ping();
    expect(b.of('chat.typing')).toEqual([notice]);
    expect(t.of('chat.typing')).toEqual([notice]);
    expect(a1.of('chat.typing')).toEqual([]);
    expect(a2.of('chat.typing')).toEqual([]);

    // After 2 s it is passed on again.
    await sleep(Math.max(0, 2_050 - (Date.now() - passedOn)));
    a1.rt.sendFrame({ type: 'chat.typing', chatId: chat });
    await until(() => b.of('chat.typing').length === 2, 'the second typing notice');
    await a1.rt.ping();
    await a2.rt.ping();
    expect(a1.of('chat.typing')).toEqual([]);
    expect(a2.of('chat.typing')).toEqual([]);
  });

  it('answers typing in a chat the typist is not in with session.error not_found, and tells nobody', async () => {
    const chat = await group('Чужой чат', [s1.id]);
    const member = await connect(c.s1);
    const x = await connect(c.outsider);
    x.rt.sendFrame({ type: 'chat.typing', chatId: chat });
    const error = await x.next('session.error');
    expect(error.code).toBe('not_found');
    await x.rt.ping();
    await member.rt.ping();
    expect(member.of('chat.typing')).toEqual([]);
    expect(x.rt.authenticated).toBe(true);
  });
});

describe('read positions', () => {
  it('chat.read over the WebSocket moves the read position; the members see it; it never moves back nor past the log', async () => {
    const chat = await group('Прочитано', [s1.id, s2.id]);
    for (let i = 1; i <= 3; i++) await c.teacher.sendMessage(chat, { clientId: `read-pos-${chat}-${i}`, text: `Сообщение ${i}` });
    const reader = await connect(c.s1);
    const other = await connect(c.s2);
    const t = await connect(c.teacher);

    reader.rt.sendFrame({ type: 'chat.read', chatId: chat, seq: 2 });
    const moved = { type: 'chat.read', chatId: chat, personId: s1.id, seq: 2 };
    // Every member of a small group is told, the reader's own socket too.
    for (const s of [t, other, reader]) expect(await s.next('chat.read')).toEqual(moved);

    const mine = await c.s1.chat(chat);
    expect({ readSeq: mine.readSeq, unread: mine.unread, lastSeq: mine.lastSeq }).toEqual({ readSeq: 2, unread: 1, lastSeq: 3 });
    expect((await c.teacher.readers(chat, 2)).read).toContain(s1.id);
    expect((await c.teacher.readers(chat, 3)).unread).toContain(s1.id);
    expect((await c.s2.members(chat)).members.find((m) => m.personId === s1.id)?.readSeq).toBe(2);

    // Backwards: the position stays, and the answer says where it is.
    reader.rt.sendFrame({ type: 'chat.read', chatId: chat, seq: 1 });
    await until(() => t.of('chat.read').length === 2, 'the second chat.read');
    expect(t.of('chat.read')[1]).toEqual(moved);

    // Past the last message: it stops at the last one, so later messages still count as unread.
    reader.rt.sendFrame({ type: 'chat.read', chatId: chat, seq: 2147483647 });
    await until(() => t.of('chat.read').length === 3, 'the third chat.read');
    expect(t.of('chat.read')[2]).toEqual({ ...moved, seq: 3 });
    expect((await c.s1.chat(chat)).readSeq).toBe(3);
    await c.teacher.sendMessage(chat, { clientId: `read-pos-${chat}-4`, text: 'Ещё одно' });
    expect(await c.s1.chat(chat)).toMatchObject({ readSeq: 3, unread: 1, lastSeq: 4 });
    expect((await c.teacher.readers(chat, 4)).unread).toContain(s1.id);
    expect(reader.of('session.error')).toEqual([]);
  });

  it('answers chat.read in a chat the caller is not in with session.error not_found', async () => {
    const chat = await group('Не мой', [s2.id]);
    const x = await connect(c.s1);
    x.rt.sendFrame({ type: 'chat.read', chatId: chat, seq: 1 });
    expect((await x.next('session.error')).code).toBe('not_found');
  });
});

describe('presence', () => {
  it('shows a co-member online while connected, then offline with a last-seen time', async () => {
    await group('Присутствие', [s1.id]);
    const t = await connect(c.teacher);
    const student = await connect(c.s1);

    const online = await presence(t, [s1.id]);
    expect(online).toHaveLength(1);
    expect(online[0]).toMatchObject({ personId: s1.id, online: true });

    const before = Date.now();
    student.rt.close();
    let after: Presence | undefined;
    await until(async () => {
      [after] = await presence(t, [s1.id]);
      return after !== undefined && !after.online && (after.lastSeenAt ?? 0) >= before;
    }, 'the student to show offline with a last-seen time');
    expect(after!.lastSeenAt).toBeLessThanOrEqual(Date.now());
  });

  it('tells a socket that asked when the person comes online and goes offline, without asking again', async () => {
    await group('Слежение', [s1.id]);
    const t = await connect(c.teacher);
    await until(async () => (await presence(t, [s1.id]))[0]?.online === false, 'the student to be offline');

    let from = t.frames.length;
    const student = await connect(c.s1);
    await t.next('presence.update', (f) => f.presence.some((p) => p.personId === s1.id && p.online), from);
    // A second device of the same account changes nothing: the person was online already.
    from = t.frames.length;
    const second = await connect(c.s1);
    second.rt.close();
    await sleep(200);
    expect(t.frames.slice(from).filter((f) => f.type === 'presence.update')).toEqual([]);

    from = t.frames.length;
    const before = Date.now();
    student.rt.close();
    const off = await t.next('presence.update', (f) => f.presence.some((p) => p.personId === s1.id && !p.online), from);
    expect(off.presence[0]!.lastSeenAt).toBeGreaterThanOrEqual(before);
  });

  it('pushes nothing about persons the socket may not see', async () => {
    await group('Не видно', [s1.id]);
    const x = await connect(c.outsider);
    expect(await presence(x, [s1.id])).toEqual([]);
    const from = x.frames.length;
    const student = await connect(c.s1);
    student.rt.close();
    await sleep(300);
    expect(x.frames.slice(from).filter((f) => f.type === 'presence.update')).toEqual([]);
  });

  it('leaves out persons who share no chat with the caller: students are hidden from non-contacts', async () => {
    await group('Контакты', [s1.id, s2.id]);
    const x = await connect(c.outsider);
    const t = await connect(c.teacher);
    const student = await connect(c.s1);

    // The outsider is online, but shares no chat with the teacher or the students of class A.
    expect(await presence(t, [outsider.id])).toEqual([]);
    expect((await presence(student, [outsider.id, s2.id])).map((p) => p.personId)).toEqual([s2.id]);
    // Nor do they see anyone of class A, online or not; persons that do not exist are left out too.
    expect(await presence(x, [s1.id, s2.id, teacher.id, 987654321])).toEqual([]);
    // One's own presence is always visible.
    expect(await presence(x, [outsider.id])).toMatchObject([{ personId: outsider.id, online: true }]);
  });
});

describe('several devices of one account', () => {
  it('delivers message.new to every socket of the account; the ack goes only to the sending socket', async () => {
    const chat = await group('Два устройства', [s2.id]);
    const phone = await connect(c.s2);
    const sameSession = await connect(c.s2);
    const laptop = await connect(await server.login(s2.login!));
    const t = await connect(c.teacher);

    const ack = await within(phone.rt.send(chat, { text: 'С телефона', clientId: `two-devices-${chat}` }), 5_000, 'ack');
    for (const s of [phone, sameSession, laptop, t]) {
      const got = await s.next('message.new', (f) => f.message.id === ack.id);
      expect(got.message).toMatchObject({ chatId: chat, seq: ack.seq, senderPersonId: s2.id, text: 'С телефона' });
    }
    for (const s of [sameSession, laptop, t]) await s.rt.ping();
    expect(phone.of('message.ack').map((a) => a.clientId)).toEqual([`two-devices-${chat}`]);
    expect(sameSession.of('message.ack')).toEqual([]);
    expect(laptop.of('message.ack')).toEqual([]);
    expect(t.of('message.ack')).toEqual([]);

    // A send from the other device: the roles swap.
    const second = await within(laptop.rt.send(chat, { text: 'С ноутбука' }), 5_000, 'ack');
    await phone.next('message.new', (f) => f.message.id === second.id);
    await phone.rt.ping();
    expect(phone.of('message.ack')).toHaveLength(1);
    expect(laptop.of('message.ack').map((a) => a.seq)).toEqual([second.seq]);
  });
});

describe('a reader too slow to keep up', () => {
  let slow: TestServer;

  afterAll(async () => {
    await slow?.close();
  });

  /** How many sockets the server cut off for reading too slowly. */
  async function overflows(): Promise<number> {
    const text = await slow.metrics();
    return Number(/^parta_ws_frames_received_total\{type="overflow"\} (\d+)/m.exec(text)?.[1] ?? 0);
  }

  it(
    'is cut off once more than 4 MiB waits for it, while the other members get every message',
    { timeout: 120_000 },
    async () => {
      // The sender floods on purpose (within the limits raised for it): this is about the slow reader.
      slow = await startTestServer({
        PARTA_SEND_RATE_PER_SEC: '100000',
        PARTA_WS_FRAME_RATE_PER_SEC: '100000',
        PARTA_WS_FRAME_BURST: '100000',
        PARTA_METRICS_PORT: '0',
      });
      const b = slow.build;
      const org = await b.school();
      const cls = await b.schoolClass({ organizationId: org.id });
      const flooder = await b.teacher(org.id, [{ id: cls.id, homeroom: true }]);
      const normal = await b.student(cls);
      const sluggish = await b.student(cls);
      const cf = await slow.login(flooder.login!);
      const chat = (
        await cf.createChat({ kind: 'group', organizationId: org.id, title: 'Поток', personIds: [normal.id, sluggish.id] })
      ).id;

      const f = await connect(cf);
      const n = await connect(await slow.login(normal.login!));
      const got: Message[] = [];
      n.rt.on('message', (m) => got.push(m));

      // The slow reader: a raw socket that authenticates, then stops reading.
      const token = (await slow.login(sluggish.login!)).token!;
      const z = new WebSocket(`${slow.url.replace('http', 'ws')}/api/v1/ws`);
      let zMessages = 0;
      const zWelcome = new Promise<void>((resolve) => {
        z.on('message', (data: Buffer) => {
          const frame = ServerFrame.parse(JSON.parse(data.toString('utf8')));
          if (frame.type === 'session.welcome') resolve();
          if (frame.type === 'message.new') zMessages++;
        });
      });
      const zClosed = new Promise<number>((resolve) => z.on('close', (code) => resolve(code)));
      z.on('error', () => {
        /* the close reports it */
      });
      await within(new Promise((resolve) => z.once('open', resolve)), 5_000, 'open');
      z.send(JSON.stringify({ type: 'session.hello', token }));
      await within(zWelcome, 5_000, 'welcome');
      (z as unknown as { _socket: net.Socket })._socket.pause();

      // ~6 KB a message (3,000 Cyrillic characters): a few thousand at most fill the kernel's buffers and 4 MiB more.
      const text = 'щ'.repeat(3_000);
      const deadline = Date.now() + 60_000;
      let sent = 0;
      let extraBatches = 1;
      for (;;) {
        const acks = await Promise.all(Array.from({ length: 50 }, () => f.rt.send(chat, { text })));
        sent += acks.length;
        expect(acks.map((a) => a.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => sent - 49 + i));
        if ((await overflows()) > 0 && extraBatches-- === 0) break;
        if (sent >= 5_000 || Date.now() > deadline) throw new Error(`no overflow after ${sent} messages`);
      }
      expect(await overflows()).toBe(1);

      // The normal member got every message, in order, without a gap, and was never disconnected.
      await until(() => got.length >= sent, `all ${sent} messages at the normal member`, 30_000);
      expect(got.map((m) => m.seq)).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
      expect(n.disconnected).toEqual([]);
      expect(f.disconnected).toEqual([]);
      expect(n.rt.authenticated).toBe(true);

      // The slow one, reading again, finds its connection closed: 4408, or cut (1006) when the
      // close frame was still queued behind what it had not read.
      (z as unknown as { _socket: net.Socket })._socket.resume();
      const code = await within(zClosed, 15_000, 'the slow socket to close');
      expect([WS_CLOSE.tooSlow, 1006]).toContain(code);
      expect(zMessages).toBeLessThan(sent);
      // And the server still serves the chat.
      const last = await cf.sendMessage(chat, { clientId: 'after-the-flood', text: 'Конец' });
      expect(last.seq).toBe(sent + 1);
      await until(() => got.length === sent + 1, 'the message after the flood');
      z.terminate();
    },
  );
});
