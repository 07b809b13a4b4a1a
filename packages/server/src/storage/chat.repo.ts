import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { MemberRole, Role } from '@parta/protocol';
import type { Store } from './store.js';
import type { ChatTable } from './schema.js';
import type { Insertable } from 'kysely';
import type { Actor } from '../model/actor.js';
import { loadPersonFacts } from './person-facts.js';

/** Inserts chat members in chunks that stay under both engines' parameter limits. */
async function insertMembers(
  db: Kysely<Database>,
  chatId: number,
  members: readonly { personId: number; role: MemberRole; viaRoster: boolean }[],
  now: number,
): Promise<void> {
  for (let i = 0; i < members.length; i += 500) {
    await db
      .insertInto('chatMembers')
      .values(
        members.slice(i, i + 500).map((m) => ({
          chatId,
          personId: m.personId,
          role: m.role,
          joinedAt: now,
          mutedUntil: null,
          viaRoster: m.viaRoster ? 1 : 0,
        })),
      )
      .execute();
  }
}

/** Queries over chats, their members and the persons in them (messages: message.repo.ts; reports: moderation.repo.ts). */
export function chatRepo(store: Store) {
  const { db } = store;

  return {
    /** A chat with its members and their accounts. */
    async chatWithMembers(chatId: number) {
      const chat = await db.selectFrom('chats').selectAll().where('id', '=', chatId).executeTakeFirst();
      if (!chat) return null;
      const members = await db
        .selectFrom('chatMembers')
        .innerJoin('persons', 'persons.id', 'chatMembers.personId')
        .select([
          'chatMembers.personId',
          'chatMembers.role',
          'chatMembers.mutedUntil',
          'chatMembers.readSeq',
          'persons.accountId',
        ])
        .where('chatMembers.chatId', '=', chatId)
        .execute();
      return { chat, members };
    },

    /** Rules' view of persons: roles, classes taught, children. */
    async actors(personIds: readonly number[]): Promise<Map<number, Actor>> {
      const facts = await loadPersonFacts(db, personIds);
      const out = new Map<number, Actor>();
      for (const id of new Set(personIds)) {
        out.set(id, {
          personId: id,
          roles: facts.memberships.filter((m) => m.personId === id),
          teaching: facts.teaching.filter((t) => t.personId === id),
          children: facts.children.filter((c) => c.parentPersonId === id),
        });
      }
      return out;
    },

    /** Full names of persons. */
    async names(personIds: readonly number[]): Promise<Map<number, string>> {
      if (personIds.length === 0) return new Map();
      const rows = await db
        .selectFrom('persons')
        .select(['id', 'lastName', 'firstName'])
        .where('id', 'in', [...new Set(personIds)])
        .execute();
      return new Map(rows.map((r) => [r.id, `${r.lastName} ${r.firstName}`]));
    },

    /** Which of these chats the persons are members of: one query however many chats are asked about. */
    async chatsWithMember(personIds: readonly number[], chatIds: readonly number[]): Promise<number[]> {
      if (personIds.length === 0 || chatIds.length === 0) return [];
      const rows = await db
        .selectFrom('chatMembers')
        .select('chatId')
        .distinct()
        .where('personId', 'in', personIds)
        .where('chatId', 'in', chatIds)
        .execute();
      return rows.map((r) => r.chatId);
    },

    /** Every chat membership of the given persons, with the chat. */
    async membershipsOf(personIds: readonly number[]) {
      if (personIds.length === 0) return [];
      return db
        .selectFrom('chatMembers')
        .innerJoin('chats', 'chats.id', 'chatMembers.chatId')
        .selectAll('chats')
        .select(['chatMembers.personId', 'chatMembers.role', 'chatMembers.readSeq', 'chatMembers.mutedUntil'])
        .where('chatMembers.personId', 'in', personIds)
        .execute();
    },

    /** Member counts per chat. */
    async memberCounts(chatIds: readonly number[]): Promise<Map<number, number>> {
      if (chatIds.length === 0) return new Map();
      const rows = await db
        .selectFrom('chatMembers')
        .select(['chatId', (eb) => eb.fn.countAll<number>().as('n')])
        .where('chatId', 'in', chatIds)
        .groupBy('chatId')
        .execute();
      return new Map(rows.map((r) => [r.chatId, Number(r.n)]));
    },

    /** Creates a chat with its first members; returns its id. */
    async createChat(
      values: Insertable<ChatTable>,
      members: { personId: number; role: MemberRole; viaRoster: boolean }[],
      now: number,
    ) {
      return db.transaction().execute(async (trx) => {
        const chat = await trx.insertInto('chats').values(values).returning('id').executeTakeFirstOrThrow();
        await insertMembers(trx, chat.id, [...new Map(members.map((m) => [m.personId, m])).values()], now);
        return chat.id;
      });
    },

    /** A chat by its unique key (direct pair or roster chat). */
    async chatByKey(key: string) {
      return db.selectFrom('chats').select('id').where('uniqueKey', '=', key).executeTakeFirst();
    },

    /** Adds members that are not members yet; returns the added person ids. */
    async addMembers(
      chatId: number,
      members: { personId: number; role: MemberRole; viaRoster: boolean }[],
      now: number,
    ): Promise<number[]> {
      if (members.length === 0) return [];
      const existing = await db
        .selectFrom('chatMembers')
        .select('personId')
        .where('chatId', '=', chatId)
        .where(
          'personId',
          'in',
          members.map((m) => m.personId),
        )
        .execute();
      const have = new Set(existing.map((e) => e.personId));
      const fresh = [...new Map(members.filter((m) => !have.has(m.personId)).map((m) => [m.personId, m])).values()];
      await insertMembers(db, chatId, fresh, now);
      return fresh.map((m) => m.personId);
    },

    /** Removes members; returns how many were removed. */
    async removeMembers(chatId: number, personIds: readonly number[]): Promise<number> {
      if (personIds.length === 0) return 0;
      const r = await db
        .deleteFrom('chatMembers')
        .where('chatId', '=', chatId)
        .where('personId', 'in', personIds)
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },

    /** Members of a chat with how they got there. */
    async memberRows(chatId: number) {
      const rows = await db
        .selectFrom('chatMembers')
        .select(['personId', 'role', 'viaRoster'])
        .where('chatId', '=', chatId)
        .execute();
      return rows.map((r) => ({ personId: r.personId, role: r.role, viaRoster: r.viaRoster === 1 }));
    },

    /** Roster-managed members of a chat. */
    async rosterMembers(chatId: number): Promise<number[]> {
      const rows = await db
        .selectFrom('chatMembers')
        .select('personId')
        .where('chatId', '=', chatId)
        .where('viaRoster', '=', 1)
        .execute();
      return rows.map((r) => r.personId);
    },

    /** Changes a member's role or mute. */
    async updateMember(chatId: number, personId: number, set: { role?: MemberRole; mutedUntil?: number | null }) {
      const r = await db
        .updateTable('chatMembers')
        .set(set)
        .where('chatId', '=', chatId)
        .where('personId', '=', personId)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    /** Moves a read position forward (never back); returns the position now stored. */
    async markRead(chatId: number, personId: number, seq: number): Promise<number | null> {
      const r = await db
        .updateTable('chatMembers')
        .set({ readSeq: sql<number>`case when read_seq < ${seq} then ${seq} else read_seq end` })
        .where('chatId', '=', chatId)
        .where('personId', '=', personId)
        .returning('readSeq')
        .executeTakeFirst();
      return r?.readSeq ?? null;
    },

    /** Read positions of all members. */
    async readPositions(chatId: number) {
      return db.selectFrom('chatMembers').select(['personId', 'readSeq']).where('chatId', '=', chatId).execute();
    },

    /** Members with names. */
    async members(chatId: number) {
      return db
        .selectFrom('chatMembers')
        .innerJoin('persons', 'persons.id', 'chatMembers.personId')
        .select([
          'chatMembers.personId',
          'persons.lastName',
          'persons.firstName',
          'chatMembers.role',
          'chatMembers.readSeq',
          'chatMembers.mutedUntil',
        ])
        .where('chatMembers.chatId', '=', chatId)
        .orderBy('persons.lastName')
        .orderBy('persons.firstName')
        .execute();
    },

    /**
     * What a chat's members are in its organization, in two queries whatever the member count:
     * their active roles there, and their homeroom classes there (every academic year, with the
     * organization's time zone, from which the domain tells the current one).
     */
    async memberStanding(chatId: number, organizationId: number) {
      const [roles, homerooms] = await Promise.all([
        db
          .selectFrom('chatMembers')
          .innerJoin('memberships', 'memberships.personId', 'chatMembers.personId')
          .select(['chatMembers.personId', 'memberships.role'])
          .distinct()
          .where('chatMembers.chatId', '=', chatId)
          .where('memberships.organizationId', '=', organizationId)
          .where('memberships.endedAt', 'is', null)
          .execute(),
        db
          .selectFrom('chatMembers')
          .innerJoin('classTeachers', 'classTeachers.personId', 'chatMembers.personId')
          .innerJoin('classes', 'classes.id', 'classTeachers.classId')
          .innerJoin('organizations', 'organizations.id', 'classes.organizationId')
          .select(['chatMembers.personId', 'classes.academicYear', 'organizations.timeZone'])
          .distinct()
          .where('chatMembers.chatId', '=', chatId)
          .where('classes.organizationId', '=', organizationId)
          .where('classTeachers.homeroom', '=', 1)
          .execute(),
      ]);
      return { roles: roles.map((r) => ({ personId: r.personId, role: r.role as Role })), homerooms };
    },

    /**
     * The kinds of chats the persons `of` share with each of `with`, in one query for all of them:
     * one row per person and distinct kind of shared chat (so a school's hundred class chats are a
     * few rows, not a hundred).
     */
    async sharedChats(of: readonly number[], withIds: readonly number[]) {
      if (of.length === 0 || withIds.length === 0) return [];
      const rows = await db
        .selectFrom('chatMembers as x')
        .innerJoin('chatMembers as y', 'y.chatId', 'x.chatId')
        .innerJoin('chats', 'chats.id', 'x.chatId')
        .select(['y.personId', 'chats.kind', 'chats.purpose', 'chats.organizationId', 'chats.allowComments'])
        .distinct()
        .where('x.personId', 'in', [...new Set(of)])
        .where('y.personId', 'in', [...new Set(withIds)])
        .execute();
      return rows.map((r) => ({ ...r, allowComments: r.allowComments === 1 }));
    },

    /** Last time any session of the account was seen. */
    async lastSeen(accountIds: readonly number[]): Promise<Map<number, number>> {
      if (accountIds.length === 0) return new Map();
      const rows = await db
        .selectFrom('sessions')
        .select(['accountId', (eb) => eb.fn.max<number>('lastSeenAt').as('t')])
        .where('accountId', 'in', accountIds)
        .groupBy('accountId')
        .execute();
      return new Map(rows.map((r) => [r.accountId, Number(r.t)]));
    },

    /** Groups and channels of an organization, with member counts (for its admins' overview). */
    async organizationChats(organizationId: number) {
      return db
        .selectFrom('chats')
        .leftJoin('chatMembers', 'chatMembers.chatId', 'chats.id')
        .select([
          'chats.id',
          'chats.kind',
          'chats.purpose',
          'chats.title',
          'chats.classId',
          (eb) => eb.fn.count<number>('chatMembers.personId').as('n'),
        ])
        .where('chats.organizationId', '=', organizationId)
        .where('chats.kind', '!=', 'direct')
        .groupBy(['chats.id', 'chats.kind', 'chats.purpose', 'chats.title', 'chats.classId'])
        .orderBy('chats.id')
        .execute();
    },

    /** Students of classes of an organization; `missing` lists class ids not of that organization. */
    async studentsOfClasses(organizationId: number, classIds: readonly number[]) {
      if (classIds.length === 0) return { students: [] as number[], missing: [] as number[] };
      const classes = await db
        .selectFrom('classes')
        .select('id')
        .where('id', 'in', classIds)
        .where('organizationId', '=', organizationId)
        .execute();
      const found = new Set(classes.map((c) => c.id));
      const students = await db
        .selectFrom('memberships')
        .select('personId')
        .where('classId', 'in', classIds)
        .where('role', '=', 'student')
        .where('endedAt', 'is', null)
        .execute();
      return { students: students.map((s) => s.personId), missing: classIds.filter((c) => !found.has(c)) };
    },

    /** Accounts of persons. */
    async accountsOf(personIds: readonly number[]): Promise<Map<number, number>> {
      if (personIds.length === 0) return new Map();
      const rows = await db
        .selectFrom('persons')
        .select(['id', 'accountId'])
        .where('id', 'in', personIds)
        .where('accountId', 'is not', null)
        .execute();
      return new Map(rows.map((r) => [r.id, r.accountId!]));
    },
  };
}

/** Queries over chats and members. */
export type ChatRepo = ReturnType<typeof chatRepo>;
