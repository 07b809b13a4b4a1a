import { academicYearOf } from '../domain/access.js';
import type { Store } from '../storage/store.js';
import { FEMALE_FIRST_NAMES, FEMALE_PATRONYMICS, MALE_FIRST_NAMES, MALE_PATRONYMICS } from './first-names.js';
import { CLASS_LETTERS, PRIMARY_SUBJECT, Rng, SUBJECTS, snilsForPerson } from './names.js';
import { LAST_NAMES, LAST_NAMES_FEMALE } from './surnames.js';
import { DateTable, REGION_NAMES, TIME_ZONES, TOWN_PREFIXES, TOWN_SUFFIXES, gradeDates, planCountry } from './synthetic-plan.js';
import { SyntheticWriter, nextId } from './synthetic-writer.js';

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

  let classCount = 0;
  const out = new SyntheticWriter(store, total, opts.onProgress);

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
    out.batch.persons.push([
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
    out.batch.memberships.push([membershipId++, person, role, org, cls, municipality, region, now]);
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
      out.batch.regions.push([id, `syn-${opts.seed}-${id}`, regionName(school.region)]);
      member(adult(1965, 30), 'region_official', null, null, null, id);
    }
    const rId = regionIds[school.region] as number;
    if (municipalityIds[school.municipality] === undefined) {
      const id = municipalityId++;
      municipalityIds[school.municipality] = id;
      schoolNo[school.municipality] = 0;
      const town = `${TOWN_PREFIXES[idx(TOWN_PREFIXES.length)]}${TOWN_SUFFIXES[idx(TOWN_SUFFIXES.length)]}`;
      const name = rng.next() < 0.4 ? `Городской округ ${town}` : `${town.slice(0, -2)}ский муниципальный район`;
      out.batch.municipalities.push([id, rId, name]);
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
    out.batch.organizations.push([orgId, mId, 'school', name, shortName, regionZones[school.region]]);

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
        out.batch.classes.push([id, orgId, year, grade, CLASS_LETTERS[c % CLASS_LETTERS.length]]);
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
      out.batch.classTeachers.push([cp.id, teacherIds[cp.homeroom], 1, subjectOf(cp.homeroom)]);
      const want = Math.min(2 + idx(3), teachers - 1);
      let got = 0;
      const start = idx(teachers);
      for (let k = 0; k < teachers && got < want; k++) {
        const t = (start + k) % teachers;
        if (t === cp.homeroom || (isPrimary[t] && k < teachers - want)) continue;
        out.batch.classTeachers.push([cp.id, teacherIds[t], 0, subjectOf(t)]);
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
        out.batch.persons.push([
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
        for (const k of kidIds) out.batch.guardianships.push([m, k]);
      }
      if (hasFather) {
        const f = adult(eldest - 42, 19, lastIdx, false, fatherIdx);
        member(f, 'parent', orgId, null, null, null);
        for (const k of kidIds) out.batch.guardianships.push([f, k]);
      }
    }
    // Parents left over when families ran out of students (tiny schools): guardians of the first student.
    const firstStudent = parentsLeft > 0 ? out.batch.memberships.find((m) => m[2] === 'student' && m[3] === orgId) : undefined;
    for (; parentsLeft > 0; parentsLeft--) {
      const p = adult(1970, 25);
      member(p, 'parent', orgId, null, null, null);
      if (firstStudent) out.batch.guardianships.push([p, firstStudent[1]]);
    }

    await out.flushIfFull();
  }
  await out.flush();
  await out.done();
  await store.syncIdSequences(['regions', 'municipalities', 'organizations', 'classes', 'persons', 'memberships']);

  return {
    persons: out.written,
    organizations: plan.schools.length,
    classes: classCount,
    regions: plan.regions,
    municipalities: plan.municipalities,
    accounts: 0,
  };
}
