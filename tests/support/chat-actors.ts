import type { ChatKind, Role } from '@parta/protocol';
import type { Actor, ChatFacts } from '../../packages/server/src/domain/chat-access.js';

/*
 * The actors of the pure chat-rule tests (packages/server/src/domain/chat-access*.test.ts), the same people
 * as in the API matrix (tests/api/chat-matrix-*.test.ts): school A (org 100) with classes 1000 ("5А") and 1001
 * ("6Б"); school B (org 200) with class 2000. Officials belong to no organization.
 */

/** School A. */
export const A = 100;
/** School B. */
export const B = 200;
/** 5А of school A. */
export const C5A = 1000;
/** 6Б of school A. */
export const C6B = 1001;
/** The class of school B. */
export const CB = 2000;

/** A role held somewhere. */
export type Place = { role: Role; organizationId: number | null; classId: number | null };

/** An actor with the given roles, classes taught and children. */
export function actor(personId: number, o: Partial<Omit<Actor, 'personId'>> = {}): Actor {
  return { personId, roles: [], teaching: [], children: [], ...o };
}

/** A role in an organization (and class). */
export function role(r: Role, organizationId: number | null, classId: number | null = null): Place {
  return { role: r, organizationId, classId };
}

/** Student of 5А. */
export const S1 = actor(1, { roles: [role('student', A, C5A)] });
/** Another student of 5А. */
export const S2 = actor(2, { roles: [role('student', A, C5A)] });
/** Student of 6Б. */
export const S3 = actor(3, { roles: [role('student', A, C6B)] });
/** Student of school B. */
export const SB = actor(4, { roles: [role('student', B, CB)] });

/** Every actor, by the short name used in the grids. */
export const actors: Record<string, Actor> = {
  /** Student of 5А. */
  S1,
  /** Another student of 5А. */
  S2,
  /** Student of 6Б. */
  S3,
  /** Student of school B. */
  SB,
  /** Homeroom/subject teacher of 5А. */
  T1: actor(5, { roles: [role('teacher', A)], teaching: [{ classId: C5A, organizationId: A }] }),
  /** Teacher of school A teaching only 6Б. */
  T2: actor(6, { roles: [role('teacher', A)], teaching: [{ classId: C6B, organizationId: A }] }),
  /** Teacher of school B. */
  TB: actor(7, { roles: [role('teacher', B)], teaching: [{ classId: CB, organizationId: B }] }),
  /** Parent of S1. */
  P1: actor(8, { roles: [role('parent', A)], children: [{ personId: S1.personId, classId: C5A, organizationId: A }] }),
  /** Parent of S2 (another 5А student). */
  P2: actor(9, { roles: [role('parent', A)], children: [{ personId: S2.personId, classId: C5A, organizationId: A }] }),
  /** Parent of S3 (6Б). */
  P3: actor(10, { roles: [role('parent', A)], children: [{ personId: S3.personId, classId: C6B, organizationId: A }] }),
  /** School admin of A. */
  A1: actor(11, { roles: [role('school_admin', A)] }),
  /** Staff of A (role 'staff'). */
  ST1: actor(12, { roles: [role('staff', A)] }),
  /** School admin of B. */
  AB: actor(13, { roles: [role('school_admin', B)] }),
  /** Municipality official: no organization roles at all. */
  MO: actor(14),
  /** Region official: a role, but in no organization. */
  RO: actor(15, { roles: [role('region_official', null)] }),
  /** Teacher of 5А in school A who is also the parent of S3 (6Б). */
  TP: actor(16, {
    roles: [role('teacher', A), role('parent', A)],
    teaching: [{ classId: C5A, organizationId: A }],
    children: [{ personId: S3.personId, classId: C6B, organizationId: A }],
  }),
};

/** The facts of a chat of school A unless overridden. */
export function chat(kind: ChatKind, o: Partial<ChatFacts> = {}): ChatFacts {
  return { kind, purpose: null, organizationId: A, allowComments: false, ...o };
}
