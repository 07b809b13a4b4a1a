import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import type { Logger } from 'pino';

/** The file of the SQLite search index, beside the main database. */
export function searchIndexFile(mainFile: string): string {
  return `${mainFile}-search`;
}

/** Opens (and creates) the search index database: stems in a contentless FTS5 table, and progress. */
export function openSearchIndex(file: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(
    "create virtual table if not exists messages_fts using fts5(body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');" +
      'create table if not exists meta (key text primary key, value integer not null);',
  );
  return db;
}

/** The indexer thread, seen from the main thread. */
export interface SearchIndexer {
  /** Re-indexes changed messages (`text` null when deleted). */
  changed(items: readonly { id: number; text: string | null }[]): void;
  /** Resolves once every message stored so far is searchable. */
  drain(): Promise<void>;
  /** Indexes what is left and stops the thread. */
  stop(): Promise<void>;
}

/** Starts the indexer thread for a SQLite database. */
export function startSearchIndexer(mainFile: string, log: Logger): SearchIndexer {
  const worker = new Worker(new URL('./search-index.worker.js', import.meta.url), {
    workerData: { mainFile, searchFile: searchIndexFile(mainFile) },
  });
  worker.unref();
  const waiting = new Map<number, () => void>();
  let token = 0;
  let stopped: (() => void) | null = null;
  worker.on('message', (m: { type: string; token?: number; message?: string }) => {
    if (m.type === 'drained') {
      waiting.get(m.token!)?.();
      waiting.delete(m.token!);
    } else if (m.type === 'stopped') stopped?.();
    else if (m.type === 'error') log.error({ err: m.message }, 'search indexer failed');
  });
  worker.on('error', (err) => log.error({ err }, 'search indexer crashed'));
  return {
    changed(items) {
      worker.postMessage({ type: 'changed', items });
    },
    drain() {
      return new Promise((resolve) => {
        const t = ++token;
        waiting.set(t, resolve);
        worker.postMessage({ type: 'drain', token: t });
      });
    },
    stop() {
      return new Promise((resolve) => {
        const timer = setTimeout(() => void worker.terminate().then(() => resolve()), 5_000);
        stopped = () => {
          clearTimeout(timer);
          void worker.terminate().then(() => resolve());
        };
        worker.postMessage({ type: 'stop' });
      });
    },
  };
}
