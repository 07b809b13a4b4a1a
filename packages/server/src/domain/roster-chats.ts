import type { MemberRole } from '@parta/protocol';
import type { ChatTable } from '../storage/schema.js';

/** One chat the roster asks for: its identity, settings and members with roles. */
export interface RosterChatPlan {
  key: string;
  kind: ChatTable['kind'];
  purpose: NonNullable<ChatTable['purpose']>;
  title: string;
  classId: number | null;
  members: Map<number, MemberRole>;
}

/** The roster of one school, as plain data. */
export interface SchoolRoster {
  organizationId: number;
  classes: readonly { id: number; grade: number; letter: string }[];
  students: readonly { personId: number; classId: number | null }[];
  teachers: readonly { personId: number; classId: number; homeroom: number }[];
  parents: readonly { parentPersonId: number; studentPersonId: number }[];
  people: readonly { personId: number; role: string }[];
}

function put(m: Map<number, MemberRole>, personId: number, role: MemberRole): void {
  const rank: Record<MemberRole, number> = { owner: 3, admin: 2, member: 1, readonly: 0 };
  const had = m.get(personId);
  if (had === undefined || rank[role] > rank[had]) m.set(personId, role);
}

/**
 * The chats a school's roster implies, as a pure function:
 * - per class: a class chat (students; the homeroom teacher owns it, subject teachers are admins)
 *   and a parents' chat (parents of its students; owned by the homeroom teacher);
 * - per school: a staff room (teachers, staff, admins) and a news channel everyone reads and the
 *   school's admins post to.
 */
export function planRosterChats(r: SchoolRoster): RosterChatPlan[] {
  const plans: RosterChatPlan[] = [];
  const studentsByClass = new Map<number, number[]>();
  for (const s of r.students)
    if (s.classId !== null) studentsByClass.set(s.classId, [...(studentsByClass.get(s.classId) ?? []), s.personId]);
  const parentsOf = new Map<number, number[]>();
  for (const p of r.parents) parentsOf.set(p.studentPersonId, [...(parentsOf.get(p.studentPersonId) ?? []), p.parentPersonId]);
  for (const c of r.classes) {
    const name = `${c.grade}${c.letter}`;
    const classChat = new Map<number, MemberRole>();
    const parentsChat = new Map<number, MemberRole>();
    for (const s of studentsByClass.get(c.id) ?? []) {
      put(classChat, s, 'member');
      for (const p of parentsOf.get(s) ?? []) put(parentsChat, p, 'member');
    }
    for (const t of r.teachers.filter((t) => t.classId === c.id)) {
      put(classChat, t.personId, t.homeroom === 1 ? 'owner' : 'admin');
      if (t.homeroom === 1) put(parentsChat, t.personId, 'owner');
    }
    plans.push({
      key: `class:${c.id}`,
      kind: 'group',
      purpose: 'class',
      title: `${name} — класс`,
      classId: c.id,
      members: classChat,
    });
    plans.push({
      key: `parents:${c.id}`,
      kind: 'group',
      purpose: 'class_parents',
      title: `${name} — родители`,
      classId: c.id,
      members: parentsChat,
    });
  }
  const staff = new Map<number, MemberRole>();
  const news = new Map<number, MemberRole>();
  for (const p of r.people) {
    if (p.role === 'school_admin') {
      put(staff, p.personId, 'admin');
      put(news, p.personId, 'admin');
    } else if (p.role === 'teacher' || p.role === 'staff') {
      put(staff, p.personId, 'member');
      put(news, p.personId, 'member');
    } else {
      put(news, p.personId, 'readonly');
    }
  }
  plans.push({
    key: `staff:${r.organizationId}`,
    kind: 'group',
    purpose: 'staff_room',
    title: 'Учительская',
    classId: null,
    members: staff,
  });
  plans.push({
    key: `news:${r.organizationId}`,
    kind: 'channel',
    purpose: 'news',
    title: 'Новости школы',
    classId: null,
    members: news,
  });
  return plans;
}

/** What one chat's membership must change by: roster members to add, to drop, and to re-role. */
export function diffMembers(
  plan: ReadonlyMap<number, MemberRole>,
  current: readonly { personId: number; role: MemberRole; viaRoster: boolean }[],
): { add: { personId: number; role: MemberRole }[]; remove: number[]; change: { personId: number; role: MemberRole }[] } {
  const byPerson = new Map(current.map((c) => [c.personId, c]));
  const add: { personId: number; role: MemberRole }[] = [];
  const change: { personId: number; role: MemberRole }[] = [];
  for (const [personId, role] of plan) {
    const had = byPerson.get(personId);
    if (!had) add.push({ personId, role });
    else if (had.viaRoster && had.role !== role) change.push({ personId, role });
  }
  // Only members the roster put in are taken out; people added by hand stay.
  const remove = current.filter((c) => c.viaRoster && !plan.has(c.personId)).map((c) => c.personId);
  return { add, remove, change };
}
