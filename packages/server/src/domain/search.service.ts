import type { Message, SearchQuery } from '@parta/protocol';
import type { Logger } from 'pino';
import type { Sender } from './delivery.js';
import { notFound } from './errors.js';
import { stemWords } from './stem.js';
import type { SearchRepo } from '../storage/search.repo.js';
import { toMessage } from '../storage/message.store.js';

/** How often queued messages are written to the SQLite search index. */
const INDEX_EVERY_MS = 100;

/**
 * Full-text search over the chats a person is in, with Russian stemming: PostgreSQL's `russian`
 * configuration, or on SQLite an FTS5 index of stems that this service fills off the send path.
 */
export function searchService(deps: { repo: SearchRepo; log: Logger }) {
  const { repo, log } = deps;
  const queue: { id: number; text: string | null }[] = [];
  let timer: NodeJS.Timeout | null = null;

  function flush(): void {
    timer = null;
    const batch = queue.splice(0);
    if (batch.length === 0) return;
    repo
      .index(batch.map((b) => ({ id: b.id, stems: b.text === null ? null : stemWords(b.text).join(' ') })))
      .catch((err: unknown) => log.error({ err }, 'search indexing failed'));
  }

  return {
    /** Queues messages (new or changed; `text` null when deleted) for the index. A no-op where the database indexes itself. */
    index(items: readonly { id: number; text: string | null }[]): void {
      if (!repo.needsIndexing) return;
      queue.push(...items);
      timer ??= setTimeout(flush, INDEX_EVERY_MS);
    },

    /** Writes what is queued now (tests, shutdown). */
    async drain(): Promise<void> {
      if (timer) clearTimeout(timer);
      timer = null;
      const batch = queue.splice(0);
      if (batch.length)
        await repo.index(batch.map((b) => ({ id: b.id, stems: b.text === null ? null : stemWords(b.text).join(' ') })));
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
