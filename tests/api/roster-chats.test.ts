import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@parta/testkit';
import type { PartaError, PartaClient } from '@parta/sdk';

let server: TestServer;
let ids: {
  school: number;
  cls: number;
  homeroom: number;
  subject: number;
  s1: number;
  s2: number;
  p1: number;
  admin: number;
  other: number;
};
let admin: PartaClient;

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return (err as PartaError).code;
  }
}

beforeAll(async () => {
  server = await startTestServer();
  const b = server.build;
  const school = await b.school();
  const cls = await b.schoolClass({ organizationId: school.id, grade: 7, letter: 'В' });
  const homeroom = await b.teacher(school.id, [{ id: cls.id, homeroom: true }]);
  const subject = await b.teacher(school.id, [{ id: cls.id, subject: 'Физика' }]);
  const s1 = await b.student(cls);
  const s2 = await b.student(cls);
  const p1 = await b.parent(school.id, [s1]);
  const a = await b.person();
  await b.membership({ personId: a.id, role: 'school_admin', organizationId: school.id });
  const other = await b.teacher(school.id);
  admin = await server.login(a.login!);
  ids = {
    school: school.id,
    cls: cls.id,
    homeroom: homeroom.id,
    subject: subject.id,
    s1: s1.id,
    s2: s2.id,
    p1: p1.id,
    admin: a.id,
    other: other.id,
  };
});

afterAll(async () => {
  await server?.close();
});

async function chatsOf(personLoginPersonId: number) {
  const row = await server.store.db
    .selectFrom('persons')
    .innerJoin('accounts', 'accounts.id', 'persons.accountId')
    .select('accounts.login')
    .where('persons.id', '=', personLoginPersonId)
    .executeTakeFirstOrThrow();
  const c = await server.login(row.login);
  return { client: c, chats: (await c.chats()).chats };
}

describe('roster-managed chats', () => {
  it('creates the class chat, the parents’ chat, the staff room and the news channel with the right roles', async () => {
    const totals = await admin.syncRoster(ids.school);
    expect(totals.created).toBe(4);
    const t = await chatsOf(ids.homeroom);
    const byPurpose = Object.fromEntries(t.chats.map((c) => [c.purpose ?? 'none', c] as const));
    expect(byPurpose.class).toMatchObject({ title: '7В — класс', myRole: 'owner', memberCount: 4 });
    expect(byPurpose.class_parents).toMatchObject({ title: '7В — родители', myRole: 'owner', memberCount: 2 });
    expect(byPurpose.staff_room).toMatchObject({ title: 'Учительская' });
    expect(byPurpose.news).toMatchObject({ kind: 'channel', canPost: false });
    const p = await chatsOf(ids.p1);
    expect(p.chats.map((c) => c.purpose).sort()).toEqual(['class_parents', 'news']);
    const s = await chatsOf(ids.s1);
    expect(s.chats.map((c) => c.purpose).sort()).toEqual(['class', 'news']);
    const news = s.chats.find((c) => c.purpose === 'news')!;
    expect(await code(s.client.sendMessage(news.id, { clientId: 'news-0001', text: 'hi' }))).toBe('forbidden');
    const adminNews = (await admin.chats()).chats.find((c) => c.purpose === 'news')!;
    expect(adminNews.canPost).toBe(true);
  });

  it('is idempotent, keeps members added by hand, and removes those who left the roster', async () => {
    const again = await server.parta.syncRosterChats('none');
    expect(again.created).toBe(0);
    const t = await chatsOf(ids.homeroom);
    const classChat = t.chats.find((c) => c.purpose === 'class')!;
    await t.client.addMembers(classChat.id, [ids.other]);
    // s2 leaves the school: the roster ends the membership.
    await server.store.db.updateTable('memberships').set({ endedAt: Date.now() }).where('personId', '=', ids.s2).execute();
    const s2 = await chatsOf(ids.s2);
    const totals = await admin.syncRoster(ids.school);
    expect(totals).toMatchObject({ created: 0 });
    expect(totals.removed).toBeGreaterThanOrEqual(2); // class chat and news channel
    expect(await code(s2.client.messages(classChat.id))).toBe('not_found');
    const members = (await t.client.members(classChat.id)).members.map((m) => m.personId).sort();
    expect(members).toEqual([ids.homeroom, ids.subject, ids.s1, ids.other].sort());
    expect(await code(s2.client.removeMember(classChat.id, ids.s1))).toBe('not_found');
    const s1 = await chatsOf(ids.s1);
    expect(await code(s1.client.removeMember(classChat.id, ids.s1))).toBe('forbidden');
  });

  it('lets only school admins trigger a sync', async () => {
    const t = await chatsOf(ids.homeroom);
    expect(await code(t.client.syncRoster(ids.school))).toBe('forbidden');
  });
});
