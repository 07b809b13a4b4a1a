import type { Message, SearchQuery } from '@parta/protocol';
import type { Sender } from './delivery.js';
import { notFound } from './errors.js';
import { stemWords } from '../model/stem.js';
import type { SearchRepo } from '../storage/search.repo.js';
import { toMessage } from '../storage/message.store.js';

/** The port to an index the server feeds itself (SQLite's); PostgreSQL indexes on its own. */
export interface SearchIndexPort {
  changed(items: readonly { id: number; text: string | null }[]): void;
  drain(): Promise<void>;
}

/**
 * Full-text search over the chats a person is in, with Russian stemming: PostgreSQL's `russian`
 * configuration, or on SQLite an FTS5 index of stems kept by its own thread (new messages are
 * picked up there; only edits and deletes are told).
 */
export function searchService(deps: { repo: SearchRepo; index: SearchIndexPort | null }) {
  const { repo } = deps;
  return {
    /** Tells the index about changed messages (`text` null once deleted). */
    changed(items: readonly { id: number; text: string | null }[]): void {
      deps.index?.changed(items);
    },

    /** Resolves once every message stored so far is searchable. */
    async drain(): Promise<void> {
      await deps.index?.drain();
    },

    /** Messages matching every word of the query, newest first, in the caller's chats only. */
    async search(sender: Sender, q: SearchQuery): Promise<Message[]> {
      const stems = stemWords(q.q);
      if (stems.length === 0) return [];
      if (q.chatId !== undefined && !(await repo.isMember(q.chatId, sender.personIds))) throw notFound('chat');
      const rows = await repo.search({ personIds: sender.personIds, text: q.q, stems, chatId: q.chatId ?? null, limit: q.limit });
      return rows.map(toMessage);
    },
  };
}

/** Full-text search. */
export type SearchService = ReturnType<typeof searchService>;
