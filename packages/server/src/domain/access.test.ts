import { describe, expect, it } from 'vitest';
import type { Role } from '@parta/protocol';
import {
  academicYearOf,
  accessClassList,
  accessClassRoster,
  accessOrganization,
  maySeePerson,
  visiblePeopleRoles,
} from './access.js';
import type { Viewer, ViewerMembership } from '../model/viewer.js';

// One region (1) with two municipalities (10, 20); school 100 in municipality 10 with classes 1000 and 1001;
// school 200 in municipality 20. Region 2 is somewhere else.
const school = { id: 100, municipalityId: 10, regionId: 1 };
const otherSchool = { id: 200, municipalityId: 20, regionId: 1 };
const classA = { id: 1000, organizationId: 100 };
const classB = { id: 1001, organizationId: 100 };

function m(role: Role, o: Partial<ViewerMembership> = {}): ViewerMembership {
  return { personId: 1, role, organizationId: null, classId: null, municipalityId: null, regionId: null, ...o };
}

function viewer(o: Partial<Viewer>): Viewer {
  return { accountId: 1, sessionId: 1, personIds: [1], memberships: [], teaching: [], children: [], ...o };
}

/** Every kind of viewer, positioned relative to school 100 / class A. */
const viewers: Record<string, Viewer> = {
  'student of class A': viewer({ memberships: [m('student', { organizationId: 100, classId: 1000 })] }),
  'student of other school': viewer({ memberships: [m('student', { organizationId: 200, classId: 2000 })] }),
  'teacher of class A': viewer({
    memberships: [m('teacher', { organizationId: 100 })],
    teaching: [{ personId: 1, classId: 1000, organizationId: 100, homeroom: true }],
  }),
  'teacher of the school, not class A': viewer({ memberships: [m('teacher', { organizationId: 100 })] }),
  'teacher of other school': viewer({ memberships: [m('teacher', { organizationId: 200 })] }),
  'parent of a class A student': viewer({
    memberships: [m('parent', { organizationId: 100 })],
    children: [{ parentPersonId: 1, personId: 5, classId: 1000, organizationId: 100 }],
  }),
  'parent of a class B student': viewer({
    memberships: [m('parent', { organizationId: 100 })],
    children: [{ parentPersonId: 1, personId: 6, classId: 1001, organizationId: 100 }],
  }),
  'school admin': viewer({ memberships: [m('school_admin', { organizationId: 100 })] }),
  staff: viewer({ memberships: [m('staff', { organizationId: 100 })] }),
  'admin of other school': viewer({ memberships: [m('school_admin', { organizationId: 200 })] }),
  'municipality official (same)': viewer({ memberships: [m('municipality_official', { municipalityId: 10 })] }),
  'municipality official (other)': viewer({ memberships: [m('municipality_official', { municipalityId: 20 })] }),
  'region official (same)': viewer({ memberships: [m('region_official', { regionId: 1 })] }),
  'region official (other)': viewer({ memberships: [m('region_official', { regionId: 2 })] }),
  'account with no roles': viewer({ memberships: [] }),
};

const STAFF: readonly Role[] = ['teacher', 'school_admin', 'staff'];
const ALL: readonly Role[] = ['student', 'teacher', 'parent', 'school_admin', 'staff'];

/** Expected answers: [sees school, lists classes, reads class A roster, reads class B roster, people roles]. */
const expected: Record<string, [boolean, boolean, boolean, boolean, readonly Role[]]> = {
  'student of class A': [true, true, true, false, STAFF],
  'student of other school': [false, false, false, false, []],
  'teacher of class A': [true, true, true, true, ALL],
  'teacher of the school, not class A': [true, true, true, true, ALL],
  'teacher of other school': [false, false, false, false, []],
  'parent of a class A student': [true, true, true, false, STAFF],
  'parent of a class B student': [true, true, false, true, STAFF],
  'school admin': [true, true, true, true, ALL],
  staff: [true, true, true, true, ALL],
  'admin of other school': [false, false, false, false, []],
  'municipality official (same)': [true, false, false, false, []],
  'municipality official (other)': [false, false, false, false, []],
  'region official (same)': [true, false, false, false, []],
  'region official (other)': [false, false, false, false, []],
  'account with no roles': [false, false, false, false, []],
};

