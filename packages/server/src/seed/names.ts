/**
 * A small seeded random generator, random Russian names, SNILS numbers, birth dates, class letters
 * and subjects, for demo and synthetic data. The name lists are in `surnames.ts` and `first-names.ts`.
 */
import { FEMALE_FIRST_NAMES, FEMALE_PATRONYMICS, MALE_FIRST_NAMES, MALE_PATRONYMICS } from './first-names.js';
import { LAST_NAMES, LAST_NAMES_FEMALE } from './surnames.js';

/** Mulberry32: a tiny, fast, seeded generator of floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded random source with the helpers seeding needs. */
export class Rng {
  readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** An index into an array of this length. */
  index(length: number): number {
    return Math.floor(this.next() * length);
  }

  /** A standard normal variate (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles an array in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = items[i] as T;
      items[i] = items[j] as T;
      items[j] = t;
    }
    return items;
  }
}

/** The full name parts of a person. */
export interface PersonName {
  lastName: string;
  firstName: string;
  middleName: string;
}

/** A random person's name of the given sex; the patronymic comes from `fatherName` when given. */
export function randomName(rng: Rng, female: boolean, lastNameIndex?: number, fatherIndex?: number): PersonName {
  const li = lastNameIndex ?? rng.index(LAST_NAMES.length);
  const fi = fatherIndex ?? rng.index(MALE_FIRST_NAMES.length);
  return {
    lastName: (female ? LAST_NAMES_FEMALE[li] : LAST_NAMES[li]) as string,
    firstName: female ? rng.pick(FEMALE_FIRST_NAMES) : rng.pick(MALE_FIRST_NAMES),
    middleName: (female ? FEMALE_PATRONYMICS[fi] : MALE_PATRONYMICS[fi]) as string,
  };
}

/**
 * The SNILS check number of a 9-digit number: the sum of digits weighted 9…1 from the left;
 * below 100 it is the sum, 100 and 101 give 00, above that the sum modulo 101 (100 again → 00).
 */
export function snilsChecksum(number: number): number {
  let sum = 0;
  let n = number;
  for (let weight = 1; weight <= 9; weight++) {
    sum += (n % 10) * weight;
    n = Math.floor(n / 10);
  }
  if (sum < 100) return sum;
  if (sum === 100 || sum === 101) return 0;
  const r = sum % 101;
  return r === 100 ? 0 : r;
}

/**
 * A valid SNILS `XXX-XXX-XXX YY` for a 9-digit number above 001-001-998 (the smallest number
 * that carries a checked control sum).
 */
export function snilsOf(number: number): string {
  if (!Number.isInteger(number) || number <= 1_001_998 || number > 999_999_999) {
    throw new RangeError(`SNILS number out of range: ${number}`);
  }
  const d = String(number).padStart(9, '0');
  const cs = String(snilsChecksum(number)).padStart(2, '0');
  return `${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6, 9)} ${cs}`;
}

/** True when a SNILS (11 digits, dashes and spaces allowed) has the right control sum. */
export function isValidSnils(snils: string): boolean {
  const digits = snils.replace(/[\s-]/g, '');
  if (!/^\d{11}$/.test(digits)) return false;
  const number = Number(digits.slice(0, 9));
  if (number <= 1_001_998) return true;
  return snilsChecksum(number) === Number(digits.slice(9));
}

/** Where seeded SNILS numbers start; a person's SNILS is this plus its id, so seeds never collide. */
export const SNILS_BASE = 200_000_000;

/** The seeded SNILS of a person with this id. */
export function snilsForPerson(personId: number): string {
  return snilsOf(SNILS_BASE + personId);
}

/** ISO `YYYY-MM-DD` of a UTC date given as days since 1970-01-01. */
export function isoDay(epochDay: number): string {
  return new Date(epochDay * 86_400_000).toISOString().slice(0, 10);
}

/** Days since 1970-01-01 of a calendar date (month 1-based). */
export function epochDay(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / 86_400_000);
}

/**
 * A birth date for a student of `grade` in the academic year starting in September of
 * `academicYear`: children start school at 6½–7½, so a first-grader of 2025/26 was born between
 * 1 March 2018 and 28 February 2019.
 */
export function studentBirthDate(rng: Rng, grade: number, academicYear: number): string {
  const from = epochDay(academicYear - 7 - grade, 3, 1);
  const to = epochDay(academicYear - 6 - grade, 3, 1);
  return isoDay(from + rng.index(to - from));
}

/** A birth date somewhere in the given year range (inclusive). */
export function adultBirthDate(rng: Rng, fromYear: number, toYear: number): string {
  const from = epochDay(fromYear, 1, 1);
  const to = epochDay(toYear + 1, 1, 1);
  return isoDay(from + rng.index(to - from));
}

/** Russian-style transliteration of a class letter for logins: А → a, Б → b, В → v … */
export function latinLetter(letter: string): string {
  const map: Record<string, string> = {
    А: 'a',
    Б: 'b',
    В: 'v',
    Г: 'g',
    Д: 'd',
    Е: 'e',
    Ж: 'zh',
    З: 'z',
    И: 'i',
    К: 'k',
    Л: 'l',
    М: 'm',
    Н: 'n',
  };
  return map[letter] ?? 'x';
}

/** Letters of parallel classes, in the order schools use them (Ё, З and Й are skipped). */
export const CLASS_LETTERS: readonly string[] = ['А', 'Б', 'В', 'Г', 'Д', 'Е', 'Ж', 'И', 'К', 'Л', 'М', 'Н'];

/** School subjects. */
export const SUBJECTS: readonly string[] = [
  'Математика',
  'Русский язык',
  'Литература',
  'Английский язык',
  'История',
  'Обществознание',
  'Физика',
  'Химия',
  'Биология',
  'География',
  'Информатика',
  'Физическая культура',
  'Музыка',
  'Изобразительное искусство',
  'Труд (технология)',
  'ОБЗР',
];

/** The subject of a primary-school (grades 1–4) homeroom teacher. */
export const PRIMARY_SUBJECT = 'Начальные классы';
