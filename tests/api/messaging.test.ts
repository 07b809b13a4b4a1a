import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@parta/testkit';
import { type Message } from '@parta/protocol';
import { PartaError, type PartaClient, type Realtime } from '@parta/sdk';

let server: TestServer;
let school: { id: number };
let cls: { id: number; organizationId: number };
let teacher: { id: number; login: string | null };
let students: { id: number; login: string | null }[];
let c: Record<string, PartaClient>;

/** Collects messages a realtime connection emits. */
function collect(rt: Realtime) {
  const got: Message[] = [];
  const updated: Message[] = [];
  rt.on('message', (m) => got.push(m));
  rt.on('messageUpdated', (m) => updated.push(m));
  return {
    got,
    updated,
    async until(pred: () => boolean, ms = 5_000) {
      const start = Date.now();
      while (!pred()) {
        if (Date.now() - start > ms) throw new Error('timed out waiting');
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

async function failure(p: Promise<unknown>): Promise<PartaError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PartaError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

beforeAll(async () => {
  server = await startTestServer();
  const b = server.build;
  school = await b.school();
  cls = await b.schoolClass({ organizationId: school.id, grade: 5, letter: 'А' });
  teacher = await b.teacher(school.id, [{ id: cls.id, homeroom: true }], { lastName: 'Петрова', firstName: 'Анна' });
  students = [];
  for (let i = 0; i < 3; i++) students.push(await b.student(cls, { lastName: `Ученик${i}`, firstName: 'Иван' }));
  c = { teacher: await server.login(teacher.login!) };
  for (const [i, s] of students.entries()) c[`s${i}`] = await server.login(s.login!);
});

afterAll(async () => {
  await server?.close();
});

describe('group chats and live delivery', () => {
  it('a teacher creates a group from a class; the students see it live and exchange messages', async () => {
    const rt1 = c.s0!.connect({ reconnect: false });
    const added = new Promise<number>((resolve) => rt1.on('frame', (f) => f.type === 'chat.added' && resolve(f.chat.id)));
    await rt1.once('welcome');
    const chat = await c.teacher!.createChat({
      kind: 'group',
      organizationId: school.id,
      title: '5А математика',
      classIds: [cls.id],
    });
    expect(chat.memberCount).toBe(4);
    expect(chat.myRole).toBe('owner');
    expect(await added).toBe(chat.id);

    const rtT = c.teacher!.connect({ reconnect: false });
    await rtT.once('welcome');
    const inbox = collect(rt1);
    const ack = await rtT.send(chat.id, { text: 'Добрый день! Домашнее задание: №15' });
    expect(ack).toMatchObject({ chatId: chat.id, seq: 1, duplicate: false });
    await inbox.until(() => inbox.got.length === 1);
    expect(inbox.got[0]).toMatchObject({ seq: 1, text: 'Добрый день! Домашнее задание: №15', senderPersonId: teacher.id });

    const reply = await rt1.send(chat.id, { text: 'Спасибо!', replyToSeq: 1 });
    expect(reply.seq).toBe(2);
    const page = await c.s1!.messages(chat.id);
    expect(page.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(page.messages[1]!.replyTo).toMatchObject({
      seq: 1,
      senderPersonId: teacher.id,
      excerpt: 'Добрый день! Домашнее задание: №15',
    });
    rt1.close();
    rtT.close();
  });

  it('stores a retried send once and acknowledges the retry as a duplicate', async () => {
    const chat = await c.teacher!.createChat({
      kind: 'group',
      organizationId: school.id,
      title: 'retry',
      personIds: [students[0]!.id],
    });
    const first = await c.teacher!.sendMessage(chat.id, { clientId: 'retry-0001', text: 'один раз' });
    const again = await c.teacher!.sendMessage(chat.id, { clientId: 'retry-0001', text: 'один раз' });
    expect(again).toEqual({ ...first, duplicate: true });
    expect((await c.teacher!.messages(chat.id)).messages).toHaveLength(1);
  });

  it('a reconnecting client gets exactly what it missed, in order, once', async () => {
    const chat = await c.teacher!.createChat({
      kind: 'group',
      organizationId: school.id,
      title: 'sync',
      personIds: [students[1]!.id],
    });
    const rt = c.s1!.connect({ reconnect: false });
    await rt.once('welcome');
    const box = collect(rt);
    rt.follow(chat.id, 0);
    await c.teacher!.sendMessage(chat.id, { clientId: 'sync-0001', text: 'первое' });
    await box.until(() => box.got.length === 1);
    rt.close();
    for (let i = 2; i <= 5; i++) await c.teacher!.sendMessage(chat.id, { clientId: `sync-000${i}`, text: `сообщение ${i}` });
    await c.teacher!.editMessage(chat.id, 1, 'первое (исправлено)');

    const rt2 = c.s1!.connect({ reconnect: false });
    const box2 = collect(rt2);
    // Carry the position over, as an app would from its storage.
    rt2.versions.set(chat.id, rt.versions.get(chat.id)!);
    const synced = rt2.once('synced');
    await rt2.once('welcome');
    const [s] = await synced;
    expect(s).toMatchObject({ chatId: chat.id, hasMore: false });
    // In log order: the four missed messages, then message 1 in its edited state.
    expect(box2.got.map((m) => m.seq)).toEqual([2, 3, 4, 5, 1]);
    expect(box2.got[4]!.text).toBe('первое (исправлено)');
    expect(box2.updated).toEqual([]);
    rt2.close();
  });

  it('queues a send made while offline and delivers it once after reconnect', async () => {
    const chat = await c.teacher!.createChat({
      kind: 'group',
      organizationId: school.id,
      title: 'offline',
      personIds: [students[2]!.id],
    });
    const rt = c.s2!.connect({ reconnect: true, maxBackoffMs: 200 });
    // Written before the socket is up: it waits, and goes out once the connection is authenticated.
    const ackP = rt.send(chat.id, { text: 'написано офлайн', clientId: 'offline-00001' });
    expect(rt.unacknowledged).toBe(1);
    const ack = await ackP;
    expect(rt.unacknowledged).toBe(0);
    expect(ack.duplicate).toBe(false);
    expect((await c.teacher!.messages(chat.id)).messages.map((m) => m.text)).toEqual(['написано офлайн']);
    rt.close();
  });
});

describe('forwarding and the community view', () => {
  it('forwards a message with its origin, only from a chat the sender is in', async () => {
    const from = await c.teacher!.createChat({
      kind: 'group',
      organizationId: school.id,
      title: 'Откуда',
      personIds: [students[0]!.id],
    });
    const to = await c.teacher!.createChat({
      kind: 'group',
      organizationId: school.id,
      title: 'Куда',
      personIds: [students[1]!.id],
    });
    await c.teacher!.sendMessage(from.id, { clientId: 'fwd-00001', text: 'Экскурсия в четверг' });
    await c.teacher!.sendMessage(to.id, { clientId: 'fwd-00002', text: '(пересылка)', forward: { chatId: from.id, seq: 1 } });
    const [m] = (await c.s1!.messages(to.id)).messages;
    expect(m!.text).toBe('Экскурсия в четверг');
    expect(m!.forwardedFrom).toMatchObject({ senderName: 'Петрова Анна', chatTitle: 'Откуда' });
    // s1 is not in the source chat: nothing leaks out of it.
    expect(
      (await failure(c.s1!.sendMessage(to.id, { clientId: 'fwd-00003', text: 'x', forward: { chatId: from.id, seq: 1 } }))).code,
    ).toBe('not_found');
  });

  it('shows a school’s channels and chats; its admins also see the groups they are not in', async () => {
    const admin = await server.build.person();
    await server.build.membership({ personId: admin.id, role: 'school_admin', organizationId: school.id });
    const ca = await server.login(admin.login!);
    const channel = await c.teacher!.createChat({
      kind: 'channel',
      organizationId: school.id,
      title: 'Объявления 5А',
      personIds: [students[0]!.id],
    });
    const mine = await c.s0!.community(school.id);
    expect(mine.channels.map((x) => x.id)).toContain(channel.id);
    expect(mine.chats.every((x) => x.kind !== 'channel')).toBe(true);
    expect(mine.others).toEqual([]);
    const overview = await ca.community(school.id);
    expect(overview.others.map((x) => x.id)).toContain(channel.id);
    expect(overview.others.find((x) => x.id === channel.id)!.memberCount).toBe(2);
    expect((await failure(c.s0!.community(school.id + 100_000))).code).toBe('not_found');
  });
});

describe('message changes', () => {
  it('edits (marked, history for moderators), reactions, pins, deletes', async () => {
    const chat = await c.teacher!.createChat({
      kind: 'group',
      organizationId: school.id,
      title: 'changes',
      personIds: [students[0]!.id, students[1]!.id],
    });
    await c.s0!.sendMessage(chat.id, { clientId: 'chg-00001', text: 'черновик' });
    const edited = await c.s0!.editMessage(chat.id, 1, 'чистовик');
    expect(edited.text).toBe('чистовик');
    expect(edited.editedAt).not.toBeNull();
    expect((await failure(c.s1!.editMessage(chat.id, 1, 'чужое'))).code).toBe('forbidden');
    expect((await failure(c.s1!.editHistory(chat.id, 1))).code).toBe('forbidden');
    expect((await c.teacher!.editHistory(chat.id, 1)).edits.map((e) => e.text)).toEqual(['черновик']);

    const reacted = await c.s1!.react(chat.id, 1, '👍');
    expect(reacted.reactions).toEqual({ '👍': [students[1]!.id] });
    expect((await c.s1!.unreact(chat.id, 1, '👍')).reactions).toEqual({});
    expect((await failure(c.s1!.pin(chat.id, 1))).code).toBe('forbidden');
    expect((await c.teacher!.pin(chat.id, 1)).pinned).toBe(true);
    expect((await failure(c.s1!.deleteMessage(chat.id, 1))).code).toBe('forbidden');
    const deleted = await c.s0!.deleteMessage(chat.id, 1);
    expect(deleted).toMatchObject({ text: '', pinned: false });
    expect(deleted.deletedAt).not.toBeNull();
    expect(deleted.version).toBeGreaterThan(edited.version);
  });

  it('counts unread and mentions, shows who read an announcement', async () => {
    const chat = await c.teacher!.createChat({
      kind: 'group',
      organizationId: school.id,
      title: 'объявления',
      personIds: students.map((s) => s.id),
    });
    expect((await failure(c.s0!.sendMessage(chat.id, { clientId: 'ann-00000', text: 'всем', mentionAll: true }))).code).toBe(
      'forbidden',
    );
    await c.teacher!.sendMessage(chat.id, { clientId: 'ann-00001', text: 'Собрание в пятницу', mustAcknowledge: true });
    await c.teacher!.sendMessage(chat.id, { clientId: 'ann-00002', text: 'Иван, зайди', mentions: [students[0]!.id] });
    const list = await c.s0!.chats();
    const mine = list.chats.find((x) => x.id === chat.id)!;
    expect([mine.unread, mine.mentions]).toEqual([2, 1]);
    await c.s0!.markRead(chat.id, 2);
    expect((await c.s0!.chat(chat.id)).unread).toBe(0);
    await c.s1!.markRead(chat.id, 1);
    const readers = await c.teacher!.readers(chat.id, 1);
    expect(readers.read.sort()).toEqual([students[0]!.id, students[1]!.id].sort());
    expect(readers.unread).toEqual([students[2]!.id]);
    // Read positions never move back.
    expect((await c.s0!.markRead(chat.id, 1)).readSeq).toBe(2);
  });

  it('finds messages by Russian word forms, only in the caller’s chats', async () => {
    const chat = await c.teacher!.createChat({
      kind: 'group',
      organizationId: school.id,
      title: 'поиск',
      personIds: [students[0]!.id],
    });
    await c.teacher!.sendMessage(chat.id, { clientId: 'srch-0001', text: 'Контрольная работа по геометрии перенесена' });
    await c.teacher!.sendMessage(chat.id, { clientId: 'srch-0002', text: 'Уроки физкультуры отменены' });
    await server.parta.search.drain();
    const found = await c.s0!.search({ q: 'контрольной работы' });
    expect(found.messages.map((m) => m.text)).toEqual(['Контрольная работа по геометрии перенесена']);
    expect((await c.s0!.search({ q: 'урок' })).messages.map((m) => m.text)).toEqual(['Уроки физкультуры отменены']);
    expect((await c.s1!.search({ q: 'контрольной' })).messages).toEqual([]);
  });
});

describe('the closed contour in chats', () => {
  it('hides chats from non-members and refuses their sends', async () => {
    const chat = await c.teacher!.createChat({
      kind: 'group',
      organizationId: school.id,
      title: 'закрытый',
      personIds: [students[0]!.id],
    });
    expect((await failure(c.s1!.messages(chat.id))).code).toBe('not_found');
    expect((await failure(c.s1!.sendMessage(chat.id, { clientId: 'nope-0001', text: 'hi' }))).code).toBe('not_found');
    expect((await failure(c.s0!.createChat({ kind: 'group', organizationId: school.id, title: 'x' }))).code).toBe('forbidden');
  });

  it('lets only owners and admins post in a channel; members comment when allowed', async () => {
    const ch = await c.teacher!.createChat({
      kind: 'channel',
      organizationId: school.id,
      title: 'Новости 5А',
      personIds: [students[0]!.id],
      allowComments: true,
    });
    await c.teacher!.sendMessage(ch.id, { clientId: 'chan-0001', text: 'Пост' });
    expect((await failure(c.s0!.sendMessage(ch.id, { clientId: 'chan-0002', text: 'мой пост' }))).code).toBe('forbidden');
    expect((await c.s0!.sendMessage(ch.id, { clientId: 'chan-0003', text: 'комментарий', replyToSeq: 1 })).seq).toBe(2);
  });

  it('mutes a member: their sends are refused until the mute ends', async () => {
    const chat = await c.teacher!.createChat({
      kind: 'group',
      organizationId: school.id,
      title: 'mute',
      personIds: [students[0]!.id],
    });
    await c.teacher!.updateMember(chat.id, students[0]!.id, { mutedUntil: Date.now() + 60_000 });
    expect((await failure(c.s0!.sendMessage(chat.id, { clientId: 'mute-0001', text: 'hi' }))).code).toBe('forbidden');
    await c.teacher!.updateMember(chat.id, students[0]!.id, { mutedUntil: null });
    expect((await c.s0!.sendMessage(chat.id, { clientId: 'mute-0002', text: 'hi' })).seq).toBe(1);
  });

  it('reports go to the school admins, who delete the message', async () => {
    const admin = await server.build.person();
    await server.build.membership({ personId: admin.id, role: 'school_admin', organizationId: school.id });
    const ca = await server.login(admin.login!);
    const chat = await c.teacher!.createChat({
      kind: 'group',
      organizationId: school.id,
      title: 'report',
      personIds: [students[0]!.id, students[1]!.id],
    });
    await c.s0!.sendMessage(chat.id, { clientId: 'rep-00001', text: 'грубость' });
    await c.s1!.report(chat.id, 1, 'оскорбление');
    expect((await failure(c.teacher!.reports(school.id))).code).toBe('forbidden');
    const queue = await ca.reports(school.id);
    expect(queue.reports.map((r) => [r.reason, r.message.text])).toEqual([['оскорбление', 'грубость']]);
    await ca.resolveReport(queue.reports[0]!.id, 'deleted');
    expect((await c.s1!.messages(chat.id)).messages[0]!.deletedAt).not.toBeNull();
    expect((await ca.reports(school.id)).reports).toEqual([]);
  });

  it('limits how fast one account sends (429 with retry-after)', async () => {
    const limited = await startTestServerWithRate();
    try {
      const b = limited.build;
      const org = await b.school();
      const t = await b.teacher(org.id);
      const ct = await limited.login(t.login!);
      const chat = await ct.createChat({ kind: 'group', organizationId: org.id, title: 'rate' });
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => ct.sendMessage(chat.id, { clientId: `rate-000${i}`, text: 'x' })),
      );
      const refused = results.filter((r) => r.status === 'rejected').map((r) => (r.reason as PartaError).code);
      expect(refused.length).toBeGreaterThan(0);
      expect(new Set(refused)).toEqual(new Set(['rate_limited']));
    } finally {
      await limited.close();
    }
  });
});

function startTestServerWithRate() {
  return startTestServer({ PARTA_SEND_RATE_PER_SEC: '1' });
}
