import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@parta/testkit';
import { WS_CLOSE } from '@parta/protocol';
import { PartaError, type PartaClient } from '@parta/sdk';
import { RawSocket } from '../support/raw-socket.js';

/**
 * One abusive account floods while others chat, on a server with its default limits. What the
 * others notice must be nothing: each of their messages is stored and delivered to every member
 * once, in order; none of them is ever told to slow down; the server's other answers keep coming.
 * The flooder is refused and then disconnected. (How much the flood moves the others' latency is
 * measured by `npm run bench -- flood`, not asserted here: tests assert no timings.)
 */

/** The most frames the flooder writes; it is disconnected long before. */
const FLOOD_FRAMES = 20_000;
/** Messages each of the others sends. */
const MESSAGES_EACH = 15;

let server: TestServer;
const sockets: RawSocket[] = [];

interface Member {
  personId: number;
  client: PartaClient;
  raw: RawSocket;
}

async function member(person: { id: number; login: string | null }): Promise<Member> {
  const client = await server.login(person.login!);
  const raw = await RawSocket.signedIn(server.url, client.token!);
  sockets.push(raw);
  return { personId: person.id, client, raw };
}

/** Every frame type a client may send, and some it may not, in turn. */
function floodFrames(chatId: number, personIds: number[]): unknown[] {
  return [
    { type: 'message.send', chatId, clientId: 'flood-x', text: 'флуд' },
    { type: 'message.send', chatId: 987_654_321, clientId: 'flood-y', text: 'флуд' },
    { type: 'session.ping', nonce: 'flood' },
    { type: 'chat.typing', chatId },
    { type: 'chat.read', chatId, seq: 1 },
    { type: 'presence.query', personIds },
    { type: 'chat.sync', positions: [{ chatId, version: 0 }, ...personIds.map((id) => ({ chatId: id + 900_000, version: 0 }))] },
    { type: 'session.hello', token: 'pt_not-a-token' },
    { type: 'no.such.frame' },
    '{not json',
  ];
}

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  for (const raw of sockets.splice(0)) raw.destroy();
  await server?.close();
});

