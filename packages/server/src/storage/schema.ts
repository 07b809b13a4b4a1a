import type { ColumnType, Generated } from 'kysely';

/** An auto-assigned integer primary key. */
type PrimaryKey = Generated<number>;

/** `regions`. */
export interface RegionTable {
  id: PrimaryKey;
  code: string;
  name: string;
}

/** `municipalities`. */
export interface MunicipalityTable {
  id: PrimaryKey;
  regionId: number;
  name: string;
}

/** `organizations`: schools and colleges. */
export interface OrganizationTable {
  id: PrimaryKey;
  municipalityId: number;
  kind: 'school' | 'college';
  name: string;
  shortName: string;
  timeZone: string;
  externalId: string | null;
}

/** `classes`, one row per class per academic year. */
export interface ClassTable {
  id: PrimaryKey;
  organizationId: number;
  academicYear: number;
  grade: number;
  letter: string;
}

/** `persons`: roster identities. */
export interface PersonTable {
  id: PrimaryKey;
  lastName: string;
  firstName: string;
  middleName: string | null;
  birthDate: string | null;
  snils: string | null;
  accountId: number | null;
  externalId: string | null;
}

/** `accounts`: logins. */
export interface AccountTable {
  id: PrimaryKey;
  login: string;
  createdAt: number;
  disabledAt: number | null;
}

/** `memberships`: the roles persons hold. */
export interface MembershipTable {
  id: PrimaryKey;
  personId: number;
  role: string;
  organizationId: number | null;
  classId: number | null;
  municipalityId: number | null;
  regionId: number | null;
  createdAt: number;
  endedAt: number | null;
}

/** `class_teachers`: who teaches which class. */
export interface ClassTeacherTable {
  classId: number;
  personId: number;
  /** 1 when homeroom teacher (классный руководитель), else 0. */
  homeroom: number;
  subject: string | null;
}

/** `guardianships`: parent → student links. */
export interface GuardianshipTable {
  parentPersonId: number;
  studentPersonId: number;
}

/** `sessions`: opaque bearer tokens, stored hashed. */
export interface SessionTable {
  id: PrimaryKey;
  accountId: number;
  tokenHash: string;
  deviceName: string;
  createdAt: number;
  lastSeenAt: ColumnType<number, number, number>;
  revokedAt: number | null;
}

/** `meta`: key/value facts about this installation (demo seeded, …). */
export interface MetaTable {
  key: string;
  value: string;
}

/** The whole database, as Kysely sees it (camelCase; columns are snake_case). */
export interface Database {
  regions: RegionTable;
  municipalities: MunicipalityTable;
  organizations: OrganizationTable;
  classes: ClassTable;
  persons: PersonTable;
  accounts: AccountTable;
  memberships: MembershipTable;
  classTeachers: ClassTeacherTable;
  guardianships: GuardianshipTable;
  sessions: SessionTable;
  meta: MetaTable;
}
