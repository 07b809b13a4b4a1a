import { sql } from 'kysely';
import { academicYearOf } from '../domain/access.js';
import type { BulkColumn, Store } from '../storage/store.js';
import {
  CLASS_LETTERS,
  FEMALE_FIRST_NAMES,
  FEMALE_PATRONYMICS,
  LAST_NAMES,
  LAST_NAMES_FEMALE,
  MALE_FIRST_NAMES,
  MALE_PATRONYMICS,
  PRIMARY_SUBJECT,
  Rng,
  SUBJECTS,
  epochDay,
  isoDay,
  snilsForPerson,
} from './names.js';

/** `seedSynthetic` options. */
export interface SyntheticOptions {
  /** How many persons to create (the result has exactly this many). */
  persons: number;
  /** Random seed: the same seed into an empty database gives the same data. */
  seed: number;
  /** Called after every flushed chunk with persons written so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** What `seedSynthetic` created. */
export interface SyntheticResult {
  persons: number;
  organizations: number;
  classes: number;
  regions: number;
  municipalities: number;
  /** Synthetic persons get no accounts. */
  accounts: 0;
}

/** Parents on the roster per student: families are 1.4 parents and ~1.35 children, not all on the roster. */
const PARENTS_PER_STUDENT = 0.53;
/** Students per teacher. */
const STUDENTS_PER_TEACHER = 14;
/** A school is not planned when fewer persons than this would be left over; the last school takes them. */
const MIN_LEFTOVER = 150;
/** Rows of persons buffered before the buffers are written. */
const CHUNK = 10_000;

/** Time zones of Russian regions, weighted roughly by how many regions use them. */
const TIME_ZONES: readonly (readonly [string, number])[] = [
  ['Europe/Moscow', 40],
  ['Europe/Kaliningrad', 1],
  ['Europe/Samara', 2],
  ['Europe/Volgograd', 1],
  ['Europe/Saratov', 1],
  ['Europe/Ulyanovsk', 1],
  ['Europe/Astrakhan', 1],
  ['Europe/Kirov', 1],
  ['Asia/Yekaterinburg', 7],
  ['Asia/Omsk', 1],
  ['Asia/Novosibirsk', 1],
  ['Asia/Barnaul', 2],
  ['Asia/Tomsk', 1],
  ['Asia/Novokuznetsk', 1],
  ['Asia/Krasnoyarsk', 3],
  ['Asia/Irkutsk', 2],
  ['Asia/Chita', 1],
  ['Asia/Yakutsk', 2],
  ['Asia/Vladivostok', 3],
  ['Asia/Sakhalin', 1],
  ['Asia/Magadan', 1],
  ['Asia/Kamchatka', 1],
  ['Asia/Anadyr', 1],
];

const REGION_NAMES: readonly string[] = [
  'Приозёрная область',
  'Северо-Лесной край',
  'Заречная область',
  'Кедровый край',
  'Сосновская область',
  'Среднегорская область',
  'Приволжская синтетическая область',
  'Белоборская область',
  'Ясногорский край',
  'Южно-Степная область',
  'Верхнеречинская область',
  'Краснодольский край',
];

const TOWN_PREFIXES: readonly string[] = [
  'Берёзо',
  'Сосно',
  'Кедро',
  'Озёро',
  'Светло',
  'Камено',
  'Красно',
  'Бело',
  'Зелено',
  'Лесо',
  'Ново',
  'Верхне',
  'Нижне',
  'Липо',
  'Дубо',
  'Ясно',
  'Старо',
  'Рябино',
  'Ольхо',
  'Солнце',
];
const TOWN_SUFFIXES: readonly string[] = ['горск', 'дольск', 'борск', 'речинск', 'польск', 'ярск'];

const PERSON_COLUMNS: readonly BulkColumn[] = [
  { name: 'id', pgType: 'bigint' },
  { name: 'last_name', pgType: 'text' },
  { name: 'first_name', pgType: 'text' },
  { name: 'middle_name', pgType: 'text' },
  { name: 'birth_date', pgType: 'text' },
  { name: 'snils', pgType: 'text' },
];
const MEMBERSHIP_COLUMNS: readonly BulkColumn[] = [
  { name: 'id', pgType: 'bigint' },
  { name: 'person_id', pgType: 'bigint' },
  { name: 'role', pgType: 'text' },
  { name: 'organization_id', pgType: 'bigint' },
  { name: 'class_id', pgType: 'bigint' },
  { name: 'municipality_id', pgType: 'bigint' },
  { name: 'region_id', pgType: 'bigint' },
  { name: 'created_at', pgType: 'bigint' },
];
const REGION_COLUMNS: readonly BulkColumn[] = [
  { name: 'id', pgType: 'bigint' },
  { name: 'code', pgType: 'text' },
  { name: 'name', pgType: 'text' },
];
const MUNICIPALITY_COLUMNS: readonly BulkColumn[] = [
  { name: 'id', pgType: 'bigint' },
  { name: 'region_id', pgType: 'bigint' },
  { name: 'name', pgType: 'text' },
];
const ORGANIZATION_COLUMNS: readonly BulkColumn[] = [
  { name: 'id', pgType: 'bigint' },
  { name: 'municipality_id', pgType: 'bigint' },
  { name: 'kind', pgType: 'text' },
  { name: 'name', pgType: 'text' },
  { name: 'short_name', pgType: 'text' },
  { name: 'time_zone', pgType: 'text' },
];
const CLASS_COLUMNS: readonly BulkColumn[] = [
  { name: 'id', pgType: 'bigint' },
  { name: 'organization_id', pgType: 'bigint' },
  { name: 'academic_year', pgType: 'integer' },
  { name: 'grade', pgType: 'integer' },
  { name: 'letter', pgType: 'text' },
];
const CLASS_TEACHER_COLUMNS: readonly BulkColumn[] = [
  { name: 'class_id', pgType: 'bigint' },
  { name: 'person_id', pgType: 'bigint' },
  { name: 'homeroom', pgType: 'integer' },
  { name: 'subject', pgType: 'text' },
];
const GUARDIANSHIP_COLUMNS: readonly BulkColumn[] = [
  { name: 'parent_person_id', pgType: 'bigint' },
  { name: 'student_person_id', pgType: 'bigint' },
];

/** Who one planned school holds. */
interface SchoolPlan {
  region: number;
  municipality: number;
  students: number;
  teachers: number;
  staff: number;
  parents: number;
}

/** One planned region or municipality, in order, with its school plans. */
interface Plan {
  regions: number;
  municipalities: number;
  schools: SchoolPlan[];
  /** Municipality index → region index. */
  municipalityRegion: number[];
}

/** Students of a school drawn from a log-normal law: median ~380, clipped to 60–1500 (mean ~450). */
function schoolSize(rng: Rng): number {
  const s = Math.round(Math.exp(Math.log(380) + 0.7 * rng.normal()));
  return Math.min(1500, Math.max(60, s));
}

function staffOf(students: number): number {
  return 1 + Math.floor(students / 400);
}

/** Splits an exact number of persons (at least 3) into one school's students, teachers, staff and parents. */
function splitSchool(total: number): Omit<SchoolPlan, 'region' | 'municipality'> {
  let students = Math.max(1, Math.floor((total - 1) / (1 + 1 / STUDENTS_PER_TEACHER + PARENTS_PER_STUDENT + 1 / 400)));
  const teachers = Math.max(1, Math.round(students / STUDENTS_PER_TEACHER));
  const staff = total >= 40 ? staffOf(students) : 0;
  let parents = total - 1 - students - teachers - staff;
  if (parents < 0) {
    students += parents;
    parents = 0;
  }
  return { students, teachers, staff, parents };
}

/** Plans regions, municipalities and schools so that the persons add up to exactly `total`. */
export function planCountry(total: number, rng: Rng): Plan {
  const plan: Plan = { regions: 0, municipalities: 0, schools: [], municipalityRegion: [] };
  let left = total;
  while (left > 0) {
    const region = plan.regions++;
    left -= 1; // the region official
    const municipalities = rng.int(10, 30);
    for (let m = 0; m < municipalities && left > 0; m++) {
      const municipality = plan.municipalities++;
      plan.municipalityRegion.push(region);
      left -= 1; // the municipality official
      const schools = rng.int(10, 40);
      for (let k = 0; k < schools && left > 0; k++) {
        const students = schoolSize(rng);
        const teachers = Math.max(2, Math.round((students / STUDENTS_PER_TEACHER) * (0.85 + 0.3 * rng.next())));
        const parents = Math.round(students * PARENTS_PER_STUDENT * (0.8 + 0.4 * rng.next()));
        const staff = staffOf(students);
        const persons = students + teachers + 1 + staff + parents;
        if (left - persons < MIN_LEFTOVER) {
          plan.schools.push({ region, municipality, ...splitSchool(left) });
          left = 0;
        } else {
          plan.schools.push({ region, municipality, students, teachers, staff, parents });
          left -= persons;
        }
      }
    }
  }
  return plan;
}

/** ISO dates of every day of a year, cached. */
class DateTable {
  private readonly years = new Map<number, string[]>();

