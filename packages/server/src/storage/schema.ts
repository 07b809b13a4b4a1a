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

/** `chats`: direct chats, groups and channels, each an ordered log. */
export interface ChatTable {
  id: PrimaryKey;
  kind: 'direct' | 'group' | 'channel';
  purpose: 'class' | 'class_parents' | 'staff_room' | 'news' | null;
  organizationId: number;
  classId: number | null;
  title: string;
  allowComments: number;
  uniqueKey: string | null;
  createdByPersonId: number | null;
  createdAt: number;
  lastSeq: Generated<number>;
  lastVersion: Generated<number>;
  lastMessageAt: number | null;
}

/** `chat_members`. */
export interface ChatMemberTable {
  chatId: number;
  personId: number;
  role: 'owner' | 'admin' | 'member' | 'readonly';
  joinedAt: number;
  readSeq: Generated<number>;
  mutedUntil: number | null;
  viaRoster: number;
}

/** `messages`: the chat logs. */
export interface MessageTable {
  id: PrimaryKey;
  chatId: number;
  seq: number;
  version: number;
  senderPersonId: number;
  clientId: string;
  text: string;
  /** JSON array of person ids. */
  mentions: string;
  mentionAll: number;
  mustAck: number;
  /** JSON `ReplyRef`, or null. */
  replyTo: string | null;
  /** JSON `ForwardRef`, or null. */
  forward: string | null;
  /** JSON object emoji → person ids. */
  reactions: string;
  pinned: number;
  createdAt: number;
  editedAt: number | null;
  deletedAt: number | null;
}

/** `message_edits`: earlier texts, for moderators. */
export interface MessageEditTable {
  messageId: number;
  text: string;
  editedAt: number;
}

/** `mentions`: who was mentioned where, for unread-mention counters. */
export interface MentionTable {
  chatId: number;
  personId: number;
  seq: number;
}

/** `reports`: the moderation queue. */
export interface ReportTable {
  id: PrimaryKey;
  organizationId: number;
  chatId: number;
  messageId: number;
  reporterPersonId: number;
  reason: string;
  createdAt: number;
  resolvedAt: number | null;
  resolvedByPersonId: number | null;
  resolution: string | null;
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
  chats: ChatTable;
  chatMembers: ChatMemberTable;
  messages: MessageTable;
  messageEdits: MessageEditTable;
  mentions: MentionTable;
  reports: ReportTable;
}
