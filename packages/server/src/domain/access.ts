import type { Role } from '@parta/protocol';
import type { OrgPlace, Viewer } from '../model/viewer.js';

/**
 * Who is looking, as the people rules read it: the persons of one account with their roles and
 * children. A `Viewer` is one; so are the actors of a chat sender, merged.
 */
export interface Onlooker {
  personIds: readonly number[];
  memberships: readonly { role: Role; organizationId: number | null; classId: number | null }[];
  children: readonly { personId: number; classId: number | null }[];
}

/** Whom they look at: one person with their roles and children. */
export interface Sighted {
  personId: number;
  roles: readonly { role: Role; organizationId: number | null; classId: number | null }[];
  children: readonly { personId: number; classId: number | null }[];
}

/**
 * The closed contour for the directory, as pure functions. Every read of organizations, classes
 * and people goes through these; transport code never decides access on its own.
 */

const STAFF_ROLES: readonly Role[] = ['teacher', 'school_admin', 'staff'];

/** Roles the viewer holds inside one organization. */
export function rolesIn(viewer: Onlooker, organizationId: number): Set<Role> {
  const roles = new Set<Role>();
  for (const m of viewer.memberships) if (m.organizationId === organizationId) roles.add(m.role);
  return roles;
}

/** True when the viewer works in the organization (teacher, admin or staff). */
export function isStaffOf(viewer: Onlooker, organizationId: number): boolean {
  const roles = rolesIn(viewer, organizationId);
  return STAFF_ROLES.some((r) => roles.has(r));
}

/** True when the viewer oversees the organization as a municipality or region official. */
export function oversees(viewer: Viewer, org: OrgPlace): boolean {
  return viewer.memberships.some(
    (m) =>
      (m.role === 'municipality_official' && m.municipalityId === org.municipalityId) ||
      (m.role === 'region_official' && m.regionId === org.regionId),
  );
}

/** May the viewer know this organization exists and read its card? Members and overseeing officials may. */
export function accessOrganization(viewer: Viewer, org: OrgPlace): boolean {
  return rolesIn(viewer, org.id).size > 0 || oversees(viewer, org);
}

/**
 * May the viewer list the organization's classes? Its staff, students and parents may;
 * officials see the organization but not inside it.
 */
export function accessClassList(viewer: Viewer, organizationId: number): boolean {
  return rolesIn(viewer, organizationId).size > 0;
}

/**
 * May the viewer read a class's roster? Staff of its school may; a student only their own class;
 * a parent only the classes of their children.
 */
export function accessClassRoster(viewer: Onlooker, cls: { id: number; organizationId: number }): boolean {
  return isStaffOf(viewer, cls.organizationId) || rosterClassesOf(viewer).has(cls.id);
}

/** The classes whose rosters a student or parent may read: their own, and their children's. */
function rosterClassesOf(viewer: Onlooker): Set<number> {
  const out = new Set<number>();
  for (const m of viewer.memberships) if (m.role === 'student' && m.classId !== null) out.add(m.classId);
  for (const c of viewer.children) if (c.classId !== null) out.add(c.classId);
  return out;
}

/**
 * Which roles' holders the viewer may list in an organization: everyone for its staff; teachers,
 * admins and staff for its students and parents; nobody for anyone else.
 */
export function visiblePeopleRoles(viewer: Onlooker, organizationId: number): readonly Role[] {
  if (isStaffOf(viewer, organizationId)) {
    return ['student', 'teacher', 'parent', 'school_admin', 'staff'];
  }
  const roles = rolesIn(viewer, organizationId);
  if (roles.has('student') || roles.has('parent')) return STAFF_ROLES;
  return [];
}

/**
 * May the viewer see this person of the organization by name (in lists of members, readers,
 * presence)? The directory's rule, person by person:
 * - its staff (teachers, admins, staff) see everyone;
 * - its students and parents see its staff, the students of the classes whose rosters they may
 *   read (their own class; a parent: their children's classes), their own children and parents,
 *   and — a parent — the parents of their children's classmates, whom the contour already lets
 *   them reach (`mayStartDirect`) and who share the class's parents' chat with them;
 * - anybody else sees nobody but themselves.
 */
export function maySeePerson(viewer: Onlooker, target: Sighted, organizationId: number): boolean {
  if (viewer.personIds.includes(target.personId)) return true;
  if (isStaffOf(viewer, organizationId)) return true;
  const mine = rolesIn(viewer, organizationId);
  if (!mine.has('student') && !mine.has('parent')) return false;
  if (target.roles.some((r) => r.organizationId === organizationId && STAFF_ROLES.includes(r.role))) return true;
  const classes = rosterClassesOf(viewer);
  if (target.roles.some((r) => r.role === 'student' && r.classId !== null && classes.has(r.classId))) return true;
  if (viewer.children.some((c) => c.personId === target.personId)) return true;
  if (target.children.some((c) => viewer.personIds.includes(c.personId))) return true;
  if (!mine.has('parent')) return false;
  const childClasses = new Set(viewer.children.flatMap((c) => (c.classId === null ? [] : [c.classId])));
  return target.children.some((c) => c.classId !== null && childClasses.has(c.classId));
}

/** The academic year a date falls in: a year starts on 1 July (2026-07-01 → 2026, for 2026/27). */
export function academicYearOf(date: Date, timeZone = 'Europe/Moscow'): number {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: 'numeric' }).formatToParts(date);
  const year = Number(parts.find((p) => p.type === 'year')?.value);
  const month = Number(parts.find((p) => p.type === 'month')?.value);
  return month >= 7 ? year : year - 1;
}
