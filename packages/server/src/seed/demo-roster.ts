import type { Insertable } from 'kysely';
import type { Database } from '../storage/schema.js';
import { FEMALE_FIRST_NAMES, FEMALE_PATRONYMICS, MALE_FIRST_NAMES, MALE_PATRONYMICS } from './first-names.js';
import { PRIMARY_SUBJECT, Rng, adultBirthDate, studentBirthDate } from './names.js';
import { LAST_NAMES, LAST_NAMES_FEMALE } from './surnames.js';

/**
 * The people of the demo region: officials, the schools' admins, staff, teachers and classes,
 * students, and the families that link parents to them. Pure: ids come in, rows and the people
 * the start banner names come out.
 */

/** The demo region's municipalities. */
export const MUNICIPALITIES = ['Городской округ Светлогорск', 'Озёрский муниципальный район'] as const;

/** One demo school: its municipality (an index into MUNICIPALITIES), names and classes. */
interface SchoolSpec {
  municipality: number;
  name: string;
  shortName: string;
  classes: readonly string[];
}

/** The demo region's schools. */
export const SCHOOLS: readonly SchoolSpec[] = [
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

/** A demo person, with the name indexes that families share. */
export interface DemoPerson {
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

/** A demo class and who teaches it. */
export interface DemoClass {
  id: number;
  school: number;
  grade: number;
  letter: string;
  label: string;
  homeroom: number;
  /** Person ids of subject teachers (not the homeroom teacher). */
  subjectTeachers: number[];
}

/** A demo teacher, their school (an index into SCHOOLS) and subject. */
export interface DemoTeacher {
  person: DemoPerson;
  school: number;
  subject: string;
}

/** A student, named once their family is made. */
export interface StudentSlot {
  person: DemoPerson;
  cls: DemoClass;
  named: boolean;
}

/** The first free id of each table the demo writes. */
export type DemoIds = Record<'regions' | 'municipalities' | 'organizations' | 'classes' | 'persons' | 'memberships', number>;

/** Everyone the demo region holds, with the links the start banner describes. */
export interface DemoRoster {
  regionId: number;
  municipalityIds: number[];
  schoolIds: number[];
  persons: DemoPerson[];
  memberships: Insertable<Database['memberships']>[];
  classTeachers: Insertable<Database['classTeachers']>[];
  guardianships: Insertable<Database['guardianships']>[];
  classes: DemoClass[];
  teachers: DemoTeacher[];
  slots: StudentSlot[];
  admins: DemoPerson[];
  staff: DemoPerson[];
  regionOfficial: DemoPerson;
  municipalityOfficials: DemoPerson[];
  /** The homeroom teacher of 7А in school 1, who is also a parent. */
  teacherParent: DemoTeacher;
  class7a: DemoClass;
  /** Parent person id → their children. */
  children: Map<number, StudentSlot[]>;
  /** Parent person id → the schools (indexes into SCHOOLS) of their children. */
  parentSchools: Map<number, Set<number>>;
}

/**
 * Builds the demo region's people from a seeded generator, so that every seed of the same academic
 * year names the same people.
 */
export function buildRoster(rng: Rng, year: number, ms: number, ids: DemoIds): DemoRoster {
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

  return {
    regionId,
    municipalityIds,
    schoolIds,
    persons,
    memberships,
    classTeachers,
    guardianships,
    classes,
    teachers,
    slots,
    admins,
    staff,
    regionOfficial,
    municipalityOfficials,
    teacherParent,
    class7a,
    children,
    parentSchools,
  };
}
