/**
 * The SQLite search indexer, on its own thread: it reads new messages from the main database,
 * stems them and writes the FTS5 index in a separate file, so that the send path pays nothing for
 * search. Changes to existing messages (edits, deletes) are posted to it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { stemWords } from '../model/stem.js';
import { openSearchIndex } from './search-index.js';

/** Messages from the main thread. */
export type IndexerRequest =
  { type: 'changed'; items: { id: number; text: string | null }[] } | { type: 'drain'; token: number } | { type: 'stop' };

const { mainFile, searchFile } = workerData as { mainFile: string; searchFile: string };
const POLL_MS = 50;
const CHECKPOINT_MS = 1000;
const BATCH = 5000;

const main = new BetterSqlite3(mainFile, { fileMustExist: true });
main.pragma('busy_timeout = 5000');
const index = openSearchIndex(searchFile);
const newer = main.prepare<[number, number], { id: number; text: string; deletedAt: number | null }>(
  'select id, text, deleted_at as deletedAt from messages where id > ? order by id limit ?',
);
const lastIdRow = index.prepare<[], { value: number }>("select value from meta where key = 'last_id'");
const setLastId = index.prepare(
  "insert into meta (key, value) values ('last_id', ?) on conflict (key) do update set value = excluded.value",
);
const del = index.prepare('delete from messages_fts where rowid = ?');
const ins = index.prepare('insert into messages_fts (rowid, body) values (?, ?)');
let lastId = lastIdRow.get()?.value ?? 0;

/** Indexes every message stored since the last round; returns how many it read. */
function poll(): number {
  const rows = newer.all(lastId, BATCH);
  if (rows.length === 0) return 0;
  index.transaction(() => {
    for (const r of rows) if (r.deletedAt === null) ins.run(r.id, stemWords(r.text).join(' '));
    lastId = rows[rows.length - 1]!.id;
    setLastId.run(lastId);
  })();
  return rows.length;
}

/** Re-indexes changed messages that were indexed already (newer ones are read with their current text by `poll`). */
function changed(items: { id: number; text: string | null }[]): void {
  index.transaction(() => {
    for (const it of items) {
      if (it.id > lastId) continue;
      del.run(it.id);
      if (it.text !== null) ins.run(it.id, stemWords(it.text).join(' '));
    }
  })();
}

/**
 * Copies the write-ahead log back into the database in the background: PASSIVE checkpoints never
 * block a writer, so commits (and the acknowledgements behind them) do not wait for disk syncs.
 */
const checkpoints = setInterval(() => {
  try {
    main.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort!.postMessage({ type: 'error', message: (err as Error).message });
  }
}, CHECKPOINT_MS);

const timer = setInterval(() => {
  try {
    poll();
  } catch (err) {
    parentPort!.postMessage({ type: 'error', message: (err as Error).message });
  }
}, POLL_MS);

parentPort!.on('message', (req: IndexerRequest) => {
  try {
    if (req.type === 'changed') changed(req.items);
    else if (req.type === 'drain') {
      while (poll() > 0);
      parentPort!.postMessage({ type: 'drained', token: req.token });
    } else if (req.type === 'stop') {
      clearInterval(timer);
      clearInterval(checkpoints);
      while (poll() > 0);
      main.pragma('wal_checkpoint(TRUNCATE)');
      main.close();
      index.close();
      parentPort!.postMessage({ type: 'stopped' });
    }
  } catch (err) {
    parentPort!.postMessage({ type: 'error', message: (err as Error).message });
  }
});
