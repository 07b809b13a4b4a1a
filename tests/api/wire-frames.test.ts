import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '@parta/testkit';
import { FEATURE_LEVEL, type Message, ServerFrame } from '@parta/protocol';
import type { PartaClient } from '@parta/sdk';

/**
 * What travels to phones: `message.*` frames carry a message in its compact form (the fields at
 * their defaults left out), and parsing with the protocol restores the whole message, equal to what
 * HTTP answers. Read on a raw socket, since the SDK (rightly) hides the difference.
 */

let server: TestServer;
let school: { id: number };
let teacher: { id: number; login: string | null };
let s1: { id: number; login: string | null };
let s2: { id: number; login: string | null };
let c: { teacher: PartaClient; s1: PartaClient; s2: PartaClient };
const sockets: WebSocket[] = [];

/** The keys a message keeps on the wire whatever its state. */
const ALWAYS = ['chatId', 'clientId', 'createdAt', 'id', 'senderPersonId', 'seq', 'text', 'version'];

/** A raw authenticated socket recording every text frame as it arrived. */
async function rawSocket(
  client: PartaClient,
  sync?: { chatId: number; version: number }[],
): Promise<{ texts: string[]; next(pred: (t: string) => boolean): Promise<string> }> {
  const ws = new WebSocket(server.url.replace('http', 'ws') + '/api/v1/ws');
  sockets.push(ws);
  const texts: string[] = [];
  ws.on('message', (data: Buffer) => texts.push(data.toString('utf8')));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'session.hello', token: client.token, ...(sync ? { sync } : {}) }));
  const next = async (pred: (t: string) => boolean): Promise<string> => {
    const start = Date.now();
    for (;;) {
      const found = texts.find(pred);
      if (found) return found;
      if (Date.now() - start > 5_000) throw new Error(`no such frame; got ${texts.map((t) => t.slice(0, 60)).join(' | ')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const welcome = JSON.parse(await next((t) => t.includes('"session.welcome"'))) as { featureLevel: number };
  expect(welcome.featureLevel).toBe(FEATURE_LEVEL);
  return { texts, next };
}

/** The `message.new` (or `message.updated`) frame of a chat's message `seq`, raw and parsed. */
async function newFrame(
  socket: Awaited<ReturnType<typeof rawSocket>>,
  chatId: number,
  seq: number,
  type: 'message.new' | 'message.updated' = 'message.new',
) {
  const raw = await socket.next((t) => {
    const f = JSON.parse(t) as { type: string; message?: { chatId: number; seq: number } };
    return f.type === type && f.message?.chatId === chatId && f.message.seq === seq;
  });
  const parsed = ServerFrame.parse(JSON.parse(raw));
  if (parsed.type !== 'message.new' && parsed.type !== 'message.updated') throw new Error('not a message frame');
  return { raw, wireKeys: Object.keys((JSON.parse(raw) as { message: object }).message).sort(), message: parsed.message };
}

/** The message as HTTP pages it. */
async function viaHttp(client: PartaClient, chatId: number, seq: number): Promise<Message> {
  const page = await client.messages(chatId, { after: seq - 1, limit: 1 });
  return page.messages[0]!;
}

beforeAll(async () => {
  server = await startTestServer();
  const b = server.build;
  school = await b.school();
  const classA = await b.schoolClass({ organizationId: school.id });
  teacher = await b.teacher(school.id, [{ id: classA.id, homeroom: true }]);
  s1 = await b.student(classA);
  s2 = await b.student(classA);
  c = {
    teacher: await server.login(teacher.login!),
    s1: await server.login(s1.login!),
    s2: await server.login(s2.login!),
  };
});

afterAll(async () => {
  for (const ws of sockets) ws.terminate();
  await server?.close();
});

describe('message frames on the wire', () => {
  it('a plain message travels without its default fields, and parses into the message HTTP shows', async () => {
    const chat = (
      await c.teacher.createChat({ kind: 'group', organizationId: school.id, title: 'Провод', personIds: [s1.id, s2.id] })
    ).id;
    const reader = await rawSocket(c.s2);
    const text = 'Завтра контрольная по алгебре: повторить параграфы 12–15, взять калькулятор';
    const ack = await c.s1.sendMessage(chat, { clientId: 'wire-plain-0001', text });

    const got = await newFrame(reader, chat, ack.seq);
    expect(got.wireKeys).toEqual(ALWAYS);
    // About 190 bytes of frame around the text, where every field spelled out took about 350.
    expect(Buffer.byteLength(got.raw) - Buffer.byteLength(text)).toBeLessThan(200);
    expect(got.message).toEqual(await viaHttp(c.s2, chat, ack.seq));
    expect(got.message).toMatchObject({ mentions: [], reactions: {}, pinned: false, replyTo: null, editedAt: null });
  });

  it('a reply that mentions someone and must be acknowledged carries exactly those fields', async () => {
    const chat = (
      await c.teacher.createChat({ kind: 'group', organizationId: school.id, title: 'Объявления', personIds: [s1.id, s2.id] })
    ).id;
    const reader = await rawSocket(c.s2);
    const first = await c.s1.sendMessage(chat, { clientId: 'wire-first-0001', text: 'Когда экскурсия?' });
    const reply = await c.teacher.sendMessage(chat, {
      clientId: 'wire-reply-0001',
      text: 'В пятницу, подтвердите, что прочитали',
      replyToSeq: first.seq,
      mentions: [s1.id],
      mustAcknowledge: true,
    });

    const got = await newFrame(reader, chat, reply.seq);
    expect(got.wireKeys).toEqual([...ALWAYS, 'mentions', 'mustAcknowledge', 'replyTo'].sort());
    expect(got.message).toEqual(await viaHttp(c.s2, chat, reply.seq));
    expect(got.message.replyTo).toEqual({ seq: first.seq, senderPersonId: s1.id, excerpt: 'Когда экскурсия?' });
  });

  it('an edit travels as message.updated carrying, beyond the defaults, only that it was edited', async () => {
    const chat = (
      await c.teacher.createChat({ kind: 'group', organizationId: school.id, title: 'Правки', personIds: [s1.id, s2.id] })
    ).id;
    const reader = await rawSocket(c.s2);
    const sent = await c.s1.sendMessage(chat, { clientId: 'wire-edit-0001', text: 'Встречаемся в 8:00' });
    await c.s1.editMessage(chat, sent.seq, 'Встречаемся в 8:30');

    const got = await newFrame(reader, chat, sent.seq, 'message.updated');
    expect(got.wireKeys).toEqual([...ALWAYS, 'editedAt'].sort());
    expect(got.message).toEqual(await viaHttp(c.s2, chat, sent.seq));
    expect(got.message.text).toBe('Встречаемся в 8:30');
  });

  it('a reconnecting client catches up with compact messages too', async () => {
    const chat = (
      await c.teacher.createChat({ kind: 'group', organizationId: school.id, title: 'Догнать', personIds: [s1.id, s2.id] })
    ).id;
    const sent = await c.s1.sendMessage(chat, { clientId: 'wire-sync-0001', text: 'Пока тебя не было' });
    const reader = await rawSocket(c.s2, [{ chatId: chat, version: 0 }]);

    const got = await newFrame(reader, chat, sent.seq);
    expect(got.wireKeys).toEqual(ALWAYS);
    expect(got.message).toEqual(await viaHttp(c.s2, chat, sent.seq));
  });
});
