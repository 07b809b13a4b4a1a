import { sql, type Insertable, type Kysely } from 'kysely';
import type { DemoLogin } from '@parta/protocol';
import { academicYearOf } from '../domain/access.js';
import type { Database } from '../storage/schema.js';
import type { Store } from '../storage/store.js';
import {
  FEMALE_FIRST_NAMES,
  FEMALE_PATRONYMICS,
  LAST_NAMES,
  LAST_NAMES_FEMALE,
  MALE_FIRST_NAMES,
  MALE_PATRONYMICS,
  PRIMARY_SUBJECT,
  Rng,
  adultBirthDate,
  snilsForPerson,
  studentBirthDate,
} from './names.js';

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

const MUNICIPALITIES = ['Городской округ Светлогорск', 'Озёрский муниципальный район'] as const;

interface SchoolSpec {
  municipality: number;
  name: string;
  shortName: string;
  classes: readonly string[];
}

const SCHOOLS: readonly SchoolSpec[] = [
  {
    municipality: 0,
    name: 'МБОУ «Средняя общеобразовательная школа № 1» г. Светлогорска',
    shortName: 'Школа № 1',
    classes: ['1А', '5А', '5Б', '7А', '9А', '11А'],
  },
  {
    municipality: 0,
    name: 'МАОУ «Гимназия № 2» г. Светлогорска',
    shortName: 'Гимназия № 2',
    classes: ['1А', '3А', '5А', '6А', '8А', '10А', '11А'],
  },
  {
    municipality: 1,
    name: 'МБОУ «Озёрская средняя общеобразовательная школа»',
    shortName: 'Озёрская СОШ',
    classes: ['1А', '2А', '4А', '6А', '7А', '9А'],
  },
];

/** Subjects of demo subject teachers, in the order teachers are hired. */
const DEMO_SUBJECTS = [
  'Математика',
  'Русский язык',
  'Английский язык',
  'История',
  'Физика',
  'Биология',
  'Информатика',
  'Физическая культура',
  'Химия',
  'География',
  'Литература',
];

interface DemoPerson {
  id: number;
  female: boolean;
  lastIdx: number;
  /** Index into MALE_FIRST_NAMES when male (patronymic source for children). */
  maleIdx: number;
  lastName: string;
  firstName: string;
  middleName: string;
  birthDate: string;
  login: string;
}

interface DemoClass {
  id: number;
  school: number;
  grade: number;
  letter: string;
  label: string;
  homeroom: number;
  /** Person ids of subject teachers (not the homeroom teacher). */
  subjectTeachers: number[];
}

interface DemoTeacher {
  person: DemoPerson;
  school: number;
  subject: string;
}

