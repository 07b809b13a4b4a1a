import { MAX_SEQ } from '@parta/protocol';
import type { Store } from './store.js';
import { MESSAGE_COLUMNS, type MessageRow } from './message.store.js';

/** Queries over messages outside the send hot path: pages, catch-up, changes, edit history, unread counts. */
export function messageRepo(store: Store) {
  const { db } = store;

  async function messageRows(query: string, params: unknown[]): Promise<MessageRow[]> {
    if (store.raw.dialect === 'sqlite') {
      return store.raw.db.prepare(query.replace(/\$\d+/g, '?')).all(...params) as MessageRow[];
    }
    return (await store.raw.pool.query<MessageRow>(query, params)).rows;
  }

  return {
    /** Unread messages (from others, not deleted) and unread mentions per chat for one person. */
    async unreadCounts(personId: number, chatIds: readonly number[]) {
      const unread = new Map<number, number>();
      const mentions = new Map<number, number>();
      if (chatIds.length === 0) return { unread, mentions };
      const u = await db
        .selectFrom('messages')
        .innerJoin('chatMembers', (j) =>
          j.onRef('chatMembers.chatId', '=', 'messages.chatId').on('chatMembers.personId', '=', personId),
        )
        .select(['messages.chatId', (eb) => eb.fn.countAll<number>().as('n')])
        .where('messages.chatId', 'in', chatIds)
        .whereRef('messages.seq', '>', 'chatMembers.readSeq')
        .where('messages.senderPersonId', '!=', personId)
        .where('messages.deletedAt', 'is', null)
        .groupBy('messages.chatId')
        .execute();
      for (const r of u) unread.set(r.chatId, Number(r.n));
      const m = await db
        .selectFrom('messages')
        .innerJoin('chatMembers', (j) =>
          j.onRef('chatMembers.chatId', '=', 'messages.chatId').on('chatMembers.personId', '=', personId),
        )
        .leftJoin('mentions', (j) =>
          j
            .onRef('mentions.chatId', '=', 'messages.chatId')
            .onRef('mentions.seq', '=', 'messages.seq')
            .on('mentions.personId', '=', personId),
        )
        .select(['messages.chatId', (eb) => eb.fn.countAll<number>().as('n')])
        .where('messages.chatId', 'in', chatIds)
        .whereRef('messages.seq', '>', 'chatMembers.readSeq')
        .where('messages.senderPersonId', '!=', personId)
        .where('messages.deletedAt', 'is', null)
        .where((eb) => eb.or([eb('messages.mentionAll', '=', 1), eb('mentions.personId', 'is not', null)]))
        .groupBy('messages.chatId')
        .execute();
      for (const r of m) mentions.set(r.chatId, Number(r.n));
      return { unread, mentions };
    },

    /** The newest message of each chat. */
    async lastMessages(chatIds: readonly number[]): Promise<Map<number, MessageRow>> {
      if (chatIds.length === 0) return new Map();
      const placeholders = chatIds.map((_, i) => `$${i + 1}`).join(',');
      const rows = await messageRows(
        `select ${MESSAGE_COLUMNS} from messages m where m.chat_id in (${placeholders}) and m.seq = (select last_seq from chats c where c.id = m.chat_id)`,
        [...chatIds],
      );
      return new Map(rows.map((r) => [r.chatId, r]));
    },

    /** A page of messages by position. */
    async messagePage(chatId: number, opts: { before?: number; after?: number; limit: number }): Promise<MessageRow[]> {
      if (opts.after !== undefined) {
        return messageRows(`select ${MESSAGE_COLUMNS} from messages where chat_id = $1 and seq > $2 order by seq limit $3`, [
          chatId,
          opts.after,
          opts.limit,
        ]);
      }
      const rows = await messageRows(
        `select ${MESSAGE_COLUMNS} from messages where chat_id = $1 and seq < $2 order by seq desc limit $3`,
        [chatId, opts.before ?? MAX_SEQ, opts.limit],
      );
      return rows.reverse();
    },

    /** Messages created or changed after a version, in version order. */
    async changesSince(chatId: number, version: number, limit: number): Promise<MessageRow[]> {
      return messageRows(
        `select ${MESSAGE_COLUMNS} from messages where chat_id = $1 and version > $2 order by version limit $3`,
        [chatId, version, limit],
      );
    },

    /** One message by position. */
    async message(chatId: number, seq: number): Promise<MessageRow | undefined> {
      const rows = await messageRows(`select ${MESSAGE_COLUMNS} from messages where chat_id = $1 and seq = $2`, [chatId, seq]);
      return rows[0];
    },

    /** One message by id. */
    async messageById(id: number): Promise<MessageRow | undefined> {
      const rows = await messageRows(`select ${MESSAGE_COLUMNS} from messages where id = $1`, [id]);
      return rows[0];
    },

    /** Messages by id, in the given order. */
    async messagesByIds(ids: readonly number[]): Promise<MessageRow[]> {
      if (ids.length === 0) return [];
      const rows = await messageRows(
        `select ${MESSAGE_COLUMNS} from messages where id in (${ids.map((_, i) => `$${i + 1}`).join(',')})`,
        [...ids],
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
    },

    /**
     * Changes a message under a new chat version, in one transaction: `change` gets the current row
     * and returns the columns to set (or null to change nothing).
     */
    async changeMessage(
      chatId: number,
      seq: number,
      change: (
        row: MessageRow,
      ) => Partial<
        Pick<MessageRow, 'text' | 'reactions' | 'pinned' | 'editedAt' | 'deletedAt' | 'mentions' | 'mentionAll'>
      > | null,
      editHistory?: { text: string; at: number },
    ): Promise<MessageRow | null> {
      // The chat row is written first: that takes the write lock (SQLite) or the row lock (PostgreSQL)
      // before anything is read, in the same order as the group commit: chats, then messages.
      const unchanged = Symbol('unchanged');
      try {
        return await db.transaction().execute(async (trx) => {
          const bumped = await trx
            .updateTable('chats')
            .set((eb) => ({ lastVersion: eb('lastVersion', '+', 1) }))
            .where('id', '=', chatId)
            .returning('lastVersion')
            .executeTakeFirst();
          const row = bumped
            ? await trx
                .selectFrom('messages')
                .selectAll()
                .where('chatId', '=', chatId)
                .where('seq', '=', seq)
                .$if(store.dialect === 'postgres', (q) => q.forUpdate())
                .executeTakeFirst()
            : undefined;
          const set = row ? change(row) : null;
          // Nothing to change: roll the version back by leaving the transaction with a throw.
          if (!row || !set || !bumped) throw Object.assign(new Error('unchanged'), { [unchanged]: row ?? null });
          if (editHistory) {
            await trx
              .insertInto('messageEdits')
              .values({ messageId: row.id, text: editHistory.text, editedAt: editHistory.at })
              .execute();
          }
          return trx
            .updateTable('messages')
            .set({ ...set, version: bumped.lastVersion })
            .where('id', '=', row.id)
            .returningAll()
            .executeTakeFirstOrThrow();
        });
      } catch (err) {
        if (err instanceof Error && unchanged in err)
          return (err as unknown as Record<symbol, MessageRow | null>)[unchanged] ?? null;
        throw err;
      }
    },

    /** How many earlier texts a message keeps. */
    async editCount(messageId: number): Promise<number> {
      const row = await db
        .selectFrom('messageEdits')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('messageId', '=', messageId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** Earlier texts of a message. */
    async edits(messageId: number) {
      return db
        .selectFrom('messageEdits')
        .select(['text', 'editedAt'])
        .where('messageId', '=', messageId)
        .orderBy('editedAt')
        .execute();
    },
  };
}

/** Queries over messages. */
export type MessageRepo = ReturnType<typeof messageRepo>;
