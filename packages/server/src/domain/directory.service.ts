import type { ClassMembers, MeResponse, Organization, PeoplePage, PeopleQuery, Role, SchoolClass } from '@parta/protocol';
import { accessClassList, accessClassRoster, accessOrganization, academicYearOf, visiblePeopleRoles } from './access.js';
import { forbidden, notFound } from './errors.js';
import type { Viewer } from '../model/viewer.js';
import type { DirectoryRepo } from '../storage/directory.repo.js';

function className(c: { grade: number; letter: string }): string {
  return `${c.grade}${c.letter}`;
}

/** Reads of the directory, each checked against the closed contour. */
export function directoryService(deps: { repo: DirectoryRepo; now?: () => Date }) {
  const { repo } = deps;
  const now = deps.now ?? (() => new Date());

  async function visibleOrganization(viewer: Viewer, id: number) {
    const org = await repo.organization(id);
    // Unknown and invisible look the same from outside: nobody learns which schools exist.
    if (!org || !accessOrganization(viewer, org)) throw notFound('organization');
    return org;
  }

  function toOrganization(o: Organization & { regionId?: number }): Organization {
    return {
      id: o.id,
      municipalityId: o.municipalityId,
      kind: o.kind,
      name: o.name,
      shortName: o.shortName,
      timeZone: o.timeZone,
    };
  }

  return {
    /** Builds the viewer of a request. */
    viewer: (accountId: number, sessionId: number) => repo.viewer(accountId, sessionId),

    /** The account, its persons with their roles, and its organizations. */
    async me(viewer: Viewer, login: string): Promise<MeResponse> {
      const [persons, memberships] = await Promise.all([
        repo.personsOfAccount(viewer.accountId),
        repo.membershipsOf(viewer.personIds),
      ]);
      const orgIds = [...new Set(memberships.flatMap((m) => (m.organizationId === null ? [] : [m.organizationId])))];
      const organizations = await repo.organizationsByIds(orgIds);
      return {
        accountId: viewer.accountId,
        login,
        profiles: persons.map((p) => ({
          personId: p.id,
          lastName: p.lastName,
          firstName: p.firstName,
          middleName: p.middleName,
          birthDate: p.birthDate,
          memberships: memberships.filter((m) => m.personId === p.id).map((m) => ({ ...m, role: m.role as Role })),
          teaching: viewer.teaching
            .filter((t) => t.personId === p.id)
            .map((t) => ({ classId: t.classId, homeroom: t.homeroom, subject: null })),
          children: viewer.children
            .filter((c) => c.parentPersonId === p.id)
            .map((c) => ({ personId: c.personId, classId: c.classId })),
        })),
        organizations: organizations.map(toOrganization),
      };
    },

    /** Organizations the viewer belongs to, then those it oversees, paged by id. */
    async organizations(
      viewer: Viewer,
      after: number,
      limit: number,
    ): Promise<{ organizations: Organization[]; next: number | null }> {
      const own = new Set(viewer.memberships.flatMap((m) => (m.organizationId === null ? [] : [m.organizationId])));
      const municipalityIds = viewer.memberships.filter((m) => m.role === 'municipality_official').map((m) => m.municipalityId!);
      const regionIds = viewer.memberships.filter((m) => m.role === 'region_official').map((m) => m.regionId!);
      const overseen = await repo.organizationsOverseen(municipalityIds, regionIds, after, limit + 1);
      const ownRows = await repo.organizationsByIds([...own].filter((id) => id > after));
      const merged = new Map<number, Organization>();
      for (const o of [...ownRows, ...overseen]) merged.set(o.id, toOrganization(o));
      const sorted = [...merged.values()].sort((a, b) => a.id - b.id);
      const page = sorted.slice(0, limit);
      return { organizations: page, next: sorted.length > limit ? page[page.length - 1]!.id : null };
    },

    /** One organization, when visible. */
    async organization(viewer: Viewer, id: number): Promise<Organization> {
      return toOrganization(await visibleOrganization(viewer, id));
    },

    /** Classes of the current academic year. */
    async classes(viewer: Viewer, organizationId: number): Promise<SchoolClass[]> {
      const org = await visibleOrganization(viewer, organizationId);
      if (!accessClassList(viewer, org.id)) throw forbidden('only members of the organization see its classes');
      const rows = await repo.classes(org.id, academicYearOf(now(), org.timeZone));
      return rows.map((c) => ({ ...c, name: className(c) }));
    },

    /** Students and teachers of a class. */
    async classMembers(viewer: Viewer, classId: number): Promise<ClassMembers> {
      const cls = await repo.class(classId);
      if (!cls) throw notFound('class');
      await visibleOrganization(viewer, cls.organizationId).catch(() => {
        throw notFound('class');
      });
      if (!accessClassRoster(viewer, cls)) throw forbidden('you may not see the roster of this class');
      const [students, teachers] = await Promise.all([repo.studentsOf(cls.id), repo.teachersOf(cls.id)]);
      return {
        class: { ...cls, name: className(cls) },
        students: students.map((s) => ({ ...s, roles: ['student'] })),
        teachers: teachers.map((t) => ({
          id: t.id,
          lastName: t.lastName,
          firstName: t.firstName,
          middleName: t.middleName,
          roles: ['teacher'],
          homeroom: t.homeroom === 1,
          subject: t.subject,
        })),
      };
    },

    /** A page of the people of an organization the viewer may see. */
    async people(viewer: Viewer, organizationId: number, query: PeopleQuery): Promise<PeoplePage> {
      const org = await visibleOrganization(viewer, organizationId);
      const allowed = visiblePeopleRoles(viewer, org.id);
      if (allowed.length === 0) throw forbidden('you may not list the people of this organization');
      if (query.role && !allowed.includes(query.role))
        throw forbidden(`you may not list the ${query.role}s of this organization`);
      const roles = query.role ? [query.role] : allowed;
      const rows = await repo.people(org.id, roles, query.after, query.limit + 1);
      const page = rows.slice(0, query.limit);
      return { people: page, next: rows.length > query.limit ? page[page.length - 1]!.id : null };
    },
  };
}

/** Reads of the directory. */
export type DirectoryService = ReturnType<typeof directoryService>;
