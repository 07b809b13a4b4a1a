import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@parta/testkit';
import type { PartaClient } from '@parta/sdk';
import type { PartaError } from '@parta/sdk';

let server: TestServer;
let ids: { school: number; otherSchool: number; classA: number; classB: number; studentA: number };
const clients: Record<string, PartaClient> = {};

async function codeOf(p: Promise<unknown>): Promise<string> {
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
  const region = await b.region();
  const otherRegion = await b.region();
  const mun = await b.municipality({ regionId: region.id });
  const otherMun = await b.municipality({ regionId: region.id });
  const school = await b.school({ municipalityId: mun.id });
  const otherSchool = await b.school({ municipalityId: otherMun.id });
  const classA = await b.schoolClass({ organizationId: school.id, grade: 5, letter: 'А' });
  const classB = await b.schoolClass({ organizationId: school.id, grade: 6, letter: 'Б' });
  const classX = await b.schoolClass({ organizationId: otherSchool.id, grade: 5, letter: 'А' });
  const studentA = await b.student(classA, { lastName: 'Иванов', firstName: 'Пётр' });
  const studentB = await b.student(classB);
  await b.student(classX);
  const people = {
    studentA,
    teacherA: await b.teacher(school.id, [{ id: classA.id, homeroom: true, subject: 'Математика' }]),
    teacherB: await b.teacher(school.id, [{ id: classB.id }]),
    parentA: await b.parent(school.id, [studentA]),
    parentB: await b.parent(school.id, [studentB]),
    admin: (async () => {
      const p = await b.person();
      await b.membership({ personId: p.id, role: 'school_admin', organizationId: school.id });
      return p;
    })(),
    otherTeacher: await b.teacher(otherSchool.id, [{ id: classX.id, homeroom: true }]),
    munOfficial: (async () => {
      const p = await b.person();
      await b.membership({ personId: p.id, role: 'municipality_official', municipalityId: mun.id });
      return p;
    })(),
    regionOfficial: (async () => {
      const p = await b.person();
      await b.membership({ personId: p.id, role: 'region_official', regionId: region.id });
      return p;
    })(),
    otherRegionOfficial: (async () => {
      const p = await b.person();
      await b.membership({ personId: p.id, role: 'region_official', regionId: otherRegion.id });
      return p;
    })(),
  };
  for (const [name, p] of Object.entries(people)) clients[name] = await server.login((await p).login!);
  ids = { school: school.id, otherSchool: otherSchool.id, classA: classA.id, classB: classB.id, studentA: studentA.id };
});

afterAll(async () => {
  await server?.close();
});

describe('directory through the API', () => {
  it('answers /me with the profile, roles, teaching and organizations', async () => {
    const me = await clients.teacherA!.me();
    expect(me.profiles).toHaveLength(1);
    expect(me.profiles[0]!.memberships.map((m) => m.role)).toEqual(['teacher']);
    expect(me.profiles[0]!.teaching).toEqual([{ classId: ids.classA, homeroom: true, subject: null }]);
    expect(me.organizations.map((o) => o.id)).toEqual([ids.school]);
    const parent = await clients.parentA!.me();
    expect(parent.profiles[0]!.children).toEqual([{ personId: ids.studentA, classId: ids.classA }]);
  });

  // viewer → [own school visible, other school visible, classes of own school, roster A, roster B, list teachers, list students]
  const matrix: Record<string, string[]> = {
    studentA: ['ok', 'not_found', 'ok', 'ok', 'forbidden', 'ok', 'forbidden'],
    teacherA: ['ok', 'not_found', 'ok', 'ok', 'ok', 'ok', 'ok'],
    teacherB: ['ok', 'not_found', 'ok', 'ok', 'ok', 'ok', 'ok'],
    parentA: ['ok', 'not_found', 'ok', 'ok', 'forbidden', 'ok', 'forbidden'],
    parentB: ['ok', 'not_found', 'ok', 'forbidden', 'ok', 'ok', 'forbidden'],
    admin: ['ok', 'not_found', 'ok', 'ok', 'ok', 'ok', 'ok'],
    otherTeacher: ['not_found', 'ok', 'not_found', 'not_found', 'not_found', 'not_found', 'not_found'],
    munOfficial: ['ok', 'not_found', 'forbidden', 'forbidden', 'forbidden', 'forbidden', 'forbidden'],
    regionOfficial: ['ok', 'ok', 'forbidden', 'forbidden', 'forbidden', 'forbidden', 'forbidden'],
    otherRegionOfficial: ['not_found', 'not_found', 'not_found', 'not_found', 'not_found', 'not_found', 'not_found'],
  };
  for (const [name, want] of Object.entries(matrix)) {
    it(`enforces the closed contour for ${name}`, async () => {
      const c = clients[name]!;
      const got = [
        await codeOf(c.organization(ids.school)),
        await codeOf(c.organization(ids.otherSchool)),
        await codeOf(c.classes(ids.school)),
        await codeOf(c.classMembers(ids.classA)),
        await codeOf(c.classMembers(ids.classB)),
        await codeOf(c.people(ids.school, { role: 'teacher' })),
        await codeOf(c.people(ids.school, { role: 'student' })),
      ];
      expect(got).toEqual(want);
    });
  }

  it('lists a class roster with the homeroom teacher flagged', async () => {
    const roster = await clients.teacherA!.classMembers(ids.classA);
    expect(roster.class.name).toBe('5А');
    expect(roster.students.map((s) => s.lastName)).toEqual(['Иванов']);
    expect(roster.teachers.filter((t) => t.homeroom)).toHaveLength(1);
    expect(roster.teachers[0]!.subject).toBe('Математика');
  });

  it('lists classes of the current year in grade order', async () => {
    const { classes } = await clients.admin!.classes(ids.school);
    expect(classes.map((c) => c.name)).toEqual(['5А', '6Б']);
  });

  it('pages people without gaps or repeats', async () => {
    const seen: number[] = [];
    let after = 0;
    for (;;) {
      const page = await clients.admin!.people(ids.school, { limit: 2, after });
      seen.push(...page.people.map((p) => p.id));
      if (page.next === null) break;
      after = page.next;
    }
    const all = await clients.admin!.people(ids.school, { limit: 500 });
    expect(seen).toEqual(all.people.map((p) => p.id));
    expect(new Set(seen).size).toBe(seen.length);
    // 2 students, 2 teachers, 2 parents, 1 admin
    expect(seen).toHaveLength(7);
  });

  it('shows officials the schools they oversee and students only their own school', async () => {
    const region = await clients.regionOfficial!.organizations();
    expect(region.organizations.map((o) => o.id).sort()).toEqual([ids.school, ids.otherSchool].sort());
    const mun = await clients.munOfficial!.organizations();
    expect(mun.organizations.map((o) => o.id)).toEqual([ids.school]);
    const student = await clients.studentA!.organizations();
    expect(student.organizations.map((o) => o.id)).toEqual([ids.school]);
  });
});
