import { z } from 'zod';
import { DecimalParam, Id, IsoDate, TimeZone } from './common.js';

/** Roles a person holds. Students, teachers, parents, admins and staff belong to an organization; officials to a municipality or region. */
export const Role = z.enum(['student', 'teacher', 'parent', 'school_admin', 'staff', 'municipality_official', 'region_official']);
/** A role a person holds. */
export type Role = z.infer<typeof Role>;

/** Kinds of educational organization. */
export const OrganizationKind = z.enum(['school', 'college']);
/** A kind of educational organization. */
export type OrganizationKind = z.infer<typeof OrganizationKind>;

/** A region (subject of the federation). */
export const Region = z.object({
  /** Region id. */
  id: Id,
  /** Short stable code, for example `demo` or `77`. */
  code: z.string(),
  /** Name in Russian. */
  name: z.string(),
});
/** A region. */
export type Region = z.infer<typeof Region>;

/** A municipality (city district, rayon) inside a region. */
export const Municipality = z.object({
  /** Municipality id. */
  id: Id,
  /** Region it belongs to. */
  regionId: Id,
  /** Name in Russian. */
  name: z.string(),
});
/** A municipality. */
export type Municipality = z.infer<typeof Municipality>;

/** A school or college. */
export const Organization = z.object({
  /** Organization id. */
  id: Id,
  /** Municipality it belongs to. */
  municipalityId: Id,
  /** School or college. */
  kind: OrganizationKind,
  /** Full name in Russian. */
  name: z.string(),
  /** Short name used in lists, for example «Школа № 7». */
  shortName: z.string(),
  /** IANA time zone; quiet hours and day boundaries follow it. */
  timeZone: TimeZone,
});
/** A school or college. */
export type Organization = z.infer<typeof Organization>;

/** A class of one academic year, for example «5А» of 2026/27. */
export const SchoolClass = z.object({
  /** Class id. */
  id: Id,
  /** Organization it belongs to. */
  organizationId: Id,
  /** The calendar year the academic year starts in (2026 for 2026/27). */
  academicYear: z.number().int().min(2000).max(2100),
  /** Grade (parallel), 1–11 for schools, 1–4 for colleges. */
  grade: z.number().int().min(1).max(11),
  /** Letter or suffix, for example «А». */
  letter: z.string().min(1).max(8),
  /** Display name, grade followed by letter: «5А». */
  name: z.string(),
});
/** A class of one academic year. */
export type SchoolClass = z.infer<typeof SchoolClass>;

/** A full Russian name as kept in the roster. */
export const FullName = z.object({
  /** Фамилия. */
  lastName: z.string().trim().min(1).max(100),
  /** Имя. */
  firstName: z.string().trim().min(1).max(100),
  /** Отчество, when the person has one. */
  middleName: z.string().trim().min(1).max(100).nullable(),
});
/** A full Russian name. */
export type FullName = z.infer<typeof FullName>;

/** SNILS, the insurance number: `XXX-XXX-XXX YY` or 11 digits. */
export const Snils = z.string().regex(/^\d{3}-?\d{3}-?\d{3}[ -]?\d{2}$/, 'SNILS is 11 digits, optionally as XXX-XXX-XXX YY');

/** A roster identity as another member of the same organization may see it. */
export const PersonCard = FullName.extend({
  /** Person id. */
  id: Id,
  /** The roles this person holds in the organizations the viewer shares with them. */
  roles: z.array(Role),
});
/** A roster identity as another member sees it. */
export type PersonCard = z.infer<typeof PersonCard>;

/** One role of a person, with the place it is held in. */
export const Membership = z.object({
  /** Membership id. */
  id: Id,
  /** The person holding the role. */
  personId: Id,
  /** The role. */
  role: Role,
  /** Organization, for organization roles. */
  organizationId: Id.nullable(),
  /** Class, for students. */
  classId: Id.nullable(),
  /** Municipality, for municipality officials. */
  municipalityId: Id.nullable(),
  /** Region, for region officials. */
  regionId: Id.nullable(),
});
/** One role of a person. */
export type Membership = z.infer<typeof Membership>;

/** A class a teacher teaches. */
export const TeachingAssignment = z.object({
  /** The class. */
  classId: Id,
  /** True when the teacher is the class's homeroom teacher (классный руководитель). */
  homeroom: z.boolean(),
  /** Subject, when known. */
  subject: z.string().nullable(),
});
/** A class a teacher teaches. */
export type TeachingAssignment = z.infer<typeof TeachingAssignment>;

/** A person linked to the signed-in account: one "profile" of the account. */
export const Profile = FullName.extend({
  /** Person id. */
  personId: Id,
  /** Birth date. */
  birthDate: IsoDate.nullable(),
  /** All roles of this person. */
  memberships: z.array(Membership),
  /** Classes taught, for teachers. */
  teaching: z.array(TeachingAssignment),
  /** Children, for parents and guardians. */
  children: z.array(z.object({ personId: Id, classId: Id.nullable() })),
});
/** A person linked to the signed-in account. */
export type Profile = z.infer<typeof Profile>;

/** `GET /api/v1/me`. */
export const MeResponse = z.object({
  /** Account id. */
  accountId: Id,
  /** Login handle. */
  login: z.string(),
  /** Persons linked to this account (a teacher who is also a parent has one person with both roles). */
  profiles: z.array(Profile),
  /** Organizations the account belongs to or oversees. */
  organizations: z.array(Organization),
});
/** `GET /api/v1/me`. */
export type MeResponse = z.infer<typeof MeResponse>;

/** `GET /api/v1/organizations`. */
export const OrganizationList = z.object({
  /** Organizations visible to the caller on this page: their own first-hand, then those they oversee. */
  organizations: z.array(Organization),
  /** Pass as `after` for the next page; null when this is the last page. */
  next: Id.nullable(),
});
/** `GET /api/v1/organizations`. */
export type OrganizationList = z.infer<typeof OrganizationList>;

/** `GET /api/v1/organizations/:id/classes`. */
export const ClassList = z.object({
  /** Classes of the organization in the current academic year. */
  classes: z.array(SchoolClass),
});
/** `GET /api/v1/organizations/:id/classes`. */
export type ClassList = z.infer<typeof ClassList>;

/** `GET /api/v1/classes/:id/members`. */
export const ClassMembers = z.object({
  /** The class. */
  class: SchoolClass,
  /** Its students. */
  students: z.array(PersonCard),
  /** Its teachers; the homeroom teacher is flagged. */
  teachers: z.array(PersonCard.extend({ homeroom: z.boolean(), subject: z.string().nullable() })),
});
/** `GET /api/v1/classes/:id/members`. */
export type ClassMembers = z.infer<typeof ClassMembers>;

/** `GET /api/v1/organizations/:id/people?role=`. */
export const PeopleQuery = z
  .object({
    /** Only persons holding this role. */
    role: Role.optional(),
    /** Page size. */
    limit: DecimalParam.pipe(z.number().min(1).max(500)).default(100),
    /** Return persons with an id greater than this. */
    after: DecimalParam.default(0),
  })
  .strict();
/** Query of the people list. */
export type PeopleQuery = z.infer<typeof PeopleQuery>;

/** A page of people. */
export const PeoplePage = z.object({
  /** The persons on this page, by id. */
  people: z.array(PersonCard),
  /** Pass as `after` for the next page; null when this is the last page. */
  next: Id.nullable(),
});
/** A page of people. */
export type PeoplePage = z.infer<typeof PeoplePage>;