interface StudentSlot {
  person: DemoPerson;
  cls: DemoClass;
  named: boolean;
}

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

  const regionId = ids.regions;
  const municipalityIds = MUNICIPALITIES.map((_, i) => ids.municipalities + i);
  const schoolIds = SCHOOLS.map((_, i) => ids.organizations + i);
  let nextClass = ids.classes;
  let nextPerson = ids.persons;
  let nextMembership = ids.memberships;

  const persons: DemoPerson[] = [];
  const memberships: Insertable<Database['memberships']>[] = [];
  const classTeachers: Insertable<Database['classTeachers']>[] = [];
  const guardianships: Insertable<Database['guardianships']>[] = [];
  const classes: DemoClass[] = [];
  const teachers: DemoTeacher[] = [];
  const slots: StudentSlot[] = [];

  const membership = (
    personId: number,
    role: string,
    place: { organizationId?: number; classId?: number; municipalityId?: number; regionId?: number },
  ) => {
    memberships.push({
      id: nextMembership++,
      personId,
      role,
      organizationId: place.organizationId ?? null,
      classId: place.classId ?? null,
      municipalityId: place.municipalityId ?? null,
      regionId: place.regionId ?? null,
      createdAt: ms,
      endedAt: null,
    });
  };

  const adult = (login: string, female: boolean, lastIdx = rng.index(LAST_NAMES.length)): DemoPerson => {
    const maleIdx = rng.index(MALE_FIRST_NAMES.length);
    const fatherIdx = rng.index(MALE_FIRST_NAMES.length);
    const p: DemoPerson = {
      id: nextPerson++,
      female,
      lastIdx,
      maleIdx,
      lastName: (female ? LAST_NAMES_FEMALE[lastIdx] : LAST_NAMES[lastIdx]) as string,
      firstName: female ? rng.pick(FEMALE_FIRST_NAMES) : (MALE_FIRST_NAMES[maleIdx] as string),
      middleName: (female ? FEMALE_PATRONYMICS[fatherIdx] : MALE_PATRONYMICS[fatherIdx]) as string,
      birthDate: adultBirthDate(rng, 1965, 1998),
      login,
    };
    persons.push(p);
    return p;
  };

  // Officials.
  const regionOfficial = adult('official.region', rng.chance(0.5));
  membership(regionOfficial.id, 'region_official', { regionId });
  const municipalityOfficials = municipalityIds.map((municipalityId, i) => {
    const p = adult(`official.m${i + 1}`, rng.chance(0.6));
    membership(p.id, 'municipality_official', { municipalityId });
    return p;
  });

  // Schools: admin, staff, teachers, classes and student slots.
  const admins: DemoPerson[] = [];
  const staff: DemoPerson[] = [];
  SCHOOLS.forEach((school, s) => {
    const organizationId = schoolIds[s] as number;
    const admin = adult(`admin.s${s + 1}`, rng.chance(0.7));
    membership(admin.id, 'school_admin', { organizationId });
    admins.push(admin);
    const st = adult(`staff.s${s + 1}`, rng.chance(0.6));
    membership(st.id, 'staff', { organizationId });
    staff.push(st);

    const schoolClasses: DemoClass[] = school.classes.map((label) => {
      const grade = Number(label.slice(0, -1));
      const cls: DemoClass = {
        id: nextClass++,
        school: s,
        grade,
        letter: label.slice(-1),
        label,
        homeroom: 0,
        subjectTeachers: [],
      };
      classes.push(cls);
      return cls;
    });

    // One homeroom teacher per class, plus three teachers who lead no class.
    const schoolTeachers: DemoTeacher[] = [];
    let subjectIdx = 0;
    const hire = (primary: boolean): DemoTeacher => {
      const person = adult(`teacher${schoolTeachers.length + 1}.s${s + 1}`, rng.chance(0.8));
      const subject = primary ? PRIMARY_SUBJECT : (DEMO_SUBJECTS[subjectIdx++ % DEMO_SUBJECTS.length] as string);
      const t: DemoTeacher = { person, school: s, subject };
      schoolTeachers.push(t);
      teachers.push(t);
      membership(person.id, 'teacher', { organizationId });
      return t;
    };
    for (const cls of schoolClasses) cls.homeroom = hire(cls.grade <= 4).person.id;
    for (let i = 0; i < 3; i++) hire(false);

    const subjectTeachers = schoolTeachers.filter((t) => t.subject !== PRIMARY_SUBJECT);
    for (const cls of schoolClasses) {
      const homeroom = schoolTeachers.find((t) => t.person.id === cls.homeroom) as DemoTeacher;
      classTeachers.push({ classId: cls.id, personId: cls.homeroom, homeroom: 1, subject: homeroom.subject });
      const want = rng.int(2, 4);
      const pool = rng.shuffle(subjectTeachers.filter((t) => t.person.id !== cls.homeroom));
      for (const t of pool.slice(0, want)) {
        cls.subjectTeachers.push(t.person.id);
        classTeachers.push({ classId: cls.id, personId: t.person.id, homeroom: 0, subject: t.subject });
      }
    }

    let studentNo = 1;
    for (const cls of schoolClasses) {
      const count = rng.int(22, 28);
      for (let i = 0; i < count; i++) {
        const female = rng.chance(0.5);
        const person: DemoPerson = {
          id: nextPerson++,
          female,
          lastIdx: 0,
          maleIdx: 0,
          lastName: '',
          firstName: female ? rng.pick(FEMALE_FIRST_NAMES) : rng.pick(MALE_FIRST_NAMES),
          middleName: '',
          birthDate: studentBirthDate(rng, cls.grade, year),
          login: `student${studentNo++}.s${s + 1}`,
        };
        persons.push(person);
        slots.push({ person, cls, named: false });
        membership(person.id, 'student', { organizationId, classId: cls.id });
      }
    }
  });

  // Families. Every student gets one or two parents; some families have two or three children,
  // now and then in the two schools of the same town; one teacher of school 1 is also a parent.
  const parentNo = SCHOOLS.map(() => 0);
  const parentSchools = new Map<number, Set<number>>();
  const children = new Map<number, StudentSlot[]>();
  const link = (parent: DemoPerson, slot: StudentSlot) => {
    guardianships.push({ parentPersonId: parent.id, studentPersonId: slot.person.id });
    const schools = parentSchools.get(parent.id) ?? new Set<number>();
    schools.add(slot.cls.school);
    parentSchools.set(parent.id, schools);
    const list = children.get(parent.id) ?? [];
    list.push(slot);
    children.set(parent.id, list);
  };
  const nameChild = (slot: StudentSlot, lastIdx: number, fatherIdx: number) => {
    const p = slot.person;
    p.lastIdx = lastIdx;
    p.lastName = (p.female ? LAST_NAMES_FEMALE[lastIdx] : LAST_NAMES[lastIdx]) as string;
    p.middleName = (p.female ? FEMALE_PATRONYMICS[fatherIdx] : MALE_PATRONYMICS[fatherIdx]) as string;
    if (!p.female) p.maleIdx = MALE_FIRST_NAMES.indexOf(p.firstName);
    slot.named = true;
  };

  // The teacher who is also a parent: the homeroom teacher of 7А in school 1, whose child
  // studies in a class of the same school that the teacher does not teach (5Б when possible).
  const school1 = classes.filter((c) => c.school === 0);
  const class7a = (school1.find((c) => c.label === '7А') ?? school1[school1.length - 1]) as DemoClass;
  const teacherParent = teachers.find((t) => t.person.id === class7a.homeroom) as DemoTeacher;
  const notTaught = school1.filter((c) => c.homeroom !== class7a.homeroom && !c.subjectTeachers.includes(class7a.homeroom));
  const childClass = (notTaught.find((c) => c.label === '5Б') ?? notTaught[0] ?? school1[0]) as DemoClass;
  {
    const slot = slots.find((sl) => sl.cls === childClass) as StudentSlot;
    const tp = teacherParent.person;
    nameChild(slot, tp.lastIdx, tp.female ? rng.index(MALE_FIRST_NAMES.length) : tp.maleIdx);
    link(tp, slot);
    membership(tp.id, 'parent', { organizationId: schoolIds[0] });
  }

  const order = rng.shuffle(slots.filter((sl) => !sl.named));
  for (let i = 0; i < order.length; i++) {
    const first = order[i] as StudentSlot;
    if (first.named) continue;
    const family = [first];
    const size = rng.chance(0.7) ? 1 : rng.chance(0.8) ? 2 : 3;
    for (let j = i + 1; j < order.length && family.length < size && j < i + 80; j++) {
      const c = order[j] as StudentSlot;
      if (c.named || family.some((f) => f.cls === c.cls)) continue;
      const sameTown = SCHOOLS[c.cls.school]?.municipality === SCHOOLS[first.cls.school]?.municipality;
      const sameSchool = c.cls.school === first.cls.school;
      if (sameSchool || (sameTown && rng.chance(0.2))) family.push(c);
    }
    const lastIdx = rng.index(LAST_NAMES.length);
    const twoParents = rng.chance(0.65);
    const eldestYear = Math.min(...family.map((f) => Number(f.person.birthDate.slice(0, 4))));
    const schoolOfParent = first.cls.school;
    // Two parents, or a single mother, or (now and then) a single father.
    const hasMother = twoParents || rng.chance(0.85);
    const hasFather = twoParents || !hasMother;
    const parentLogin = () => `parent${(parentNo[schoolOfParent] = (parentNo[schoolOfParent] ?? 0) + 1)}.s${schoolOfParent + 1}`;
    const parents: DemoPerson[] = [];
    let fatherIdx = rng.index(MALE_FIRST_NAMES.length);
    if (hasMother) {
      const mother = adult(parentLogin(), true, lastIdx);
      mother.birthDate = adultBirthDate(rng, eldestYear - 38, eldestYear - 21);
      parents.push(mother);
    }
    if (hasFather) {
      const father = adult(parentLogin(), false, lastIdx);
      father.birthDate = adultBirthDate(rng, eldestYear - 42, eldestYear - 22);
      fatherIdx = father.maleIdx;
      parents.push(father);
    }
    for (const slot of family) {
      nameChild(slot, lastIdx, fatherIdx);
      for (const p of parents) link(p, slot);
    }
  }
  for (const [parentId, schools] of parentSchools) {
    if (parentId === teacherParent.person.id) continue;
    for (const s of schools) membership(parentId, 'parent', { organizationId: schoolIds[s] });
  }

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
