import type { Role } from '@parta/protocol';
import { academicYearOf, type Store } from '@parta/server';

let counter = 0;
const next = () => ++counter;

/** The current academic year as the server computes it. */
export function currentAcademicYear(now = new Date()): number {
  return academicYearOf(now);
}

/**
 * Test data builders: each makes one entity with sensible defaults that any field can override.
 * They write straight to the store, as a roster import would.
 */
export function builders(store: Store) {
  const { db } = store;
  const now = Date.now();

  async function region(o: Partial<{ code: string; name: string }> = {}) {
    const n = next();
    return db
      .insertInto('regions')
      .values({ code: o.code ?? `r${n}-${process.pid}`, name: o.name ?? `Регион ${n}` })
      .returning(['id', 'code', 'name'])
      .executeTakeFirstOrThrow();
  }

  async function municipality(o: Partial<{ regionId: number; name: string }> = {}) {
    const regionId = o.regionId ?? (await region()).id;
    return db
      .insertInto('municipalities')
      .values({ regionId, name: o.name ?? `Муниципалитет ${next()}` })
      .returning(['id', 'regionId', 'name'])
      .executeTakeFirstOrThrow();
  }

  async function school(o: Partial<{ municipalityId: number; name: string; timeZone: string }> = {}) {
    const m = o.municipalityId ? { id: o.municipalityId } : await municipality();
    const n = next();
    const org = await db
      .insertInto('organizations')
      .values({
        municipalityId: m.id,
        kind: 'school',
        name: o.name ?? `Школа № ${n}`,
        shortName: o.name ?? `Школа № ${n}`,
        timeZone: o.timeZone ?? 'Europe/Moscow',
        externalId: null,
      })
      .returning(['id', 'municipalityId', 'name'])
      .executeTakeFirstOrThrow();
    return org;
  }

  async function schoolClass(o: { organizationId: number; grade?: number; letter?: string; academicYear?: number }) {
    return db
      .insertInto('classes')
      .values({
        organizationId: o.organizationId,
        grade: o.grade ?? 5,
        letter: o.letter ?? String.fromCharCode(0x0410 + (next() % 32)) + next(),
        academicYear: o.academicYear ?? currentAcademicYear(),
      })
      .returning(['id', 'organizationId', 'grade', 'letter'])
      .executeTakeFirstOrThrow();
  }

  /** A person with an account (login `u<n>`) unless `login: null`. */
  async function person(
    o: Partial<{ lastName: string; firstName: string; middleName: string | null; login: string | null }> = {},
  ) {
    const n = next();
    let accountId: number | null = null;
    let login: string | null = null;
    if (o.login !== null) {
      login = o.login ?? `u${n}-${process.pid}`;
      accountId = (
        await db
          .insertInto('accounts')
          .values({ login, createdAt: now, disabledAt: null })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    }
    const p = await db
      .insertInto('persons')
      .values({
        lastName: o.lastName ?? `Фамилия${n}`,
        firstName: o.firstName ?? `Имя${n}`,
        middleName: o.middleName === undefined ? 'Отчество' : o.middleName,
        birthDate: null,
        snils: null,
        accountId,
        externalId: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: p.id, accountId, login };
  }

  async function membership(o: {
    personId: number;
    role: Role;
    organizationId?: number;
    classId?: number;
    municipalityId?: number;
    regionId?: number;
  }) {
    await db
      .insertInto('memberships')
      .values({
        personId: o.personId,
        role: o.role,
        organizationId: o.organizationId ?? null,
        classId: o.classId ?? null,
        municipalityId: o.municipalityId ?? null,
        regionId: o.regionId ?? null,
        createdAt: now,
        endedAt: null,
      })
      .execute();
  }

  /** A chat with members (roles default to `member`; the first member is the owner unless roles are given). */
  async function chat(o: {
    organizationId: number;
    kind?: 'direct' | 'group' | 'channel';
    title?: string;
    allowComments?: boolean;
    members: { personId: number; role?: 'owner' | 'admin' | 'member' | 'readonly' }[];
  }) {
    const c = await db
      .insertInto('chats')
      .values({
        kind: o.kind ?? 'group',
        purpose: null,
        organizationId: o.organizationId,
        classId: null,
        title: o.title ?? `Чат ${next()}`,
        allowComments: o.allowComments ? 1 : 0,
        uniqueKey: null,
        createdByPersonId: o.members[0]?.personId ?? null,
        createdAt: now,
        lastMessageAt: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (o.members.length) {
      await db
        .insertInto('chatMembers')
        .values(
          o.members.map((m, i) => ({
            chatId: c.id,
            personId: m.personId,
            role: m.role ?? (i === 0 ? 'owner' : 'member'),
            joinedAt: now,
            mutedUntil: null,
            viaRoster: 0,
          })),
        )
        .execute();
    }
    return { id: c.id };
  }

  return {
    region,
    municipality,
    chat,
    school,
    schoolClass,
    person,
    membership,
    /** A student of a class. */
    async student(cls: { id: number; organizationId: number }, o: Parameters<typeof person>[0] = {}) {
      const p = await person(o);
      await membership({ personId: p.id, role: 'student', organizationId: cls.organizationId, classId: cls.id });
      return p;
    },
    /** A teacher of the school, teaching the given classes. */
    async teacher(
      organizationId: number,
      classes: { id: number; homeroom?: boolean; subject?: string }[] = [],
      o: Parameters<typeof person>[0] = {},
    ) {
      const p = await person(o);
      await membership({ personId: p.id, role: 'teacher', organizationId });
      for (const c of classes) {
        await db
          .insertInto('classTeachers')
          .values({ classId: c.id, personId: p.id, homeroom: c.homeroom ? 1 : 0, subject: c.subject ?? null })
          .execute();
      }
      return p;
    },
    /** A parent of the given students (all in `organizationId`). */
    async parent(organizationId: number, children: { id: number }[], o: Parameters<typeof person>[0] = {}) {
      const p = await person(o);
      await membership({ personId: p.id, role: 'parent', organizationId });
      for (const c of children) {
        await db.insertInto('guardianships').values({ parentPersonId: p.id, studentPersonId: c.id }).execute();
      }
      return p;
    },
  };
}

/** Test data builders over a store. */
export type Builders = ReturnType<typeof builders>;