  year(y: number): string[] {
    let days = this.years.get(y);
    if (!days) {
      const from = epochDay(y, 1, 1);
      const to = epochDay(y + 1, 1, 1);
      days = [];
      for (let d = from; d < to; d++) days.push(isoDay(d));
      this.years.set(y, days);
    }
    return days;
  }

  /** A random day of the given year. */
  day(rng: Rng, y: number): string {
    const days = this.year(y);
    return days[Math.floor(rng.next() * days.length)] as string;
  }
}

/** Birth dates of students per grade: entering school at 6½–7½. */
function gradeDates(academicYear: number): string[][] {
  const out: string[][] = [];
  for (let g = 0; g <= 11; g++) {
    const from = epochDay(academicYear - 7 - g, 3, 1);
    const to = epochDay(academicYear - 6 - g, 3, 1);
    const days: string[] = [];
    for (let d = from; d < to; d++) days.push(isoDay(d));
    out.push(days);
  }
  return out;
}

async function nextId(store: Store, table: string): Promise<number> {
  const r = await sql<{ m: number | string | null }>`select max(id) as m from ${sql.table(table)}`.execute(store.db);
  return Number(r.rows[0]?.m ?? 0) + 1;
}

/**
 * Seeds a synthetic country of exactly `persons` persons: ~62 % students, a teacher per ~14
 * students, parents, a school admin and staff per school, and an official per municipality and
 * region. Schools of 60–1500 students (mean ~450) in classes of up to 25–30, grades 1–11;
 * municipalities of 10–40 schools; regions of 10–30 municipalities. No accounts are made.
 * Ids continue after the current maxima, so it can run again into the same database.
 */
export async function seedSynthetic(store: Store, opts: SyntheticOptions): Promise<SyntheticResult> {
  const total = Math.floor(opts.persons);
  if (!(total >= 5)) throw new RangeError('a synthetic country needs at least 5 persons');
  const rng = new Rng(opts.seed);
  const plan = planCountry(total, rng);
  const now = Date.now();
  const year = academicYearOf(new Date(now));
  const byGrade = gradeDates(year);
  const dates = new DateTable();

  let regionId = await nextId(store, 'regions');
  let municipalityId = await nextId(store, 'municipalities');
  let organizationId = await nextId(store, 'organizations');
  let classId = await nextId(store, 'classes');
  let personId = await nextId(store, 'persons');
  let membershipId = await nextId(store, 'memberships');

  let regions: unknown[][] = [];
  let municipalities: unknown[][] = [];
  let organizations: unknown[][] = [];
  let classes: unknown[][] = [];
  let persons: unknown[][] = [];
  let memberships: unknown[][] = [];
  let classTeachers: unknown[][] = [];
  let guardianships: unknown[][] = [];
  let written = 0;
  let classCount = 0;

  // Writing a chunk overlaps with generating the next one; on PostgreSQL the tables that only
  // reference already written rows go in parallel over several connections.
  const lanes = store.dialect === 'postgres' ? 3 : 1;
  const split = (rows: unknown[][]): unknown[][][] => {
    if (lanes === 1 || rows.length < 2_000) return [rows];
    const per = Math.ceil(rows.length / lanes);
    const parts: unknown[][][] = [];
    for (let i = 0; i < rows.length; i += per) parts.push(rows.slice(i, i + per));
    return parts;
  };
  let pending: Promise<void> = Promise.resolve();
  const write = async (b: {
    regions: unknown[][];
    municipalities: unknown[][];
    organizations: unknown[][];
    classes: unknown[][];
    persons: unknown[][];
    memberships: unknown[][];
    classTeachers: unknown[][];
    guardianships: unknown[][];
  }) => {
    // Referenced rows first: foreign keys are checked row by row.
    await store.bulkInsert('regions', REGION_COLUMNS, b.regions);
    await store.bulkInsert('municipalities', MUNICIPALITY_COLUMNS, b.municipalities);
    await store.bulkInsert('organizations', ORGANIZATION_COLUMNS, b.organizations);
    await store.bulkInsert('classes', CLASS_COLUMNS, b.classes);
    await Promise.all(split(b.persons).map((part) => store.bulkInsert('persons', PERSON_COLUMNS, part)));
    await Promise.all([
      ...split(b.memberships).map((part) => store.bulkInsert('memberships', MEMBERSHIP_COLUMNS, part)),
      store.bulkInsert('class_teachers', CLASS_TEACHER_COLUMNS, b.classTeachers),
      store.bulkInsert('guardianships', GUARDIANSHIP_COLUMNS, b.guardianships),
    ]);
    written += b.persons.length;
    opts.onProgress?.(written, total);
  };
  const flush = async () => {
    const batch = { regions, municipalities, organizations, classes, persons, memberships, classTeachers, guardianships };
    regions = [];
    municipalities = [];
    organizations = [];
    classes = [];
    persons = [];
    memberships = [];
    classTeachers = [];
    guardianships = [];
    await pending;
    pending = write(batch);
    // Rejections surface at the next await of `pending`; until then they are not unhandled.
    pending.catch(() => {});
    // Let the driver send the first statements before generating more.
    await new Promise<void>((resolve) => setImmediate(resolve));
  };

  const tzTotal = TIME_ZONES.reduce((s, [, w]) => s + w, 0);
  const pickTimeZone = () => {
    let r = rng.next() * tzTotal;
    for (const [tz, w] of TIME_ZONES) {
      r -= w;
      if (r < 0) return tz;
    }
    return 'Europe/Moscow';
  };

  const nLast = LAST_NAMES.length;
  const nMale = MALE_FIRST_NAMES.length;
  const nFemale = FEMALE_FIRST_NAMES.length;
  const idx = (n: number) => Math.floor(rng.next() * n);

  /** Adds an adult person of a random name; returns its id. */
  const adult = (
    fromYear: number,
    span: number,
    lastIdx = idx(nLast),
    female = rng.next() < 0.5,
    maleIdx = idx(nMale),
  ): number => {
    const id = personId++;
    const father = idx(nMale);
    persons.push([
      id,
      female ? LAST_NAMES_FEMALE[lastIdx] : LAST_NAMES[lastIdx],
      female ? FEMALE_FIRST_NAMES[idx(nFemale)] : MALE_FIRST_NAMES[maleIdx],
      female ? FEMALE_PATRONYMICS[father] : MALE_PATRONYMICS[father],
      dates.day(rng, fromYear + idx(span + 1)),
      snilsForPerson(id),
    ]);
    return id;
  };
  const member = (
    person: number,
    role: string,
    org: number | null,
    cls: number | null,
    municipality: number | null,
    region: number | null,
  ) => {
    memberships.push([membershipId++, person, role, org, cls, municipality, region, now]);
  };

  const regionIds: number[] = [];
  const municipalityIds: number[] = [];
  const regionZones: string[] = [];
  const schoolNo: number[] = [];
  const regionName = (n: number) => {
    const base = REGION_NAMES[n % REGION_NAMES.length] as string;
    return n < REGION_NAMES.length ? base : `${base} № ${Math.floor(n / REGION_NAMES.length) + 1}`;
  };

  for (const school of plan.schools) {
    // New region / municipality when the plan moves on to one.
    if (regionIds[school.region] === undefined) {
      const id = regionId++;
      regionIds[school.region] = id;
      regionZones[school.region] = pickTimeZone();
      regions.push([id, `syn-${opts.seed}-${id}`, regionName(school.region)]);
      member(adult(1965, 30), 'region_official', null, null, null, id);
    }
    const rId = regionIds[school.region] as number;
    if (municipalityIds[school.municipality] === undefined) {
      const id = municipalityId++;
      municipalityIds[school.municipality] = id;
      schoolNo[school.municipality] = 0;
      const town = `${TOWN_PREFIXES[idx(TOWN_PREFIXES.length)]}${TOWN_SUFFIXES[idx(TOWN_SUFFIXES.length)]}`;
      const name = rng.next() < 0.4 ? `Городской округ ${town}` : `${town.slice(0, -2)}ский муниципальный район`;
      municipalities.push([id, rId, name]);
      member(adult(1965, 30), 'municipality_official', null, null, id, null);
    }
    const mId = municipalityIds[school.municipality] as number;

    // The organization.
    const orgId = organizationId++;
    const no = (schoolNo[school.municipality] = (schoolNo[school.municipality] ?? 0) + 1);
    const maxGrade = school.students < 150 ? 9 : 11;
    const flavour = rng.next();
    let name: string;
    let shortName: string;
    if (maxGrade === 9) {
      name = `МБОУ «Основная общеобразовательная школа № ${no}»`;
      shortName = `ООШ № ${no}`;
    } else if (flavour < 0.1) {
      name = `МАОУ «Гимназия № ${no}»`;
      shortName = `Гимназия № ${no}`;
    } else if (flavour < 0.15) {
      name = `МАОУ «Лицей № ${no}»`;
      shortName = `Лицей № ${no}`;
    } else {
      name = `МБОУ «Средняя общеобразовательная школа № ${no}»`;
      shortName = `СОШ № ${no}`;
    }
    organizations.push([orgId, mId, 'school', name, shortName, regionZones[school.region]]);

    // Staff.
    member(adult(1960, 35), 'school_admin', orgId, null, null, null);
    for (let i = 0; i < school.staff; i++) member(adult(1960, 40), 'staff', orgId, null, null, null);
    const teacherIds: number[] = [];
    for (let i = 0; i < school.teachers; i++) {
      const id = adult(1960, 40, idx(nLast), rng.next() < 0.82);
      teacherIds.push(id);
      member(id, 'teacher', orgId, null, null, null);
    }

    // Classes: students spread over grades (fewer in 10–11), split into classes of up to 25–30.
    const weights: number[] = [];
    let wSum = 0;
    for (let g = 1; g <= maxGrade; g++) {
      const w = (g >= 10 ? 0.55 : 1) * (0.85 + 0.3 * rng.next());
      weights.push(w);
      wSum += w;
    }
    const perGrade = weights.map((w) => Math.floor((school.students * w) / wSum));
    let rest = school.students - perGrade.reduce((a, b) => a + b, 0);
    for (let g = 0; rest > 0; g = (g + 1) % perGrade.length, rest--) perGrade[g] = (perGrade[g] as number) + 1;
    const cap = 25 + idx(6);
    const studentClass: number[] = [];
    const studentGrade: number[] = [];
    let homeroomNext = 0;
    const teachers = teacherIds.length;
    const isPrimary = new Uint8Array(teachers);
    const subjectOf = (t: number) => (isPrimary[t] ? PRIMARY_SUBJECT : (SUBJECTS[t % SUBJECTS.length] as string));
    const classPlans: { id: number; grade: number; homeroom: number }[] = [];
    perGrade.forEach((n, gi) => {
      if (n === 0) return;
      const grade = gi + 1;
      const parallel = Math.ceil(n / cap);
      for (let c = 0; c < parallel; c++) {
        const id = classId++;
        classCount++;
        classes.push([id, orgId, year, grade, CLASS_LETTERS[c % CLASS_LETTERS.length]]);
        const size = Math.floor(n / parallel) + (c < n % parallel ? 1 : 0);
        for (let i = 0; i < size; i++) {
          studentClass.push(id);
          studentGrade.push(grade);
        }
        const homeroom = homeroomNext++ % teachers;
        if (grade <= 4 && homeroom === homeroomNext - 1) isPrimary[homeroom] = 1;
        classPlans.push({ id, grade, homeroom });
      }
    });
    for (const cp of classPlans) {
      classTeachers.push([cp.id, teacherIds[cp.homeroom], 1, subjectOf(cp.homeroom)]);
      const want = Math.min(2 + idx(3), teachers - 1);
      let got = 0;
      const start = idx(teachers);
      for (let k = 0; k < teachers && got < want; k++) {
        const t = (start + k) % teachers;
        if (t === cp.homeroom || (isPrimary[t] && k < teachers - want)) continue;
        classTeachers.push([cp.id, teacherIds[t], 0, subjectOf(t)]);
        got++;
      }
    }

    // Students, grouped into families in random order; parents while the school's budget lasts.
    const order = new Int32Array(school.students);
    for (let i = 0; i < order.length; i++) order[i] = i;
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      const t = order[i] as number;
      order[i] = order[j] as number;
      order[j] = t;
    }
    let parentsLeft = school.parents;
    for (let i = 0; i < order.length;) {
      const r = rng.next();
      const kids = Math.min(r < 0.7 ? 1 : r < 0.95 ? 2 : 3, order.length - i);
      const lastIdx = idx(nLast);
      const wantParents = parentsLeft === 0 ? 0 : Math.min(parentsLeft, rng.next() < 0.4 ? 2 : 1);
      parentsLeft -= wantParents;
      // A single parent is the mother four times out of five.
      const hasFather = wantParents === 2 || (wantParents === 1 && rng.next() < 0.2);
      const hasMother = wantParents === 2 || (wantParents === 1 && !hasFather);
      const fatherIdx = idx(nMale);
      const kidIds: number[] = [];
      let eldest = 9999;
      for (let k = 0; k < kids; k++, i++) {
        const s = order[i] as number;
        const grade = studentGrade[s] as number;
        const id = personId++;
        const female = rng.next() < 0.5;
        const gradeDays = byGrade[grade] as string[];
        const birth = gradeDays[Math.floor(rng.next() * gradeDays.length)] as string;
        eldest = Math.min(eldest, year - 7 - grade);
        persons.push([
          id,
          female ? LAST_NAMES_FEMALE[lastIdx] : LAST_NAMES[lastIdx],
          female ? FEMALE_FIRST_NAMES[idx(nFemale)] : MALE_FIRST_NAMES[idx(nMale)],
          female ? FEMALE_PATRONYMICS[fatherIdx] : MALE_PATRONYMICS[fatherIdx],
          birth,
          snilsForPerson(id),
        ]);
        member(id, 'student', orgId, studentClass[s] as number, null, null);
        kidIds.push(id);
      }
      if (hasMother) {
        const m = adult(eldest - 38, 16, lastIdx, true);
        member(m, 'parent', orgId, null, null, null);
        for (const k of kidIds) guardianships.push([m, k]);
      }
      if (hasFather) {
        const f = adult(eldest - 42, 19, lastIdx, false, fatherIdx);
        member(f, 'parent', orgId, null, null, null);
        for (const k of kidIds) guardianships.push([f, k]);
      }
    }
    // Parents left over when families ran out of students (tiny schools): guardians of the first student.
    const firstStudent = parentsLeft > 0 ? memberships.find((m) => m[2] === 'student' && m[3] === orgId) : undefined;
    for (; parentsLeft > 0; parentsLeft--) {
      const p = adult(1970, 25);
      member(p, 'parent', orgId, null, null, null);
      if (firstStudent) guardianships.push([p, firstStudent[1]]);
    }

    if (persons.length >= CHUNK) await flush();
  }
  await flush();
  await pending;
  await store.syncIdSequences(['regions', 'municipalities', 'organizations', 'classes', 'persons', 'memberships']);

  return {
    persons: written,
    organizations: plan.schools.length,
    classes: classCount,
    regions: plan.regions,
    municipalities: plan.municipalities,
    accounts: 0,
  };
}
