import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../storage/store.js';
import { academicYearOf } from '../domain/access.js';
import { DEMO_REGION_CODE, seedDemo } from './demo.js';
import { seedSynthetic } from './synthetic.js';
import { FEMALE_FIRST_NAMES, MALE_FIRST_NAMES, patronymicsOf } from './first-names.js';
import { Rng, isValidSnils, mulberry32, snilsOf } from './names.js';
import { LAST_NAMES, feminineLastName } from './surnames.js';

const PG_ADMIN_URL = process.env.PARTA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A migrated store on a fresh database (SQLite temp file, or a new PostgreSQL database), and its disposal. */
async function freshStore(): Promise<{ store: Store; dispose: () => Promise<void> }> {
  if (process.env.PARTA_TEST_DIALECT === 'postgres') {
    const name = `parta_t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${name}`;
    const store = openStore({ dialect: 'postgres', url: url.toString() });
    await store.migrate();
    return {
      store,
      dispose: async () => {
        await store.close();
        const a = new pg.Client({ connectionString: PG_ADMIN_URL });
        await a.connect();
        await a.query(`drop database if exists ${name} with (force)`);
        await a.end();
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parta-seed-'));
  const store = openStore({ dialect: 'sqlite', file: path.join(dir, 'parta.sqlite') });
  await store.migrate();
  return {
    store,
    dispose: async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The single number a query returns. */
async function num(store: Store, query: RawBuilder<unknown>): Promise<number> {
  const r = await query.execute(store.db);
  return Number((r.rows[0] as { n?: unknown } | undefined)?.n ?? 0);
}

async function tableCounts(store: Store): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of [
    'regions',
    'municipalities',
    'organizations',
    'classes',
    'persons',
    'accounts',
    'memberships',
    'class_teachers',
    'guardianships',
    'meta',
  ]) {
    out[t] = await num(store, sql<{ n: unknown }>`select count(*) as n from ${sql.table(t)}`);
  }
  return out;
}

describe('names', () => {
  it('has long enough lists', () => {
    expect(LAST_NAMES.length).toBeGreaterThanOrEqual(60);
    expect(MALE_FIRST_NAMES.length).toBeGreaterThanOrEqual(60);
    expect(FEMALE_FIRST_NAMES.length).toBeGreaterThanOrEqual(60);
    expect(new Set(LAST_NAMES).size).toBe(LAST_NAMES.length);
  });

  it('forms patronymics', () => {
    const cases: [string, string, string][] = [
      ['Иван', 'Иванович', 'Ивановна'],
      ['Никита', 'Никитич', 'Никитична'],
      ['Илья', 'Ильич', 'Ильинична'],
      ['Сергей', 'Сергеевич', 'Сергеевна'],
      ['Николай', 'Николаевич', 'Николаевна'],
      ['Юрий', 'Юрьевич', 'Юрьевна'],
      ['Дмитрий', 'Дмитриевич', 'Дмитриевна'],
      ['Игорь', 'Игоревич', 'Игоревна'],
      ['Лев', 'Львович', 'Львовна'],
      ['Пётр', 'Петрович', 'Петровна'],
      ['Михаил', 'Михайлович', 'Михайловна'],
      ['Кузьма', 'Кузьмич', 'Кузьминична'],
    ];
    for (const [name, m, f] of cases) expect(patronymicsOf(name)).toEqual([m, f]);
  });

  it('forms female last names', () => {
    expect(feminineLastName('Иванов')).toBe('Иванова');
    expect(feminineLastName('Ильин')).toBe('Ильина');
    expect(feminineLastName('Соловьёв')).toBe('Соловьёва');
    expect(feminineLastName('Успенский')).toBe('Успенская');
    expect(feminineLastName('Троицкий')).toBe('Троицкая');
    expect(feminineLastName('Толстой')).toBe('Толстая');
    expect(feminineLastName('Черных')).toBe('Черных');
    expect(feminineLastName('Шевченко')).toBe('Шевченко');
  });

  it('makes valid SNILS', () => {
    expect(snilsOf(112_233_445)).toBe('112-233-445 95');
    expect(isValidSnils('112-233-445 95')).toBe(true);
    expect(isValidSnils('112-233-445 96')).toBe(false);
    const rng = new Rng(3);
    for (let i = 0; i < 1000; i++) expect(isValidSnils(snilsOf(rng.int(1_001_999, 999_999_999)))).toBe(true);
  });

  it('repeats a seeded sequence', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    for (let i = 0; i < 10; i++) expect(a()).toBe(b());
  });
});

describe('seedDemo', () => {
  let store: Store;
  let dispose: () => Promise<void>;
  const now = new Date('2025-10-15T09:00:00Z');

  beforeAll(async () => {
    ({ store, dispose } = await freshStore());
  }, 60_000);
  afterAll(async () => dispose?.());

  it('seeds the promised region', async () => {
    const summary = await seedDemo(store, now);
    expect(summary.region).toBe('Демонстрационный край');
    const roles = new Set(summary.logins.map((l) => l.role));
    for (const r of [
      'admin',
      'homeroom_teacher',
      'teacher',
      'student',
      'parent',
      'teacher_parent',
      'municipality_official',
      'region_official',
    ]) {
      expect(roles, r).toContain(r);
    }
    for (const l of summary.logins) {
      expect(l.login).toMatch(/^[a-z0-9._-]+$/);
      expect(l.name.length).toBeGreaterThan(5);
    }
    const logins = await store.db
      .selectFrom('accounts')
      .select('login')
      .where(
        'login',
        'in',
        summary.logins.map((l) => l.login),
      )
      .execute();
    expect(new Set(logins.map((l) => l.login)).size).toBe(new Set(summary.logins.map((l) => l.login)).size);

    const region = await store.db
      .selectFrom('regions')
      .selectAll()
      .where('code', '=', DEMO_REGION_CODE)
      .executeTakeFirstOrThrow();
    const municipalities = await store.db.selectFrom('municipalities').selectAll().where('regionId', '=', region.id).execute();
    expect(municipalities).toHaveLength(2);
    const schools = await store.db
      .selectFrom('organizations')
      .selectAll()
      .where(
        'municipalityId',
        'in',
        municipalities.map((m) => m.id),
      )
      .execute();
    expect(schools).toHaveLength(3);
    for (const school of schools) {
      expect(school.timeZone).toBe('Europe/Moscow');
      const classes = await store.db.selectFrom('classes').selectAll().where('organizationId', '=', school.id).execute();
      expect(classes.length).toBeGreaterThanOrEqual(6);
      for (const c of classes) expect(c.academicYear).toBe(academicYearOf(now));
    }

    // 20–30 students per class, exactly one homeroom teacher per class, 2–4 subject teachers.
    const perClass = await sql<{ id: number; students: number; homerooms: number; others: number }>`
      select c.id as id,
        (select count(*) from memberships m where m.class_id = c.id and m.role = 'student') as students,
        (select count(*) from class_teachers t where t.class_id = c.id and t.homeroom = 1) as homerooms,
        (select count(*) from class_teachers t where t.class_id = c.id and t.homeroom = 0) as others
      from classes c`.execute(store.db);
    expect(perClass.rows.length).toBeGreaterThanOrEqual(18);
    for (const c of perClass.rows) {
      expect(Number(c.students)).toBeGreaterThanOrEqual(20);
      expect(Number(c.students)).toBeLessThanOrEqual(30);
      expect(Number(c.homerooms)).toBe(1);
      expect(Number(c.others)).toBeGreaterThanOrEqual(2);
      expect(Number(c.others)).toBeLessThanOrEqual(4);
    }

    // Every student has a parent; every person has an account.
    expect(
      await num(
        store,
        sql`select count(*) as n from memberships m where m.role = 'student'
          and not exists (select 1 from guardianships g where g.student_person_id = m.person_id)`,
      ),
    ).toBe(0);
    expect(await num(store, sql`select count(*) as n from persons where account_id is null`)).toBe(0);
    // Some siblings share parents.
    expect(
      await num(
        store,
        sql`select count(*) as n from (select parent_person_id from guardianships group by parent_person_id having count(*) > 1) x`,
      ),
    ).toBeGreaterThan(5);
    // Exactly one person is both a teacher and a parent.
    expect(
      await num(
        store,
        sql`select count(*) as n from persons p
          where exists (select 1 from memberships m where m.person_id = p.id and m.role = 'teacher')
            and exists (select 1 from memberships m where m.person_id = p.id and m.role = 'parent')`,
      ),
    ).toBe(1);
    // One admin per school; one official per municipality and one for the region.
    expect(await num(store, sql`select count(*) as n from memberships where role = 'school_admin'`)).toBe(3);
    expect(await num(store, sql`select count(*) as n from memberships where role = 'municipality_official'`)).toBe(2);
    expect(await num(store, sql`select count(*) as n from memberships where role = 'region_official'`)).toBe(1);
    // A parent has one parent membership per school of their children.
    expect(
      await num(
        store,
        sql`select count(*) as n from (select person_id, organization_id from memberships where role = 'parent'
          group by person_id, organization_id having count(*) > 1) x`,
      ),
    ).toBe(0);
  });

  it('is idempotent', async () => {
    const before = await tableCounts(store);
    const first = await seedDemo(store, now);
    const second = await seedDemo(store, new Date());
    expect(await tableCounts(store)).toEqual(before);
    expect(second).toEqual(first);
    expect(first.logins.length).toBeGreaterThanOrEqual(8);
  });
});

describe('seedSynthetic', () => {
  let store: Store;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ store, dispose } = await freshStore());
    await seedDemo(store);
  }, 60_000);
  afterAll(async () => dispose?.());

  it('seeds a country of about the asked size', async () => {
    const before = await tableCounts(store);
    const progress: number[] = [];
    const result = await seedSynthetic(store, { persons: 20_000, seed: 5, onProgress: (done) => progress.push(done) });
    const after = await tableCounts(store);
    const persons = (after.persons ?? 0) - (before.persons ?? 0);
    expect(persons).toBeGreaterThanOrEqual(19_800);
    expect(persons).toBeLessThanOrEqual(20_200);
    expect(result.persons).toBe(persons);
    expect(result.accounts).toBe(0);
    expect(after.accounts).toBe(before.accounts);
    expect(result.organizations).toBe((after.organizations ?? 0) - (before.organizations ?? 0));
    expect(result.classes).toBe((after.classes ?? 0) - (before.classes ?? 0));
    expect(result.regions).toBeGreaterThanOrEqual(1);
    expect(result.municipalities).toBeGreaterThanOrEqual(1);
    expect(progress.at(-1)).toBe(persons);

    const synthetic = sql`(select o.id from organizations o join municipalities m on m.id = o.municipality_id
      join regions r on r.id = m.region_id where r.code <> ${DEMO_REGION_CODE})`;
    const students = await num(
      store,
      sql`select count(*) as n from memberships where role = 'student' and organization_id in ${synthetic}`,
    );
    const teachers = await num(
      store,
      sql`select count(*) as n from memberships where role = 'teacher' and organization_id in ${synthetic}`,
    );
    expect(students / persons).toBeGreaterThan(0.55);
    expect(students / persons).toBeLessThan(0.7);
    expect(teachers / students).toBeGreaterThan(1 / 17);
    expect(teachers / students).toBeLessThan(1 / 11);
    // Classes of at most 30 students, each with one homeroom teacher.
    expect(
      await num(
        store,
        sql`select count(*) as n from (select class_id from memberships where role = 'student' and class_id is not null
          group by class_id having count(*) > 30) x`,
      ),
    ).toBe(0);
    expect(
      await num(
        store,
        sql`select count(*) as n from classes c where (select count(*) from class_teachers t
          where t.class_id = c.id and t.homeroom = 1) <> 1`,
      ),
    ).toBe(0);
    // Every synthetic person holds a role.
    expect(
      await num(
        store,
        sql`select count(*) as n from persons p where not exists (select 1 from memberships m where m.person_id = p.id)`,
      ),
    ).toBe(0);
  }, 120_000);

  it('seeds again into the same database', async () => {
    const before = await tableCounts(store);
    const result = await seedSynthetic(store, { persons: 20_000, seed: 5 });
    const after = await tableCounts(store);
    expect((after.persons ?? 0) - (before.persons ?? 0)).toBe(result.persons);
    expect(result.persons).toBeGreaterThanOrEqual(19_800);
    expect(result.persons).toBeLessThanOrEqual(20_200);
    expect((after.regions ?? 0) - (before.regions ?? 0)).toBe(result.regions);
    // Ids handed out by the database afterwards do not collide with the seeded ones.
    const region = await store.db
      .insertInto('regions')
      .values({ code: 'after-seed', name: 'После сида' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const max = await num(store, sql`select max(id) as n from regions`);
    expect(region.id).toBe(max);
    const person = await store.db
      .insertInto('persons')
      .values({
        lastName: 'Тестов',
        firstName: 'Тест',
        middleName: null,
        birthDate: null,
        snils: null,
        accountId: null,
        externalId: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(person.id).toBe(await num(store, sql`select max(id) as n from persons`));
  }, 120_000);
});
