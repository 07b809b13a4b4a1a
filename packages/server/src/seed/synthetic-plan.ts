/**
 * What a synthetic country is made of: the plan of its regions, municipalities and schools, the
 * names of its places and their time zones, and birth-date tables.
 */
import { Rng, epochDay, isoDay } from './names.js';

/** Parents on the roster per student: families are 1.4 parents and ~1.35 children, not all on the roster. */
const PARENTS_PER_STUDENT = 0.53;
/** Students per teacher. */
const STUDENTS_PER_TEACHER = 14;
/** A school is not planned when fewer persons than this would be left over; the last school takes them. */
const MIN_LEFTOVER = 150;

/** Time zones of Russian regions, weighted roughly by how many regions use them. */
export const TIME_ZONES: readonly (readonly [string, number])[] = [
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

/** Names of synthetic regions; numbered once they run out. */
export const REGION_NAMES: readonly string[] = [
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

/** First halves of synthetic town names. */
export const TOWN_PREFIXES: readonly string[] = [
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
/** Second halves of synthetic town names. */
export const TOWN_SUFFIXES: readonly string[] = ['горск', 'дольск', 'борск', 'речинск', 'польск', 'ярск'];

/** Who one planned school holds. */
export interface SchoolPlan {
  region: number;
  municipality: number;
  students: number;
  teachers: number;
  staff: number;
  parents: number;
}

/** One planned region or municipality, in order, with its school plans. */
export interface Plan {
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

/** School staff (not teachers) of a school with this many students. */
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
export class DateTable {
  private readonly years = new Map<number, string[]>();

  /** Every day of a year. */
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
export function gradeDates(academicYear: number): string[][] {
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
