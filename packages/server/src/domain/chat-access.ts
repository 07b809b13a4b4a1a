import type { ChatKind, ChatPurpose, MemberRole, Role } from '@parta/protocol';
import type { Actor } from '../model/actor.js';
import { type Onlooker, type Sighted, isStaffOf, maySeePerson } from './access.js';

/**
 * The closed contour for conversations, as pure functions: who may start a direct chat with whom,
 * create groups and channels, post, moderate and manage members. Transport code asks these and
 * nothing else; the matrix test runs every role pair through them and through the API.
 */

// The type lives in model/ (storage builds actors too); its rules' callers keep importing it from here.
export type { Actor } from '../model/actor.js';

/** The part of a chat the rules need. */
export interface ChatFacts {
  kind: ChatKind;
  purpose: ChatPurpose | null;
  organizationId: number;
  allowComments: boolean;
}

/** A member's standing in one chat. */
export interface MemberFacts {
  role: MemberRole;
  mutedUntil: number | null;
}

const STAFF: readonly Role[] = ['teacher', 'school_admin', 'staff'];

function orgsOf(a: Actor): Set<number> {
  const s = new Set<number>();
  for (const r of a.roles) if (r.organizationId !== null) s.add(r.organizationId);
  return s;
}

function has(a: Actor, role: Role, organizationId?: number): boolean {
  return a.roles.some((r) => r.role === role && (organizationId === undefined || r.organizationId === organizationId));
}

/** True when the actor works in the organization: teacher, school admin or staff. */
export function isStaffIn(a: Actor, organizationId: number): boolean {
  return a.roles.some((r) => r.organizationId === organizationId && STAFF.includes(r.role));
}

function studentPlaces(a: Actor): { classId: number | null; organizationId: number | null }[] {
  return a.roles.filter((r) => r.role === 'student');
}

function teaches(a: Actor, classId: number | null): boolean {
  return classId !== null && a.teaching.some((t) => t.classId === classId);
}

function isParentOf(parent: Actor, child: Actor): boolean {
  return parent.children.some((c) => c.personId === child.personId);
}

/** May an adult reach this student? Teachers of their class, their own parents, and their school's admins may. */
function mayReachStudent(adult: Actor, student: Actor): boolean {
  if (isParentOf(adult, student)) return true;
  return studentPlaces(student).some(
    (p) => teaches(adult, p.classId) || (p.organizationId !== null && has(adult, 'school_admin', p.organizationId)),
  );
}

/** Does the staff member serve this parent: teaching a child's class, or running a child's school? */
function servesParent(staff: Actor, parent: Actor): boolean {
  return parent.children.some(
    (c) =>
      teaches(staff, c.classId) ||
      (c.organizationId !== null && (has(staff, 'school_admin', c.organizationId) || has(staff, 'staff', c.organizationId))),
  );
}

/**
 * May `initiator` start a direct chat with `target`?
 * - both must share an organization; nobody reaches across schools;
 * - a student: anyone working in their school, another student of it, their own parents;
 * - an adult starting one with a student: only the student's teachers, parents and school admins;
 * - a parent: their children's teachers, the school's admins and staff, and parents whose children share a class with theirs;
 * - staff: anyone working in the same school, and parents they serve.
 */
export function mayStartDirect(initiator: Actor, target: Actor): boolean {
  if (initiator.personId === target.personId) return false;
  const shared = [...orgsOf(initiator)].filter((o) => orgsOf(target).has(o));
  if (shared.length === 0) return false;
  const targetIsStudent = has(target, 'student');
  const initiatorIsStudent = has(initiator, 'student');
  if (targetIsStudent) {
    if (initiatorIsStudent) {
      return studentPlaces(initiator).some((a) => studentPlaces(target).some((b) => a.organizationId === b.organizationId));
    }
    return mayReachStudent(initiator, target);
  }
  if (initiatorIsStudent) {
    if (isParentOf(target, initiator)) return true;
    return studentPlaces(initiator).some((p) => p.organizationId !== null && isStaffIn(target, p.organizationId));
  }
  // Two adults.
  if (shared.some((o) => isStaffIn(initiator, o) && isStaffIn(target, o))) return true;
  if (servesParent(initiator, target) || servesParent(target, initiator)) return true;
  const classesOf = (p: Actor) => new Set(p.children.flatMap((c) => (c.classId === null ? [] : [c.classId])));
  const mine = classesOf(initiator);
  return [...classesOf(target)].some((c) => mine.has(c));
}

/** May the actor create a group chat or channel in the organization? Teachers and school admins may. */
export function mayCreateChat(a: Actor, organizationId: number): boolean {
  return has(a, 'teacher', organizationId) || has(a, 'school_admin', organizationId);
}

/** May the actor create a roster-style chat (class chat, staff room, news channel) by hand? School admins only. */
export function mayCreateRosterChat(a: Actor, organizationId: number): boolean {
  return has(a, 'school_admin', organizationId);
}

/** May this person be put into a chat of the organization? Only its own people. */
export function mayBeAddedTo(person: Actor, organizationId: number): boolean {
  return orgsOf(person).has(organizationId);
}

/**
 * May the actor, who manages a chat of the organization, bring this person of it in? Its staff bring in
 * anyone. A student or parent who runs a group (made its admin by a teacher) brings in only those they may
 * reach directly (`mayStartDirect`): adding a child to a group reaches the child, and a parent does not
 * reach other people's children, nor a student the parents of others.
 */
