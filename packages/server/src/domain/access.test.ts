import { describe, expect, it } from 'vitest';
import type { Role } from '@parta/protocol';
import { academicYearOf, accessClassList, accessClassRoster, accessOrganization, visiblePeopleRoles } from './access.js';
import type { Viewer, ViewerMembership } from './viewer.js';

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
