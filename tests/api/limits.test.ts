import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@parta/testkit';
import { MAX_EDITS_PER_MESSAGE, WS_CLOSE } from '@parta/protocol';
import { PartaError, type PartaClient } from '@parta/sdk';
import { RawSocket } from '../support/raw-socket.js';

/**
 * Abuse limits, one by one, as a client meets them: reactions, edits, reports, presence queries,
 * catch-up of chats one is not in, sends to chats one cannot reach, and the per-socket frame budget.
 * The server runs with small limits so that a few calls reach them; each test uses fresh accounts,
 * since the limits are per account (or per socket).
 */

/** Small limits: every per-minute limit lets 5 pass at once, the send limit 3, the frame budget 20. */
const STRICT = {
  PARTA_SEND_RATE_PER_SEC: '1',
  PARTA_REACTION_RATE_PER_MIN: '1',
  PARTA_EDIT_RATE_PER_MIN: '1',
  PARTA_REPORT_RATE_PER_MIN: '1',
  PARTA_PRESENCE_QUERY_RATE_PER_MIN: '1',
  PARTA_WS_FRAME_RATE_PER_SEC: '1',
  PARTA_WS_FRAME_BURST: '20',
  PARTA_WS_REFUSED_FRAMES_TO_CLOSE: '5',
};

let server: TestServer;
let school: { id: number };
const sockets: RawSocket[] = [];
let counter = 0;
const clientId = () => `limits-${++counter}`;

async function failure(p: Promise<unknown>): Promise<PartaError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PartaError) return err;
    throw err;
  }
  throw new Error('expected the call to be refused');
}

/** A group of a new teacher and `students` new students, signed in; the teacher has written one message. */
async function group(students = 2) {
  const b = server.build;
  const cls = await b.schoolClass({ organizationId: school.id });
  const teacher = await b.teacher(school.id, [{ id: cls.id }]);
  const kids = [];
  for (let i = 0; i < students; i++) kids.push(await b.student(cls));
  const chat = await b.chat({
    organizationId: school.id,
    members: [{ personId: teacher.id }, ...kids.map((k) => ({ personId: k.id }))],
  });
  const t = await server.login(teacher.login!);
  const s: PartaClient[] = [];
  for (const k of kids) s.push(await server.login(k.login!));
  const { seq } = await t.sendMessage(chat.id, { clientId: clientId(), text: 'Задание на завтра' });
  return { chatId: chat.id, seq, teacher, kids, t, s };
}

async function socket(client: PartaClient): Promise<RawSocket> {
  const raw = await RawSocket.signedIn(server.url, client.token!);
  sockets.push(raw);
  return raw;
}

beforeAll(async () => {
  server = await startTestServer(STRICT);
  school = await server.build.school();
});

afterAll(async () => {
  for (const raw of sockets.splice(0)) raw.destroy();
  await server?.close();
});