export function mayBringIn(a: Actor, organizationId: number, target: Actor): boolean {
  return isStaffIn(a, organizationId) || mayStartDirect(a, target);
}

/** Why the member may not post, or null when they may. */
export function postRefusal(chat: ChatFacts, member: MemberFacts, now: number, isReply: boolean): string | null {
  if (member.mutedUntil !== null && member.mutedUntil > now) return 'you are muted in this chat';
  if (member.role === 'readonly') return 'you may only read this chat';
  if (chat.kind === 'channel' && member.role === 'member') {
    if (chat.allowComments && isReply) return null;
    return chat.allowComments
      ? 'in this channel members may only comment (reply to a post)'
      : 'only the channel’s owners and admins post here';
  }
  return null;
}

/** May the member address everybody (`@all`) or demand acknowledgement? Chat owners/admins, and the school's teachers and admins, may. */
export function mayAddressAll(a: Actor, chat: ChatFacts, member: MemberFacts): boolean {
  return (
    member.role === 'owner' ||
    member.role === 'admin' ||
    has(a, 'teacher', chat.organizationId) ||
    has(a, 'school_admin', chat.organizationId)
  );
}

/** May the actor delete this message for everyone? Its author, or an admin of the chat's school. */
export function mayDeleteMessage(a: Actor, chat: ChatFacts, authorPersonId: number): boolean {
  return a.personId === authorPersonId || has(a, 'school_admin', chat.organizationId);
}

/** May the actor moderate the chat (see edit history, pin, handle reports, mute)? Chat owners/admins and school admins. */
export function mayModerate(a: Actor, chat: ChatFacts, member: MemberFacts | null): boolean {
  if (has(a, 'school_admin', chat.organizationId)) return true;
  return member !== null && (member.role === 'owner' || member.role === 'admin');
}

/** May the member pin messages? Moderators, and both sides of a direct chat. */
export function mayPin(a: Actor, chat: ChatFacts, member: MemberFacts | null): boolean {
  return chat.kind === 'direct' ? member !== null : mayModerate(a, chat, member);
}

/** May the actor add, remove or change members? Chat owners/admins and school admins; never in direct chats. */
export function mayManageMembers(a: Actor, chat: ChatFacts, member: MemberFacts | null): boolean {
  return chat.kind !== 'direct' && mayModerate(a, chat, member);
}

/**
 * May the actor add this person to the chat? Whoever manages its members may add others; but a
 * school admin who is not in the chat may not add themselves, nor another person of their own
 * account (`ownPersonIds`): managing a teacher's group is not reading it, so an admin joins only
 * when the chat's owner or admins add them.
 */
export function mayAddMember(
  a: Actor,
  chat: ChatFacts,
  member: MemberFacts | null,
  targetPersonId: number,
  ownPersonIds: readonly number[],
): boolean {
  if (!mayManageMembers(a, chat, member)) return false;
  return member !== null || (a.personId !== targetPersonId && !ownPersonIds.includes(targetPersonId));
}

/** May a member leave? Not direct chats nor roster chats (the roster decides those). */
export function mayLeave(chat: ChatFacts): boolean {
  return chat.kind !== 'direct' && chat.purpose === null;
}

/** The persons of one account, with all their roles and children merged, as the people rules read them. */
export function onlookerOf(personIds: readonly number[], actors: Iterable<Actor>): Onlooker {
  const list = [...actors];
  return {
    personIds,
    memberships: list.flatMap((a) => a.roles),
    children: list.flatMap((a) => a.children),
  };
}

/**
 * Does the chat show everyone in it to everyone in it? Direct chats and the groups a teacher or
 * admin put together on purpose do. Channels and roster chats (class chat, parents' chat, staff
 * room, news channel) gather a whole class or school: there students and parents see only whom
 * the directory lets them see, so the school's news channel is not a roster of all its children.
 */
export function showsAllMembers(chat: ChatFacts): boolean {
  return chat.kind !== 'channel' && chat.purpose === null;
}

/**
 * Does the viewer see every member of the chat by name, whoever they are? In chats that show all
 * their members, and to the staff of the chat's school. Lets a caller skip loading the members'
 * facts; `maySeeMember` gives the same answer person by person.
 */
export function seesEveryMember(viewer: Onlooker, chat: ChatFacts): boolean {
  return showsAllMembers(chat) || isStaffOf(viewer, chat.organizationId);
}

/**
 * May the viewer see this member of the chat by name: in its member list, in who has read a
 * message, and (through `maySeePresence`) whether they are online? Counts are not names: they
 * stay whole.
 */
export function maySeeMember(viewer: Onlooker, chat: ChatFacts, target: Sighted): boolean {
  return showsAllMembers(chat) || maySeePerson(viewer, target, chat.organizationId);
}

/**
 * May the viewer see whether a person is online? Only when some chat both are in lets the viewer
 * see them (`sharedChats`): sharing the news channel with a stranger's child is not enough.
 */
export function maySeePresence(viewer: Onlooker, target: Sighted, sharedChats: readonly ChatFacts[]): boolean {
  if (viewer.personIds.includes(target.personId)) return true;
  return sharedChats.some((c) => maySeeMember(viewer, c, target));
}
