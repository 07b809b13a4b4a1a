import type { Role } from '@parta/protocol';
import type { Store } from './store.js';
import type { Viewer } from '../model/viewer.js';
import { loadPersonFacts } from './person-facts.js';

const orgColumns = [
  'organizations.id',
  'organizations.municipalityId',
  'organizations.kind',
  'organizations.name',
  'organizations.shortName',
  'organizations.timeZone',
] as const;

const classColumns = ['id', 'organizationId', 'academicYear', 'grade', 'letter'] as const;

/** Queries over regions, organizations, classes, persons and their roles. */
export function directoryRepo(store: Store) {
  const { db } = store;
  return {
    /** Everything access rules need about an account's persons. */
    async viewer(accountId: number, sessionId: number): Promise<Viewer> {
      const persons = await db.selectFrom('persons').select('id').where('accountId', '=', accountId).execute();
      const personIds = persons.map((p) => p.id);
      if (personIds.length === 0) {
        return { accountId, sessionId, personIds, memberships: [], teaching: [], children: [] };
      }
      return { accountId, sessionId, personIds, ...(await loadPersonFacts(db, personIds)) };
    },

    /** Persons linked to an account, with their full names. */
    async personsOfAccount(accountId: number) {
      return db
        .selectFrom('persons')
        .select(['id', 'lastName', 'firstName', 'middleName', 'birthDate'])
        .where('accountId', '=', accountId)
        .orderBy('id')
        .execute();
    },

    /** Active memberships of the given persons, with ids. */
    async membershipsOf(personIds: readonly number[]) {
      if (personIds.length === 0) return [];
      return db
        .selectFrom('memberships')
        .select(['id', 'personId', 'role', 'organizationId', 'classId', 'municipalityId', 'regionId'])
        .where('personId', 'in', personIds)
        .where('endedAt', 'is', null)
        .orderBy('id')
        .execute();
    },

    /** An organization with its region. */
    async organization(id: number) {
      return db
        .selectFrom('organizations')
        .innerJoin('municipalities', 'municipalities.id', 'organizations.municipalityId')
        .select([...orgColumns, 'municipalities.regionId'])
        .where('organizations.id', '=', id)
        .executeTakeFirst();
    },

    /** Organizations by id, ordered by id. */
    async organizationsByIds(ids: readonly number[]) {
      if (ids.length === 0) return [];
      return db.selectFrom('organizations').select(orgColumns).where('organizations.id', 'in', ids).orderBy('id').execute();
    },

    /** A page of organizations in the given municipalities or regions. */
    async organizationsOverseen(municipalityIds: readonly number[], regionIds: readonly number[], after: number, limit: number) {
      if (municipalityIds.length === 0 && regionIds.length === 0) return [];
      return db
        .selectFrom('organizations')
        .innerJoin('municipalities', 'municipalities.id', 'organizations.municipalityId')
        .select(orgColumns)
        .where((eb) =>
          eb.or([
            ...(municipalityIds.length ? [eb('organizations.municipalityId', 'in', municipalityIds)] : []),
            ...(regionIds.length ? [eb('municipalities.regionId', 'in', regionIds)] : []),
          ]),
        )
        .where('organizations.id', '>', after)
        .orderBy('organizations.id')
        .limit(limit)
        .execute();
    },

    /** Classes of an organization in one academic year. */
    async classes(organizationId: number, academicYear: number) {
      return db
        .selectFrom('classes')
        .select(classColumns)
        .where('organizationId', '=', organizationId)
        .where('academicYear', '=', academicYear)
        .orderBy('grade')
        .orderBy('letter')
        .execute();
    },

    /** A class by id. */
    async class(id: number) {
      return db.selectFrom('classes').select(classColumns).where('id', '=', id).executeTakeFirst();
    },

    /** Students of a class. */
    async studentsOf(classId: number) {
      return db
        .selectFrom('memberships')
        .innerJoin('persons', 'persons.id', 'memberships.personId')
        .select(['persons.id', 'persons.lastName', 'persons.firstName', 'persons.middleName'])
        .where('memberships.classId', '=', classId)
        .where('memberships.role', '=', 'student')
        .where('memberships.endedAt', 'is', null)
        .orderBy('persons.lastName')
        .orderBy('persons.firstName')
        .execute();
    },

    /** Teachers of a class. */
    async teachersOf(classId: number) {
      return db
        .selectFrom('classTeachers')
        .innerJoin('persons', 'persons.id', 'classTeachers.personId')
        .select([
          'persons.id',
          'persons.lastName',
          'persons.firstName',
          'persons.middleName',
          'classTeachers.homeroom',
          'classTeachers.subject',
        ])
        .where('classTeachers.classId', '=', classId)
        .orderBy('classTeachers.homeroom', 'desc')
        .orderBy('persons.lastName')
        .execute();
    },

    /** A page of persons holding any of the roles in an organization, with those roles. */
    async people(organizationId: number, roles: readonly Role[], after: number, limit: number) {
      if (roles.length === 0) return [];
      const inOrg = db
        .selectFrom('memberships')
        .where('memberships.organizationId', '=', organizationId)
        .where('memberships.role', 'in', roles)
        .where('memberships.endedAt', 'is', null);
      // Page over distinct persons first, so a person with several roles is never split across pages.
      const page = await inOrg
        .select('personId')
        .distinct()
        .where('personId', '>', after)
        .orderBy('personId')
        .limit(limit)
        .execute();
      const ids = page.map((p) => p.personId);
      if (ids.length === 0) return [];
      const rows = await inOrg
        .innerJoin('persons', 'persons.id', 'memberships.personId')
        .select(['persons.id', 'persons.lastName', 'persons.firstName', 'persons.middleName', 'memberships.role'])
        .where('persons.id', 'in', ids)
        .orderBy('persons.id')
        .execute();
      const byId = new Map<
        number,
        { id: number; lastName: string; firstName: string; middleName: string | null; roles: Role[] }
      >();
      for (const r of rows) {
        let p = byId.get(r.id);
        if (!p)
          byId.set(r.id, (p = { id: r.id, lastName: r.lastName, firstName: r.firstName, middleName: r.middleName, roles: [] }));
        if (!p.roles.includes(r.role as Role)) p.roles.push(r.role as Role);
      }
      return [...byId.values()];
    },
  };
}

/** Queries over the directory. */
export type DirectoryRepo = ReturnType<typeof directoryRepo>;
