import type { Store } from './store.js';

/** The roster as roster-managed chats need it: classes, their students, teachers and parents, the school's staff. */
export function rosterRepo(store: Store) {
  const { db } = store;
  return {
    /** Classes of an organization in one academic year. */
    async classes(organizationId: number, academicYear: number) {
      return db
        .selectFrom('classes')
        .select(['id', 'grade', 'letter'])
        .where('organizationId', '=', organizationId)
        .where('academicYear', '=', academicYear)
        .orderBy('grade')
        .orderBy('letter')
        .execute();
    },

    /** Active students of the classes. */
    async students(classIds: readonly number[]) {
      if (classIds.length === 0) return [];
      return db
        .selectFrom('memberships')
        .select(['personId', 'classId'])
        .where('classId', 'in', classIds)
        .where('role', '=', 'student')
        .where('endedAt', 'is', null)
        .execute();
    },

    /** Teachers of the classes who still work in the organization. */
    async teachers(organizationId: number, classIds: readonly number[]) {
      if (classIds.length === 0) return [];
      return db
        .selectFrom('classTeachers')
        .innerJoin('memberships', (j) =>
          j
            .onRef('memberships.personId', '=', 'classTeachers.personId')
            .on('memberships.role', '=', 'teacher')
            .on('memberships.organizationId', '=', organizationId)
            .on('memberships.endedAt', 'is', null),
        )
        .select(['classTeachers.personId', 'classTeachers.classId', 'classTeachers.homeroom'])
        .where('classTeachers.classId', 'in', classIds)
        .execute();
    },

    /** Parents of the given students. */
    async parents(studentIds: readonly number[]) {
      if (studentIds.length === 0) return [];
      const out: { parentPersonId: number; studentPersonId: number }[] = [];
      for (let i = 0; i < studentIds.length; i += 500) {
        out.push(
          ...(await db
            .selectFrom('guardianships')
            .select(['parentPersonId', 'studentPersonId'])
            .where('studentPersonId', 'in', studentIds.slice(i, i + 500))
            .execute()),
        );
      }
      return out;
    },

    /** Everyone with an active role in the organization, with the role. */
    async people(organizationId: number) {
      return db
        .selectFrom('memberships')
        .select(['personId', 'role'])
        .where('organizationId', '=', organizationId)
        .where('endedAt', 'is', null)
        .execute();
    },

    /** Organizations of a region (for syncing a whole demo or import). */
    async organizationsOfRegion(regionCode: string) {
      const rows = await db
        .selectFrom('organizations')
        .innerJoin('municipalities', 'municipalities.id', 'organizations.municipalityId')
        .innerJoin('regions', 'regions.id', 'municipalities.regionId')
        .select(['organizations.id', 'organizations.timeZone'])
        .where('regions.code', '=', regionCode)
        .execute();
      return rows;
    },

    /** An organization's time zone. */
    async organization(id: number) {
      return db.selectFrom('organizations').select(['id', 'timeZone']).where('id', '=', id).executeTakeFirst();
    },
  };
}

/** Roster queries. */
export type RosterRepo = ReturnType<typeof rosterRepo>;