describe('per-account limits on what is not a send', () => {
  it('reactions: past the burst, rate_limited with Retry-After; another account still reacts', async () => {
    const { chatId, seq, s, kids } = await group();
    for (let i = 0; i < 5; i++) await (i % 2 === 0 ? s[0]!.react(chatId, seq, '👍') : s[0]!.unreact(chatId, seq, '👍'));
    const refused = await failure(s[0]!.react(chatId, seq, '🔥'));
    expect([refused.status, refused.code]).toEqual([429, 'rate_limited']);
    expect(refused.details?.retryAfterSeconds).toBeGreaterThan(0);
    const res = await fetch(`${server.url}/api/v1/chats/${chatId}/messages/${seq}/reactions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s[0]!.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ emoji: '🔥' }),
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    // The refused reaction was not stored; the other student is not limited by the first one.
    expect((await s[1]!.react(chatId, seq, '🔥')).reactions).toEqual({ '👍': [kids[0]!.id], '🔥': [kids[1]!.id] });
  });

  it('edits: past the burst, rate_limited, and the edit history holds only the edits made', async () => {
    const { chatId, seq, t } = await group(0);
    for (let i = 1; i <= 5; i++) await t.editMessage(chatId, seq, `Задание на завтра, правка ${i}`);
    expect((await failure(t.editMessage(chatId, seq, 'правка 6'))).code).toBe('rate_limited');
    const history = await t.editHistory(chatId, seq);
    expect(history.edits).toHaveLength(5);
    expect((await t.messages(chatId)).messages.at(-1)!.text).toBe('Задание на завтра, правка 5');
  });

  it('reports: a second report of the same message by the same person is the same report', async () => {
    const { chatId, seq, s } = await group();
    const admin = await server.build.person();
    await server.build.membership({ personId: admin.id, role: 'school_admin', organizationId: school.id });
    const a = await server.login(admin.login!);
    const first = await s[0]!.report(chatId, seq, 'спам');
    expect(await s[0]!.report(chatId, seq, 'спам, ещё раз')).toEqual(first);
    const other = await s[1]!.report(chatId, seq, 'оскорбление');
    expect(other.reportId).not.toBe(first.reportId);
    const queue = (await a.reports(school.id)).reports.filter((r) => r.chatId === chatId);
    expect(queue.map((r) => [r.id, r.reason]).sort()).toEqual(
      [
        [first.reportId, 'спам'],
        [other.reportId, 'оскорбление'],
      ].sort(),
    );
    // Once resolved, the same person may report the message again: that is a new report.
    await a.resolveReport(first.reportId, 'dismissed');
    const again = await s[0]!.report(chatId, seq, 'снова спам');
    expect(again.reportId).not.toBe(first.reportId);
  });

  it('reports: past the burst, rate_limited, also for repeats', async () => {
    const { chatId, t, s } = await group(1);
    const seqs: number[] = [];
    for (let i = 0; i < 2; i++) seqs.push((await t.sendMessage(chatId, { clientId: clientId(), text: `Сообщение ${i}` })).seq);
    for (let i = 0; i < 5; i++) await s[0]!.report(chatId, seqs[i % 2]!, 'спам');
    const refused = await failure(s[0]!.report(chatId, seqs[0]!, 'спам'));
    expect([refused.status, refused.code]).toEqual([429, 'rate_limited']);
  });
});

describe('the edit history of one message', () => {
  let roomy: TestServer;
  beforeAll(async () => {
    roomy = await startTestServer({ PARTA_EDIT_RATE_PER_MIN: '1000000' });
  });
  afterAll(async () => {
    await roomy?.close();
  });

  it(`holds at most ${MAX_EDITS_PER_MESSAGE} edits; the next one is refused with conflict`, async () => {
    const b = roomy.build;
    const org = await b.school();
    const teacher = await b.teacher(org.id);
    const chat = await b.chat({ organizationId: org.id, members: [{ personId: teacher.id }] });
    const t = await roomy.login(teacher.login!);
    const { seq } = await t.sendMessage(chat.id, { clientId: clientId(), text: 'черновик' });
    for (let i = 1; i <= MAX_EDITS_PER_MESSAGE; i++) await t.editMessage(chat.id, seq, `черновик ${i}`);
    const refused = await failure(t.editMessage(chat.id, seq, 'ещё одна правка'));
    expect([refused.status, refused.code, refused.details?.limit]).toEqual([409, 'conflict', MAX_EDITS_PER_MESSAGE]);
    expect((await t.editHistory(chat.id, seq)).edits).toHaveLength(MAX_EDITS_PER_MESSAGE);
    expect((await t.messages(chat.id)).messages.at(-1)!.text).toBe(`черновик ${MAX_EDITS_PER_MESSAGE}`);
  });
});

describe('per-socket limits', () => {
  it('presence.query: past the burst, session.error rate_limited with the wait; the socket stays usable', async () => {
    const { teacher, s } = await group(1);
    const raw = await socket(s[0]!);
    for (let i = 0; i < 5; i++) {
      const from = raw.frames.length;
      raw.send({ type: 'presence.query', personIds: [teacher.id] });
      await raw.until('presence.update', () => true, from);
    }
    const from = raw.frames.length;
    raw.send({ type: 'presence.query', personIds: [teacher.id] });
    const error = await raw.until('session.error', () => true, from);
    expect(error.code).toBe('rate_limited');
    expect(error.details?.retryAfterMs).toBeGreaterThan(0);
    raw.send({ type: 'session.ping', nonce: 'after-presence' });
    await raw.until('session.pong', (f) => f.nonce === 'after-presence', from);
    expect(raw.of('presence.update', from)).toEqual([]);
  });

  it('chat.sync of 1,000 chats one is not in: one not_found listing them all; the own chat is caught up', async () => {
    const { chatId, s } = await group(1);
    const raw = await socket(s[0]!);
    const unknown = Array.from({ length: 999 }, (_, i) => 900_000_000 + i);
    const from = raw.frames.length;
    raw.send({
      type: 'chat.sync',
      positions: [...unknown.slice(0, 500), chatId, ...unknown.slice(500)].map((id) => ({ chatId: id, version: 0 })),
    });
    const synced = await raw.until('chat.synced', (f) => f.chatId === chatId, from);
    expect(synced.throughVersion).toBe(1);
    raw.send({ type: 'session.ping', nonce: 'after-sync' });
    await raw.until('session.pong', (f) => f.nonce === 'after-sync', from);
    const errors = raw.of('session.error', from);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'not_found' });
    expect([...(errors[0]!.details?.chatIds as number[])].sort((x, y) => x - y)).toEqual(unknown);
  });

  it('message.send to chats one cannot reach: rate_limited past the send burst, not a lookup each', async () => {
    const { s } = await group(1);
    const raw = await socket(s[0]!);
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      ids.push(clientId());
      raw.send({ type: 'message.send', chatId: 800_000_000 + i, clientId: ids[i], text: 'Привет' });
    }
    await raw.until('message.rejected', () => raw.of('message.rejected').length === 8);
    // The send limit (3 at once) is spent before the chat is looked up: the first three are looked
    // up and not found, the rest are refused at once (so they are even answered first).
    const codes = new Map(raw.of('message.rejected').map((f) => [f.clientId, f.code]));
    expect(ids.map((id) => codes.get(id))).toEqual([
      'not_found',
      'not_found',
      'not_found',
      'rate_limited',
      'rate_limited',
      'rate_limited',
      'rate_limited',
      'rate_limited',
    ]);
  });

  it('the frame budget: past it, session.error rate_limited; a socket that keeps on is closed with 4429', async () => {
    const { s } = await group(1);
    const raw = await socket(s[0]!);
    const sent = 60;
    for (let i = 0; i < sent; i++) raw.send({ type: 'session.ping', nonce: `p${i}` });
    await raw.closed;
    expect(raw.closeFrames.map((f) => f.code)).toEqual([WS_CLOSE.tooManyFrames]);
    const pongs = raw.of('session.pong');
    const errors = raw.of('session.error');
    // The budget's burst (20, less the hello) was answered, in order; then refusals, then the close.
    expect(pongs.length).toBeGreaterThanOrEqual(19);
    expect(pongs.map((p) => p.nonce)).toEqual(pongs.map((_, i) => `p${i}`));
    expect(errors.length).toBeGreaterThanOrEqual(1);
    for (const e of errors) expect([e.code, Number(e.details?.retryAfterMs) > 0]).toEqual(['rate_limited', true]);
    expect(pongs.length + errors.length).toBeLessThan(sent);
    // The session does not come back with a full budget: a new socket that floods again at once is
    // closed at its first refusal. One that first waits as long as it was told is answered.
    const again = await socket(s[0]!);
    for (let i = 0; i < 30; i++) again.send({ type: 'session.ping', nonce: `again-${i}` });
    await again.closed;
    expect(again.closeFrames.map((f) => f.code)).toEqual([WS_CLOSE.tooManyFrames]);
    await new Promise((r) => setTimeout(r, Number(errors.at(-1)!.details?.retryAfterMs) + 1000));
    const patient = await socket(s[0]!);
    patient.send({ type: 'session.ping', nonce: 'patient' });
    await patient.until('session.pong', (f) => f.nonce === 'patient');
  });
});
