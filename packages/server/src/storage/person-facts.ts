import type { Kysely } from 'kysely';
import type { Role } from '@parta/protocol';
import type { Database } from './schema.js';

/** What the access rules know about persons: active roles, classes taught, children and where they study. */
export interface PersonFacts {
  memberships: {
    personId: number;
    role: Role;
    organizationId: number | null;
    classId: number | null;
    municipalityId: number | null;
    regionId: number | null;
  }[];
  teaching: { personId: number; classId: number; organizationId: number; homeroom: boolean }[];
  children: { parentPersonId: number; personId: number; classId: number | null; organizationId: number | null }[];
}

/** Loads the rules' facts about persons in three queries. The one place these facts are read. */
export async function loadPersonFacts(db: Kysely<Database>, personIds: readonly number[]): Promise<PersonFacts> {
  if (personIds.length === 0) return { memberships: [], teaching: [], children: [] };
  const ids = [...new Set(personIds)];
  const [memberships, teaching, children] = await Promise.all([
    db
      .selectFrom('memberships')
      .select(['personId', 'role', 'organizationId', 'classId', 'municipalityId', 'regionId'])
      .where('personId', 'in', ids)
      .where('endedAt', 'is', null)
      .execute(),
    db
      .selectFrom('classTeachers')
      .innerJoin('classes', 'classes.id', 'classTeachers.classId')
      .select(['classTeachers.personId', 'classTeachers.classId', 'classes.organizationId', 'classTeachers.homeroom'])
      .where('classTeachers.personId', 'in', ids)
      .execute(),
    db
      .selectFrom('guardianships')
      .leftJoin('memberships', (j) =>
        j
          .onRef('memberships.personId', '=', 'guardianships.studentPersonId')
          .on('memberships.role', '=', 'student')
          .on('memberships.endedAt', 'is', null),
      )
      .select([
        'guardianships.parentPersonId',
        'guardianships.studentPersonId as personId',
        'memberships.classId',
        'memberships.organizationId',
      ])
      .where('guardianships.parentPersonId', 'in', ids)
      .execute(),
  ]);
  return {
    memberships: memberships.map((m) => ({ ...m, role: m.role as Role })),
    teaching: teaching.map((t) => ({ ...t, homeroom: t.homeroom === 1 })),
    children,
  };
}
