import { sql, type Insertable, type Kysely } from 'kysely';
import type { DemoLogin } from '@parta/protocol';
import { academicYearOf } from '../domain/access.js';
import type { Database } from '../storage/schema.js';
import type { Store } from '../storage/store.js';
import {
  MUNICIPALITIES,
  SCHOOLS,
  buildRoster,
  type DemoClass,
  type DemoPerson,
  type DemoTeacher,
  type StudentSlot,
} from './demo-roster.js';
import { Rng, snilsForPerson } from './names.js';

/** What the demo seed made, for the start banner. */
export interface DemoSummary {
  /** The demo region's name. */
  region: string;
  /** Logins to try, one or two per role (printed at start, listed by `GET /api/v1/auth/options`). */
  logins: DemoLogin[];
}

/** The code of the demo region. */
export const DEMO_REGION_CODE = 'demo';
/** The name of the demo region. */
export const DEMO_REGION_NAME = 'Демонстрационный край';
/** The `meta` key written once the demo is in. */
export const DEMO_META_KEY = 'demo_seeded';

/**
 * Seeds the demo region: two municipalities, three schools with classes of the current academic
 * year, their teachers, students, parents, admins, staff and officials, each with an account.
 * Idempotent: once `meta.demo_seeded` exists it only re-reads the summary.
 */
export async function seedDemo(store: Store, now = new Date()): Promise<DemoSummary> {
  const existing = await readSummary(store.db);
  if (existing) return existing;

  const summary = await store.db.transaction().execute(async (trx) => {
    const again = await readSummary(trx);
    if (again) return { summary: again, inserted: false };
    const region = await trx.selectFrom('regions').select('id').where('code', '=', DEMO_REGION_CODE).executeTakeFirst();
    if (region) throw new Error(`a region with code "${DEMO_REGION_CODE}" exists but the demo was never completed`);
    const data = await buildDemo(trx, now);
    await insertAll(trx, data);
    await trx
      .insertInto('meta')
      .values({ key: DEMO_META_KEY, value: JSON.stringify({ seededAt: now.toISOString(), summary: data.summary }) })
      .execute();
    return { summary: data.summary, inserted: true };
  });
  if (summary.inserted) {
    await store.syncIdSequences(['regions', 'municipalities', 'organizations', 'classes', 'accounts', 'persons', 'memberships']);
  }
  return summary.summary;
}

/** The seeded demo's summary (its sample logins whose accounts still work), or null when the demo is not seeded. */
export async function readDemoSummary(store: Store): Promise<DemoSummary | null> {
  return readSummary(store.db);
}

/** The stored summary of an already seeded demo, with names refreshed from the database; null when not seeded. */
async function readSummary(db: Kysely<Database>): Promise<DemoSummary | null> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', DEMO_META_KEY).executeTakeFirst();
  if (!row) return null;
  let stored: DemoSummary | undefined;
  try {
    stored = (JSON.parse(row.value) as { summary?: DemoSummary }).summary;
  } catch {
    stored = undefined;
  }
  const region = await db.selectFrom('regions').select('name').where('code', '=', DEMO_REGION_CODE).executeTakeFirst();
  const logins = stored?.logins ?? [];
  const people =
    logins.length === 0
      ? []
      : await db
          .selectFrom('accounts')
          .innerJoin('persons', 'persons.accountId', 'accounts.id')
          .select(['accounts.login', 'persons.lastName', 'persons.firstName', 'persons.middleName'])
          .where(
            'accounts.login',
            'in',
            logins.map((l) => l.login),
          )
          .where('accounts.disabledAt', 'is', null)
          .execute();
  const byLogin = new Map(people.map((p) => [p.login, fullName(p)]));
  return {
    region: region?.name ?? stored?.region ?? DEMO_REGION_NAME,
    logins: logins.filter((l) => byLogin.has(l.login)).map((l) => ({ ...l, name: byLogin.get(l.login) ?? l.name })),
  };
}

