import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@parta/testkit';
import { WS_CLOSE } from '@parta/protocol';
import type { PartaClient } from '@parta/sdk';
import { RawSocket } from '../support/raw-socket.js';

/**
 * A revoked session's socket stops acting at once. The client here is hostile: it ignores the
 * server's close frame and keeps sending. Whatever it sends after the logout or the device revoke
 * answered must be neither stored nor delivered, it must get nothing more, and the server must tear
 * the connection down by itself (its own close handshake would otherwise wait 30 s for the client).
 */

let server: TestServer;
let school: { id: number };
let teacher: { id: number; login: string | null };
let teacherClient: PartaClient;
const open: RawSocket[] = [];
let counter = 0;

/** A fresh group of the teacher and one new student; the student signed in `sessions` times. */
async function setup(sessions: number) {
  const b = server.build;
  const cls = await b.schoolClass({ organizationId: school.id });
  const student = await b.student(cls);
  const chat = await b.chat({ organizationId: school.id, members: [{ personId: teacher.id }, { personId: student.id }] });
  const clients: PartaClient[] = [];
  const tokens: string[] = [];
  for (let i = 0; i < sessions; i++) {
    const c = server.client();
    tokens.push((await c.devLogin({ login: student.login!, deviceName: `device ${i}` })).token);
    clients.push(c);
  }
  const watcher = await connect(teacherToken);
  return { chatId: chat.id, student, clients, tokens, watcher };
}

let teacherToken: string;

async function connect(token: string): Promise<RawSocket> {
  const raw = await RawSocket.signedIn(server.url, token);
  open.push(raw);
  return raw;
}

/** Sends every kind of frame a signed-in socket may send, `sends` of them messages marked `tag`. */
function flood(raw: RawSocket, chatId: number, tag: string, sends: number, personId: number): void {
  for (let i = 0; i < sends; i++) {
    raw.send({ type: 'message.send', chatId, clientId: `flood-${++counter}`, text: `${tag} ${i}` });
    if (i % 10 === 0) {
      raw.send({ type: 'chat.typing', chatId });
      raw.send({ type: 'chat.read', chatId, seq: 1 });
      raw.send({ type: 'presence.query', personIds: [personId] });
      raw.send({ type: 'chat.sync', positions: [{ chatId, version: 0 }] });
      raw.send({ type: 'session.ping', nonce: `flood-${++counter}` });
    }
  }
}

/** Sends a message as the teacher over HTTP and waits until the watcher has it. */
async function teacherSays(chatId: number, watcher: RawSocket, text: string): Promise<void> {
  await teacherClient.sendMessage(chatId, { clientId: `teacher-${++counter}`, text });
  await watcher.until('message.new', (f) => f.message.chatId === chatId && f.message.text === text);
}

/** Texts of the chat as stored, oldest first. */
async function stored(chatId: number): Promise<string[]> {
  return (await teacherClient.messages(chatId, { limit: 500 })).messages.map((m) => m.text);
}

/**
 * Waits until the server has torn the socket down, or (without the fix) until a message it sent
 * after the revocation reached the watcher, whichever comes first: the assertions after it then
 * fail with what went wrong instead of a timeout.
 */
async function goneOrLeaked(raws: RawSocket[], watcher: RawSocket, tag: string): Promise<void> {
  await Promise.race([
    Promise.all(raws.map((r) => r.closed)),
    watcher.until('message.new', (f) => f.message.text.startsWith(tag)),
  ]);
}

beforeAll(async () => {
  server = await startTestServer();
  school = await server.build.school();
  teacher = await server.build.teacher(school.id);
  teacherClient = server.client();
  teacherToken = (await teacherClient.devLogin({ login: teacher.login! })).token;
});

afterAll(async () => {
  for (const raw of open.splice(0)) raw.destroy();
  await server?.close();
});