describe('one socket floods while others chat', () => {
  it('the others notice nothing; the flooder is refused and disconnected', async () => {
    const b = server.build;
    const school = await b.school();
    const cls = await b.schoolClass({ organizationId: school.id });
    const teacherP = await b.teacher(school.id, [{ id: cls.id }]);
    const studentsP = [];
    for (let i = 0; i < 5; i++) studentsP.push(await b.student(cls));
    const flooderP = await b.student(cls);
    const [s1, s2, s3, s4, reader] = studentsP as [
      typeof teacherP,
      typeof teacherP,
      typeof teacherP,
      typeof teacherP,
      typeof teacherP,
    ];
    // The flooder's chat, shared with three who chat; another chat of two who chat.
    const shared = (
      await b.chat({
        organizationId: school.id,
        members: [teacherP, s1, s2, flooderP].map((p) => ({ personId: p.id })),
      })
    ).id;
    const other = (await b.chat({ organizationId: school.id, members: [s3, s4].map((p) => ({ personId: p.id })) })).id;
    const inShared = [await member(teacherP), await member(s1), await member(s2)];
    const inOther = [await member(s3), await member(s4)];
    const flooder = await member(flooderP);
    const readerClient = await server.login(reader.login!);
    const flooderMessage = (await flooder.client.sendMessage(shared, { clientId: 'flood-target', text: 'Цель' })).seq;

    // The flood: every frame type, as fast as TCP takes them, until it is disconnected.
    const frames = floodFrames(
      shared,
      [teacherP, s1, s2, s3].map((p) => p.id),
    );
    const flood = (async () => {
      let i = 0;
      while (!flooder.raw.isGone && i < FLOOD_FRAMES) {
        for (let k = 0; k < 50 && i < FLOOD_FRAMES; k++, i++) {
          const f = frames[i % frames.length] as { type?: string; clientId?: string };
          flooder.raw.send(f.type === 'message.send' ? { ...f, clientId: `${f.clientId}-${i}` } : f);
        }
        // As fast as the server takes them in: wait only while TCP pushes back.
        await flooder.raw.drained();
      }
    })();
    // The same account's abuse over HTTP: reactions, edits and reports as fast as answered.
    const httpRefusals: string[] = [];
    const httpFlood = (async () => {
      for (let i = 0; i < 60; i++) {
        const calls = [
          flooder.client.react(shared, flooderMessage, i % 2 ? '👍' : '🔥'),
          flooder.client.report(shared, flooderMessage, `флуд ${i}`),
        ];
        for (const r of await Promise.allSettled(calls))
          if (r.status === 'rejected') httpRefusals.push((r.reason as PartaError).code);
      }
    })();

    // The others chat: each sends its messages one after another, waiting for each ack.
    const sent = new Map<Member, string[]>();
    const chatting = [...inShared.map((m) => [m, shared] as const), ...inOther.map((m) => [m, other] as const)].map(
      async ([m, chatId]) => {
        const texts: string[] = [];
        sent.set(m, texts);
        for (let i = 0; i < MESSAGES_EACH; i++) {
          const text = `${m.personId}: сообщение ${i}`;
          const from = m.raw.frames.length;
          m.raw.send({ type: 'message.send', chatId, clientId: `chat-${m.personId}-${i}`, text });
          await m.raw.until('message.ack', (f) => f.clientId === `chat-${m.personId}-${i}`, from);
          texts.push(text);
        }
      },
    );
    // Meanwhile someone else uses the HTTP API.
    const httpStatuses: number[] = [];
    const browsing = (async () => {
      while (!flooder.raw.isGone || httpStatuses.length < 20) {
        for (const path of ['/api/v1/chats', '/api/v1/me']) {
          const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${readerClient.token}` } });
          await res.arrayBuffer();
          httpStatuses.push(res.status);
        }
      }
    })();

    await Promise.all([...chatting, flood, httpFlood, browsing]);
    await flooder.raw.closed;

    // Every message of the others reached every member of its chat once, in order, and is stored.
    const members = [...inShared.map((m) => [m, shared, inShared] as const), ...inOther.map((m) => [m, other, inOther] as const)];
    for (const [m, chatId, group] of members) {
      const texts = sent.get(m)!;
      expect(texts).toHaveLength(MESSAGES_EACH);
      for (const receiver of group) {
        await receiver.raw.until('message.new', (f) => f.message.text === texts.at(-1));
        const got = receiver.raw
          .of('message.new')
          .filter((f) => f.message.chatId === chatId && f.message.senderPersonId === m.personId)
          .map((f) => f.message.text);
        expect(got, `${m.personId} → ${receiver.personId}`).toEqual(texts);
      }
      const stored = (await m.client.messages(chatId, { limit: 500 })).messages
        .filter((x) => x.senderPersonId === m.personId)
        .map((x) => x.text);
      expect(stored).toEqual(texts);
    }
    // None of the others was ever refused anything.
    for (const m of [...inShared, ...inOther]) {
      expect(m.raw.of('session.error')).toEqual([]);
      expect(m.raw.of('message.rejected')).toEqual([]);
      expect(m.raw.isGone).toBe(false);
    }
    expect(httpStatuses.every((s) => s === 200)).toBe(true);
    // The flooder was told to slow down, refused, and then disconnected.
    expect(flooder.raw.of('session.error').some((e) => e.code === 'rate_limited')).toBe(true);
    expect(flooder.raw.closeFrames.map((f) => f.code)).toEqual([WS_CLOSE.tooManyFrames]);
    expect(httpRefusals.filter((c) => c === 'rate_limited').length).toBeGreaterThan(0);
    expect(httpRefusals.every((c) => c === 'rate_limited')).toBe(true);
    // Its reports of one message are one report.
    const admin = await b.person();
    await b.membership({ personId: admin.id, role: 'school_admin', organizationId: school.id });
    const queue = (await (await server.login(admin.login!)).reports(school.id)).reports;
    expect(queue.filter((r) => r.reporterPersonId === flooderP.id)).toHaveLength(1);
  });
});
