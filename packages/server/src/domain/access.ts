import type { Role } from '@parta/protocol';
import type { OrgPlace, Viewer } from './viewer.js';

/**
 * The closed contour for the directory, as pure functions. Every read of organizations, classes
 * and people goes through these; transport code never decides access on its own.
 */

const STAFF_ROLES: readonly Role[] = ['teacher', 'school_admin', 'staff'];

/** Roles the viewer holds inside one organization. */
export function rolesIn(viewer: Viewer, organizationId: number): Set<Role> {
  const roles = new Set<Role>();
  for (const m of viewer.memberships) if (m.organizationId === organizationId) roles.add(m.role);
  return roles;
}

/** True when the viewer works in the organization (teacher, admin or staff). */
export function isStaffOf(viewer: Viewer, organizationId: number): boolean {
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
export function accessClassRoster(viewer: Viewer, cls: { id: number; organizationId: number }): boolean {
  if (isStaffOf(viewer, cls.organizationId)) return true;
  if (viewer.memberships.some((m) => m.role === 'student' && m.classId === cls.id)) return true;
  return viewer.children.some((c) => c.classId === cls.id);
}

/**
 * Which roles' holders the viewer may list in an organization: everyone for its staff; teachers,
 * admins and staff for its students and parents; nobody for anyone else.
 */
export function visiblePeopleRoles(viewer: Viewer, organizationId: number): readonly Role[] {
  if (isStaffOf(viewer, organizationId)) {
    return ['student', 'teacher', 'parent', 'school_admin', 'staff'];
  }
  const roles = rolesIn(viewer, organizationId);
  if (roles.has('student') || roles.has('parent')) return STAFF_ROLES;
  return [];
}

/** The academic year a date falls in: a year starts on 1 July (2026-07-01 → 2026, for 2026/27). */
export function academicYearOf(date: Date, timeZone = 'Europe/Moscow'): number {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: 'numeric' }).formatToParts(date);
  const year = Number(parts.find((p) => p.type === 'year')?.value);
  const month = Number(parts.find((p) => p.type === 'month')?.value);
  return month >= 7 ? year : year - 1;
}