describe('a revoked session on an open socket', () => {
  it('after logout: no frame is acted on, nothing more is delivered to it, and the connection is torn down', async () => {
    const { chatId, student, clients, tokens, watcher } = await setup(1);
    const raw = await connect(tokens[0]!);
    // Before the logout the socket works.
    raw.send({ type: 'message.send', chatId, clientId: `before-${++counter}`, text: 'до выхода' });
    await raw.until('message.ack');
    await watcher.until('message.new', (f) => f.message.text === 'до выхода');
    const seenBefore = raw.frames.length;

    await clients[0]!.logout();
    flood(raw, chatId, 'после выхода', 50, teacher.id);
    // Written to the chat after the logout: the revoked socket must not get it.
    await teacherSays(chatId, watcher, 'учитель после выхода ученика');
    await goneOrLeaked([raw], watcher, 'после выхода');

    await teacherSays(chatId, watcher, 'маркер');
    const expected = ['до выхода', 'учитель после выхода ученика', 'маркер'];
    expect(watcher.of('message.new').map((f) => f.message.text)).toEqual(expected);
    expect(await stored(chatId)).toEqual(expected);
    // Nor did its typing notices or read positions reach anyone.
    expect(
      watcher.frames.filter((f) => (f.type === 'chat.typing' || f.type === 'chat.read') && f.personId === student.id),
    ).toEqual([]);
    // Not one answer, echo or delivery after the logout; the close, and the connection torn down.
    expect(raw.frames.slice(seenBefore)).toEqual([]);
    expect(raw.closeFrames.map((f) => f.code)).toEqual([WS_CLOSE.sessionRevoked]);
    await raw.closed;
  });

  it('after a device revoke: both sockets of that session stop and close; the account’s other device goes on', async () => {
    const { chatId, clients, tokens, watcher } = await setup(2);
    const [revokedA, revokedB] = [await connect(tokens[0]!), await connect(tokens[0]!)];
    const other = await connect(tokens[1]!);
    const sessionId = (await clients[0]!.sessions()).sessions.find((s) => s.current)!.id;
    const seen = [revokedA.frames.length, revokedB.frames.length];

    // The second device signs the first one out.
    await clients[1]!.revokeSession(sessionId);
    flood(revokedA, chatId, 'отозванный A', 30, teacher.id);
    flood(revokedB, chatId, 'отозванный B', 30, teacher.id);
    other.send({ type: 'message.send', chatId, clientId: `other-${++counter}`, text: 'со второго устройства' });
    await other.until('message.ack');
    await teacherSays(chatId, watcher, 'учитель после отзыва');
    await goneOrLeaked([revokedA, revokedB], watcher, 'отозванный');

    // The other device still sends and receives.
    await teacherSays(chatId, watcher, 'маркер');
    await other.until('message.new', (f) => f.message.text === 'маркер');
    const expected = ['со второго устройства', 'учитель после отзыва', 'маркер'];
    expect(watcher.of('message.new').map((f) => f.message.text)).toEqual(expected);
    expect(await stored(chatId)).toEqual(expected);
    expect(other.of('message.new').map((f) => f.message.text)).toEqual(expected);
    expect(other.isGone).toBe(false);
    for (const [i, raw] of [revokedA, revokedB].entries()) {
      expect(raw.frames.slice(seen[i])).toEqual([]);
      expect(raw.closeFrames.map((f) => f.code)).toEqual([WS_CLOSE.sessionRevoked]);
    }
    await Promise.all([revokedA.closed, revokedB.closed]);
  });

  it('a hello with the token of a revoked session is refused with 4401', async () => {
    const { tokens, clients } = await setup(1);
    await clients[0]!.logout();
    const raw = await RawSocket.open(server.url);
    open.push(raw);
    raw.send({ type: 'session.hello', token: tokens[0] });
    await raw.closed;
    expect(raw.closeFrames.map((f) => f.code)).toEqual([WS_CLOSE.unauthenticated]);
    expect(raw.frames).toEqual([]);
  });
});