describe('directory access matrix', () => {
  for (const [name, v] of Object.entries(viewers)) {
    it(name, () => {
      const [org, classes, rosterA, rosterB, people] = expected[name]!;
      expect(accessOrganization(v, school)).toBe(org);
      expect(accessClassList(v, school.id)).toBe(classes);
      expect(accessClassRoster(v, classA)).toBe(rosterA);
      expect(accessClassRoster(v, classB)).toBe(rosterB);
      expect([...visiblePeopleRoles(v, school.id)].sort()).toEqual([...people].sort());
    });
  }

  it('covers every viewer with an expectation', () => {
    expect(Object.keys(expected).sort()).toEqual(Object.keys(viewers).sort());
  });

  it('lets an official of the same region see every school of it, and no other', () => {
    const v = viewers['region official (same)']!;
    expect(accessOrganization(v, otherSchool)).toBe(true);
    expect(accessOrganization(v, { id: 300, municipalityId: 30, regionId: 2 })).toBe(false);
  });
});

describe('academic year', () => {
  it('turns over on 1 July in the school time zone', () => {
    expect(academicYearOf(new Date('2026-06-30T12:00:00Z'))).toBe(2025);
    expect(academicYearOf(new Date('2026-07-01T12:00:00Z'))).toBe(2026);
    // 30 June 22:00 UTC is already 1 July in Moscow.
    expect(academicYearOf(new Date('2026-06-30T22:00:00Z'), 'Europe/Moscow')).toBe(2026);
    expect(academicYearOf(new Date('2026-06-30T22:00:00Z'), 'Europe/London')).toBe(2025);
    expect(academicYearOf(new Date('2027-01-15T00:00:00Z'))).toBe(2026);
  });
});

