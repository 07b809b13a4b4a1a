import { describe, expect, it } from 'vitest';
import { diffMembers, planRosterChats } from './roster-chats.js';

describe('roster chat plan', () => {
  const plans = planRosterChats({
    organizationId: 7,
    classes: [{ id: 1, grade: 5, letter: 'А' }],
    students: [
      { personId: 10, classId: 1 },
      { personId: 11, classId: 1 },
    ],
    teachers: [
      { personId: 20, classId: 1, homeroom: 1 },
      { personId: 21, classId: 1, homeroom: 0 },
    ],
    parents: [
      { parentPersonId: 30, studentPersonId: 10 },
      { parentPersonId: 31, studentPersonId: 11 },
      { parentPersonId: 20, studentPersonId: 11 },
    ],
    people: [
      { personId: 10, role: 'student' },
      { personId: 11, role: 'student' },
      { personId: 20, role: 'teacher' },
      { personId: 20, role: 'parent' },
      { personId: 21, role: 'teacher' },
      { personId: 30, role: 'parent' },
      { personId: 31, role: 'parent' },
      { personId: 40, role: 'school_admin' },
      { personId: 41, role: 'staff' },
    ],
  });
  const byKey = Object.fromEntries(plans.map((p) => [p.key, p]));

  it('makes one class chat and one parents’ chat per class, a staff room and a news channel per school', () => {
    expect(plans.map((p) => p.key)).toEqual(['class:1', 'parents:1', 'staff:7', 'news:7']);
    expect(byKey['news:7']!.kind).toBe('channel');
  });

  it('gives the homeroom teacher the class and parents’ chats, subject teachers admin rights', () => {
    expect(Object.fromEntries(byKey['class:1']!.members)).toEqual({ 10: 'member', 11: 'member', 20: 'owner', 21: 'admin' });
    // Teacher 20 is also a parent in the class: the higher role wins.
    expect(Object.fromEntries(byKey['parents:1']!.members)).toEqual({ 30: 'member', 31: 'member', 20: 'owner' });
  });

  it('puts staff in the staff room and everyone in the news channel, where only admins post', () => {
    expect(Object.fromEntries(byKey['staff:7']!.members)).toEqual({ 20: 'member', 21: 'member', 40: 'admin', 41: 'member' });
    expect(byKey['news:7']!.members.get(40)).toBe('admin');
    expect(byKey['news:7']!.members.get(10)).toBe('readonly');
    expect(byKey['news:7']!.members.get(30)).toBe('readonly');
  });
});

describe('membership diff', () => {
  it('adds the missing, removes roster members who left, keeps hand-added members, adjusts roster roles', () => {
    const plan = new Map([
      [1, 'owner' as const],
      [2, 'member' as const],
      [3, 'member' as const],
    ]);
    const diff = diffMembers(plan, [
      { personId: 1, role: 'admin', viaRoster: true },
      { personId: 2, role: 'member', viaRoster: true },
      { personId: 4, role: 'member', viaRoster: true },
      { personId: 5, role: 'member', viaRoster: false },
    ]);
    expect(diff).toEqual({ add: [{ personId: 3, role: 'member' }], remove: [4], change: [{ personId: 1, role: 'owner' }] });
  });
});
