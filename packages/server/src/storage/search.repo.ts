import type { Store } from './store.js';
import { MESSAGE_COLUMNS, type MessageRow } from './message.store.js';

/** Search queries: FTS5 over stems on SQLite, `tsvector` with the `russian` configuration on PostgreSQL. */
export function searchRepo(store: Store) {
  const raw = store.raw;
  const cols = MESSAGE_COLUMNS.split(', ')
    .map((c) => `m.${c}`)
    .join(', ');
  return {
    /** True when one of the persons is a member of the chat. */
    async isMember(chatId: number, personIds: readonly number[]): Promise<boolean> {
      if (personIds.length === 0) return false;
      const row = await store.db
        .selectFrom('chatMembers')
        .select('chatId')
        .where('chatId', '=', chatId)
        .where('personId', 'in', personIds)
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Matching messages in the persons' chats, newest first. */
    async search(q: {
      personIds: readonly number[];
      text: string;
      stems: readonly string[];
      chatId: number | null;
      limit: number;
    }): Promise<MessageRow[]> {
      if (q.personIds.length === 0) return [];
      if (raw.dialect === 'sqlite') {
        // Every stem must appear, as a word prefix («урок*» finds «уроками»).
        const match = q.stems.map((s) => `"${s.replaceAll('"', '""')}"*`).join(' AND ');
        const people = q.personIds.map(() => '?').join(',');
        return raw.db
          .prepare(
            `select ${cols} from search.messages_fts f join messages m on m.id = f.rowid ` +
              `where f.messages_fts match ? and m.deleted_at is null ` +
              `and m.chat_id in (select chat_id from chat_members where person_id in (${people})) ` +
              (q.chatId !== null ? 'and m.chat_id = ? ' : '') +
              'order by m.id desc limit ?',
          )
          .all(match, ...q.personIds, ...(q.chatId !== null ? [q.chatId] : []), q.limit) as MessageRow[];
      }
      const params: unknown[] = [q.text, q.personIds, q.limit];
      if (q.chatId !== null) params.push(q.chatId);
      const res = await raw.pool.query<MessageRow>(
        `select ${cols} from messages m where m.tsv @@ plainto_tsquery('russian', $1) and m.deleted_at is null ` +
          `and m.chat_id in (select chat_id from chat_members where person_id = any($2::bigint[])) ` +
          (q.chatId !== null ? 'and m.chat_id = $4 ' : '') +
          'order by m.id desc limit $3',
        params,
      );
      return res.rows;
    },
  };
}

/** Search queries. */
export type SearchRepo = ReturnType<typeof searchRepo>;