describe('maySeePerson: who sees whom by name in school 100', () => {
  // School 100 with classes 1000 ("5А") and 1001 ("6Б"); school 200 with class 2000. Written from the directory's
  // contour in the README: staff see their school; students and parents see its staff and their own class (a
  // parent: their children's classes), their own parents/children, and a parent the parents of their children's
  // classmates (whom the chat contour lets them reach); nobody from elsewhere sees anyone here.
  type Place = { role: Role; organizationId: number | null; classId: number | null };
  type Person = { personId: number; roles: Place[]; children: { personId: number; classId: number | null }[] };
  const at = (role: Role, organizationId: number | null, classId: number | null = null): Place => ({
    role,
    organizationId,
    classId,
  });
  const people: Record<string, Person> = {
    /** Student of 5А. */
    S5A: { personId: 1, roles: [at('student', 100, 1000)], children: [] },
    /** Another student of 5А. */
    S5Ab: { personId: 2, roles: [at('student', 100, 1000)], children: [] },
    /** Student of 6Б. */
    S6B: { personId: 3, roles: [at('student', 100, 1001)], children: [] },
    /** Student of school 200. */
    SB: { personId: 4, roles: [at('student', 200, 2000)], children: [] },
    /** Parent of S5A. */
    P5A: { personId: 5, roles: [at('parent', 100)], children: [{ personId: 1, classId: 1000 }] },
    /** Parent of S5Ab. */
    P5Ab: { personId: 6, roles: [at('parent', 100)], children: [{ personId: 2, classId: 1000 }] },
    /** Parent of S6B. */
    P6B: { personId: 7, roles: [at('parent', 100)], children: [{ personId: 3, classId: 1001 }] },
    /** Parent of SB (school 200). */
    PB: { personId: 8, roles: [at('parent', 200)], children: [{ personId: 4, classId: 2000 }] },
    /** Teacher of 5А. */
    T5A: { personId: 9, roles: [at('teacher', 100)], children: [] },
    /** Teacher of 6Б only. */
    T6B: { personId: 10, roles: [at('teacher', 100)], children: [] },
    /** Teacher of school 200. */
    TB: { personId: 11, roles: [at('teacher', 200)], children: [] },
    /** School admin of 100. */
    ADM: { personId: 12, roles: [at('school_admin', 100)], children: [] },
    /** School admin of 200. */
    ADMB: { personId: 13, roles: [at('school_admin', 200)], children: [] },
    /** Staff of 100. */
    ST: { personId: 14, roles: [at('staff', 100)], children: [] },
    /** Staff of 200. */
    STB: { personId: 15, roles: [at('staff', 200)], children: [] },
    /** An official: no role in any school. */
    OUT: { personId: 16, roles: [at('region_official', null)], children: [] },
  };
  const onlooker = (p: Person) => ({ personIds: [p.personId], memberships: p.roles, children: p.children });

  /** Row = viewer, column = target, in school 100. */
  const GRID = `
         S5A S5Ab S6B SB P5A P5Ab P6B PB T5A T6B TB ADM ADMB ST STB OUT
    S5A  1   1    0   0  1   0    0   0  1   1   0  1   0    1  0   0
    S5Ab 1   1    0   0  0   1    0   0  1   1   0  1   0    1  0   0
    S6B  0   0    1   0  0   0    1   0  1   1   0  1   0    1  0   0
    SB   0   0    0   1  0   0    0   0  0   0   0  0   0    0  0   0
    P5A  1   1    0   0  1   1    0   0  1   1   0  1   0    1  0   0
    P5Ab 1   1    0   0  1   1    0   0  1   1   0  1   0    1  0   0
    P6B  0   0    1   0  0   0    1   0  1   1   0  1   0    1  0   0
    PB   0   0    0   0  0   0    0   1  0   0   0  0   0    0  0   0
    T5A  1   1    1   1  1   1    1   1  1   1   1  1   1    1  1   1
    T6B  1   1    1   1  1   1    1   1  1   1   1  1   1    1  1   1
    TB   0   0    0   0  0   0    0   0  0   0   1  0   0    0  0   0
    ADM  1   1    1   1  1   1    1   1  1   1   1  1   1    1  1   1
    ADMB 0   0    0   0  0   0    0   0  0   0   0  0   1    0  0   0
    ST   1   1    1   1  1   1    1   1  1   1   1  1   1    1  1   1
    STB  0   0    0   0  0   0    0   0  0   0   0  0   0    0  1   0
    OUT  0   0    0   0  0   0    0   0  0   0   0  0   0    0  0   1
  `;
  const [columns = [], ...rows] = GRID.trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/));

  it('covers every ordered pair exactly once', () => {
    const names = Object.keys(people);
    expect(columns).toEqual(names);
    expect(rows.map(([n]) => n)).toEqual(names);
    for (const r of rows) expect(r).toHaveLength(names.length + 1);
  });

  for (const [viewerName = '', ...cells] of rows) {
    it(`${viewerName} → every target`, () => {
      const got: Record<string, boolean> = {};
      const want: Record<string, boolean> = {};
      columns.forEach((t, i) => {
        got[t] = maySeePerson(onlooker(people[viewerName]!), people[t]!, 100);
        want[t] = cells[i] === '1';
      });
      expect(got).toEqual(want);
    });
  }

  it('applies in school 200 to school 200’s people, and not to school 100’s', () => {
    const sb = onlooker(people.SB!);
    const seen = Object.entries(people)
      .filter(([, p]) => maySeePerson(sb, p, 200))
      .map(([n]) => n);
    expect(seen).toEqual(['SB', 'PB', 'TB', 'ADMB', 'STB']);
    expect(maySeePerson(onlooker(people.S5A!), people.T5A!, 200)).toBe(false);
  });

  it('merges the persons of one account: a parent-and-student account sees both sides', () => {
    const both = {
      personIds: [1, 7],
      memberships: [...people.S5A!.roles, ...people.P6B!.roles],
      children: people.P6B!.children,
    };
    expect(maySeePerson(both, people.S5Ab!, 100)).toBe(true);
    expect(maySeePerson(both, people.S6B!, 100)).toBe(true);
    expect(maySeePerson(both, people.P5Ab!, 100)).toBe(false);
  });

  it('agrees with the directory: the roles listed and the rosters readable', () => {
    // A student sees a school's staff exactly when the directory lists staff to them, and a class's students
    // exactly when the directory shows them that class's roster.
    for (const [name, v] of Object.entries(people)) {
      const o = onlooker(v);
      const listsStaff = visiblePeopleRoles(o, 100).includes('teacher');
      expect({ name, staff: maySeePerson(o, people.T6B!, 100) }).toEqual({ name, staff: listsStaff || v === people.T6B });
      for (const [classId, student] of [
        [1000, people.S5Ab!],
        [1001, people.S6B!],
      ] as const) {
        expect({ name, classId, sees: maySeePerson(o, student, 100) }).toEqual({
          name,
          classId,
          sees: accessClassRoster(o, { id: classId, organizationId: 100 }) || v === student,
        });
      }
    }
  });
});