function fullName(p: { lastName: string; firstName: string; middleName: string | null }): string {
  return [p.lastName, p.firstName, p.middleName].filter(Boolean).join(' ');
}

async function nextIds(db: Kysely<Database>) {
  const tables = ['regions', 'municipalities', 'organizations', 'classes', 'accounts', 'persons', 'memberships'] as const;
  const out = {} as Record<(typeof tables)[number], number>;
  for (const t of tables) {
    const r = await sql<{ m: number | string | null }>`select max(id) as m from ${sql.table(t)}`.execute(db);
    out[t] = Number(r.rows[0]?.m ?? 0) + 1;
  }
  return out;
}

interface DemoData {
  regions: Insertable<Database['regions']>[];
  municipalities: Insertable<Database['municipalities']>[];
  organizations: Insertable<Database['organizations']>[];
  classes: Insertable<Database['classes']>[];
  accounts: Insertable<Database['accounts']>[];
  persons: Insertable<Database['persons']>[];
  memberships: Insertable<Database['memberships']>[];
  classTeachers: Insertable<Database['classTeachers']>[];
  guardianships: Insertable<Database['guardianships']>[];
  summary: DemoSummary;
}

async function buildDemo(db: Kysely<Database>, now: Date): Promise<DemoData> {
  const rng = new Rng(0x5eed_2024);
  const year = academicYearOf(now);
  const ms = now.getTime();
  const ids = await nextIds(db);

  const roster = buildRoster(rng, year, ms, ids);
  const { regionId, municipalityIds, schoolIds, persons, memberships, classTeachers, guardianships, classes } = roster;
  const { teachers, slots, admins, staff, teacherParent, class7a, children, parentSchools } = roster;
  const { regionOfficial, municipalityOfficials } = roster;

  // Accounts: every person gets one, ids in person order.
  const accounts: Insertable<Database['accounts']>[] = [];
  const personRows: Insertable<Database['persons']>[] = [];
  persons.sort((a, b) => a.id - b.id);
  persons.forEach((p, i) => {
    const accountId = ids.accounts + i;
    accounts.push({ id: accountId, login: p.login, createdAt: ms, disabledAt: null });
    personRows.push({
      id: p.id,
      lastName: p.lastName,
      firstName: p.firstName,
      middleName: p.middleName,
      birthDate: p.birthDate,
      snils: snilsForPerson(p.id),
      accountId,
      externalId: null,
    });
  });

  // The logins printed at start.
  const name = (p: DemoPerson) => `${p.lastName} ${p.firstName} ${p.middleName}`;
  const short = (s: number) => SCHOOLS[s]?.shortName ?? '';
  const teacherOf = (id: number) => teachers.find((t) => t.person.id === id) as DemoTeacher;
  const classesTaught = (id: number) =>
    classes.filter((c) => c.homeroom === id || c.subjectTeachers.includes(id)).map((c) => c.label);
  const studentDetail = (sl: StudentSlot) =>
    `${sl.person.female ? 'ученица' : 'ученик'} ${sl.cls.label}, ${short(sl.cls.school)}`;
  const logins: DemoLogin[] = [];
  const add = (role: string, p: DemoPerson, detail: string) => logins.push({ role, login: p.login, name: name(p), detail });

  add('admin', admins[0] as DemoPerson, `администратор школы, ${short(0)}`);
  add('admin', admins[2] as DemoPerson, `администратор школы, ${short(2)}`);
  add('staff', staff[0] as DemoPerson, `сотрудник школы, ${short(0)}`);
  for (const label of ['5А', '1А']) {
    const cls = classes.find((c) => c.school === 0 && c.label === label) as DemoClass;
    const t = teacherOf(cls.homeroom);
    add('homeroom_teacher', t.person, `классный руководитель ${label} (${t.subject.toLowerCase()}), ${short(0)}`);
  }
  const busiest = teachers
    .filter((t) => t.school === 0 && !classes.some((c) => c.homeroom === t.person.id))
    .sort((a, b) => classesTaught(b.person.id).length - classesTaught(a.person.id).length)[0] as DemoTeacher;
  add(
    'teacher',
    busiest.person,
    `учитель (${busiest.subject.toLowerCase()}): ${classesTaught(busiest.person.id).join(', ')}, ${short(0)}`,
  );
  {
    const tp = teacherParent.person;
    const kids = (children.get(tp.id) ?? []).map((k) => `${k.person.firstName}, ${k.cls.label}`).join('; ');
    add(
      'teacher_parent',
      tp,
      `классный руководитель ${class7a.label}, учитель (${teacherParent.subject.toLowerCase()}): ` +
        `${classesTaught(tp.id).join(', ')}; родитель: ${kids}; ${short(0)}`,
    );
  }
  for (const [school, label] of [
    [0, '5А'],
    [2, '9А'],
  ] as const) {
    const sl = slots.find((x) => x.cls.school === school && x.cls.label === label) as StudentSlot;
    add('student', sl.person, studentDetail(sl));
  }
  {
    const kidsOf = (p: DemoPerson) => children.get(p.id) ?? [];
    const parentsSorted = persons.filter((p) => p.login.startsWith('parent') && kidsOf(p).length > 0);
    const withTwoSchools = parentsSorted.find((p) => (parentSchools.get(p.id)?.size ?? 0) > 1);
    const withTwo = parentsSorted.find((p) => kidsOf(p).length > 1 && p !== withTwoSchools);
    const withOne = parentsSorted.find((p) => kidsOf(p).length === 1);
    for (const p of [withOne, withTwo, withTwoSchools]) {
      if (!p) continue;
      const kids = kidsOf(p).map((k) => `${k.person.firstName}, ${k.cls.label}, ${short(k.cls.school)}`);
      add('parent', p, `родитель: ${kids.join('; ')}`);
    }
  }
  municipalityOfficials.forEach((p, i) => add('municipality_official', p, `мониторинг: ${MUNICIPALITIES[i]}`));
  add('region_official', regionOfficial, `мониторинг: ${DEMO_REGION_NAME}`);

  return {
    regions: [{ id: regionId, code: DEMO_REGION_CODE, name: DEMO_REGION_NAME }],
    municipalities: MUNICIPALITIES.map((n, i) => ({ id: municipalityIds[i] as number, regionId, name: n })),
    organizations: SCHOOLS.map((s, i) => ({
      id: schoolIds[i] as number,
      municipalityId: municipalityIds[s.municipality] as number,
      kind: 'school' as const,
      name: s.name,
      shortName: s.shortName,
      timeZone: 'Europe/Moscow',
      externalId: null,
    })),
    classes: classes.map((c) => ({
      id: c.id,
      organizationId: schoolIds[c.school] as number,
      academicYear: year,
      grade: c.grade,
      letter: c.letter,
    })),
    accounts,
    persons: personRows,
    memberships,
    classTeachers,
    guardianships,
    summary: { region: DEMO_REGION_NAME, logins },
  };
}

async function insertAll(db: Kysely<Database>, data: DemoData): Promise<void> {
  const put = async <T extends keyof Database>(table: T, rows: Insertable<Database[T]>[]) => {
    if (rows.length === 0) return;
    const columns = Object.keys(rows[0] as object).length;
    const per = Math.max(1, Math.floor(900 / columns));
    for (let i = 0; i < rows.length; i += per) {
      await db
        .insertInto(table)
        .values(rows.slice(i, i + per))
        .execute();
    }
  };
  await put('regions', data.regions);
  await put('municipalities', data.municipalities);
  await put('organizations', data.organizations);
  await put('classes', data.classes);
  await put('accounts', data.accounts);
  await put('persons', data.persons);
  await put('memberships', data.memberships);
  await put('classTeachers', data.classTeachers);
  await put('guardianships', data.guardianships);
}
