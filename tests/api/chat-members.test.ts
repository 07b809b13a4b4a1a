import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentAcademicYear, startTestServer, type TestServer } from '@parta/testkit';
import type { ChatMember } from '@parta/protocol';
import type { PartaClient } from '@parta/sdk';

/**
 * Chat members carry who they are in the chat's school: their roles there and whether they are a
 * homeroom teacher («классный руководитель») of one of its classes this academic year.
 */

let server: TestServer;
let id: Record<'school' | 'homeroom' | 'subject' | 's1' | 's2' | 'admin' | 'former' | 'outsider', number>;
let homeroomClient: PartaClient;
let adminClient: PartaClient;

beforeAll(async () => {
  server = await startTestServer();
  const b = server.build;
  const school = await b.school();
  const otherSchool = await b.school();
  const year = currentAcademicYear();
  const cls = await b.schoolClass({ organizationId: school.id, grade: 7, letter: 'Б', academicYear: year });
  const lastYears = await b.schoolClass({ organizationId: school.id, grade: 6, letter: 'Б', academicYear: year - 1 });
  const eighth = await b.schoolClass({ organizationId: school.id, grade: 8, letter: 'А', academicYear: year });
  const elsewhere = await b.schoolClass({ organizationId: otherSchool.id, grade: 9, letter: 'А', academicYear: year });

  const homeroom = await b.teacher(school.id, [{ id: cls.id, homeroom: true }]);
  // A second, identical membership (two imports of the same roster line): the role shows once.
  await b.membership({ personId: homeroom.id, role: 'teacher', organizationId: school.id });
  // Roles in another school are not this chat's business.
  await b.membership({ personId: homeroom.id, role: 'school_admin', organizationId: otherSchool.id });
  // Homeroom teacher of last year's class, now a subject teacher of this one, and a parent in the school.
  const subject = await b.teacher(school.id, [
    { id: cls.id, subject: 'Физика' },
    { id: lastYears.id, homeroom: true },
  ]);
  const s1 = await b.student(cls);
  const s2 = await b.student(cls);
  await b.membership({ personId: subject.id, role: 'parent', organizationId: school.id });
  await server.store.db.insertInto('guardianships').values({ parentPersonId: subject.id, studentPersonId: s1.id }).execute();

  const admin = await b.teacher(school.id);
  await b.membership({ personId: admin.id, role: 'school_admin', organizationId: school.id });
  // Homeroom teacher of 8А who has left the school: the assignment stays, the membership ended.
  const former = await b.teacher(school.id, [{ id: eighth.id, homeroom: true }]);
  await server.store.db.updateTable('memberships').set({ endedAt: Date.now() }).where('personId', '=', former.id).execute();
  // Homeroom teacher in another school only.
  const outsider = await b.teacher(otherSchool.id, [{ id: elsewhere.id, homeroom: true }]);

  id = {
    school: school.id,
    homeroom: homeroom.id,
    subject: subject.id,
    s1: s1.id,
    s2: s2.id,
    admin: admin.id,
    former: former.id,
    outsider: outsider.id,
  };
  homeroomClient = await server.login(homeroom.login!);
  adminClient = await server.login(admin.login!);
  await adminClient.syncRoster(school.id);
});

afterAll(async () => {
  await server?.close();
});

/** Each member's school roles and homeroom flag, by person id. */
function standing(members: ChatMember[]): Record<number, { roles: string[]; homeroom: boolean }> {
  return Object.fromEntries(members.map((m) => [m.personId, { roles: m.roles, homeroom: m.homeroom }]));
}

describe('chat members', () => {
  it('show the homeroom teacher, subject teachers and students of a class chat with their roles in the school', async () => {
    const classChat = (await homeroomClient.chats()).chats.find((c) => c.purpose === 'class')!;
    expect(classChat.title).toBe('7Б — класс');
    const { members } = await homeroomClient.members(classChat.id);
    expect(standing(members)).toEqual({
      [id.homeroom]: { roles: ['teacher'], homeroom: true },
      // Homeroom teacher of last year's class only; a parent in the same school: roles sorted.
      [id.subject]: { roles: ['parent', 'teacher'], homeroom: false },
      [id.s1]: { roles: ['student'], homeroom: false },
      [id.s2]: { roles: ['student'], homeroom: false },
    });
    expect(members.find((m) => m.personId === id.homeroom)?.role).toBe('owner');
  });

  it('show the same to every member, a student included', async () => {
    const classChat = (await homeroomClient.chats()).chats.find((c) => c.purpose === 'class')!;
    const row = await server.store.db
      .selectFrom('persons')
      .innerJoin('accounts', 'accounts.id', 'persons.accountId')
      .select('accounts.login')
      .where('persons.id', '=', id.s1)
      .executeTakeFirstOrThrow();
    const student = await server.login(row.login);
    expect((await student.members(classChat.id)).members).toEqual((await homeroomClient.members(classChat.id)).members);
  });

  it('show no roles and no homeroom for people who left the school or belong to another one', async () => {
    const group = await server.build.chat({
      organizationId: id.school,
      members: [{ personId: id.admin }, { personId: id.homeroom }, { personId: id.former }, { personId: id.outsider }],
    });
    const { members } = await adminClient.members(group.id);
    expect(standing(members)).toEqual({
      [id.admin]: { roles: ['school_admin', 'teacher'], homeroom: false },
      [id.homeroom]: { roles: ['teacher'], homeroom: true },
      [id.former]: { roles: [], homeroom: false },
      [id.outsider]: { roles: [], homeroom: false },
    });
  });

  it('follow the roster: a new homeroom assignment shows at once', async () => {
    const group = await server.build.chat({
      organizationId: id.school,
      members: [{ personId: id.admin }, { personId: id.s2 }],
    });
    expect(standing((await adminClient.members(group.id)).members)[id.admin]).toEqual({
      roles: ['school_admin', 'teacher'],
      homeroom: false,
    });
    const cls = await server.build.schoolClass({ organizationId: id.school, grade: 1, letter: 'В' });
    await server.store.db
      .insertInto('classTeachers')
      .values({ classId: cls.id, personId: id.admin, homeroom: 1, subject: null })
      .execute();
    expect(standing((await adminClient.members(group.id)).members)[id.admin]).toEqual({
      roles: ['school_admin', 'teacher'],
      homeroom: true,
    });
  });
});
