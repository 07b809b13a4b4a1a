import type { ChatSummary, MeResponse, Role } from '@parta/protocol';

/** The roles one account may act in, shown separately by the profile switch. */
export type Context = 'staff' | 'parent' | 'student';

const STAFF_ROLES: ReadonlySet<Role> = new Set(['teacher', 'school_admin', 'staff']);

/** Every role the account's persons hold. */
export function rolesOf(me: MeResponse): Set<Role> {
  return new Set(me.profiles.flatMap((p) => p.memberships.map((m) => m.role)));
}

/** The contexts an account acts in: a teacher who is also a parent has two. */
export function contextsOf(me: MeResponse): Context[] {
  const roles = rolesOf(me);
  const out: Context[] = [];
  if ([...roles].some((r) => STAFF_ROLES.has(r))) out.push('staff');
  if (roles.has('parent')) out.push('parent');
  if (roles.has('student')) out.push('student');
  return out;
}

/** The classes the account's children are in, and the classes it teaches. */
function classSets(me: MeResponse) {
  const children = new Set(me.profiles.flatMap((p) => p.children.map((c) => c.classId)).filter((c): c is number => c !== null));
  const taught = new Set(me.profiles.flatMap((p) => p.teaching.map((a) => a.classId)));
  return { children, taught };
}

/**
 * Whether a chat belongs to a context. Direct chats and school news show in every context; chats
 * of a child's class are the parent's; the rest (staff room, taught classes, groups) the teacher's.
 */
export function chatFilter(me: MeResponse, ctx: Context | 'all'): (chat: ChatSummary) => boolean {
  if (ctx === 'all' || ctx === 'student') return () => true;
  const { children, taught } = classSets(me);
  const childClass = (c: ChatSummary) => c.classId !== null && children.has(c.classId);
  if (ctx === 'parent') return (c) => c.kind === 'direct' || c.purpose === 'news' || childClass(c);
  return (c) => c.kind === 'direct' || c.purpose === 'news' || !childClass(c) || (c.classId !== null && taught.has(c.classId));
}

/** May the account create group chats in an organization (teachers and school admins)? */
export function mayCreateGroups(me: MeResponse, organizationId: number): boolean {
  return me.profiles.some((p) =>
    p.memberships.some((m) => m.organizationId === organizationId && (m.role === 'teacher' || m.role === 'school_admin')),
  );
}

/** Is the account an admin of the school? */
export function isSchoolAdmin(me: MeResponse, organizationId: number): boolean {
  return me.profiles.some((p) => p.memberships.some((m) => m.organizationId === organizationId && m.role === 'school_admin'));
}

/** May the account address everybody in a chat (@all, must-acknowledge)? Mirrors the server's rule. */
export function mayAddressAll(me: MeResponse, chat: ChatSummary): boolean {
  if (chat.myRole === 'owner' || chat.myRole === 'admin') return true;
  return me.profiles.some((p) =>
    p.memberships.some((m) => m.organizationId === chat.organizationId && (m.role === 'teacher' || m.role === 'school_admin')),
  );
}
