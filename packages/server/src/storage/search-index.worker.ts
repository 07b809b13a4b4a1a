/**
 * The SQLite search indexer, on its own thread: it reads new messages from the main database,
 * stems them and writes the FTS5 index in a separate file, so that the send path pays nothing for
 * search. Changes to existing messages (edits, deletes) are posted to it.
 *
 * It works in batches, twice a second, and at the lowest CPU priority: at the ceiling the cores go
 * to committing and delivering, and search catches up when the load drops. What it has indexed is
 * kept as a high-water mark (the last message id) in the index file, so after a restart or a crash
 * it indexes whatever was committed but not yet indexed: a message is late at worst, never missing.
 * Likewise for edits and deletes: the index keeps the time of the latest change it applied, and at
 * start re-indexes every message changed since (a change posted but lost with the process).
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { stemWords } from '../model/stem.js';
import { openSearchIndex } from './search-index.js';

/** Messages from the main thread. */
export type IndexerRequest =
  { type: 'changed'; items: { id: number; text: string | null }[] } | { type: 'drain'; token: number } | { type: 'stop' };

const { mainFile, searchFile } = workerData as { mainFile: string; searchFile: string };
/** How often new messages are picked up: a message is searchable about this long after its commit. */
const POLL_MS = 500;
/** Messages per index transaction (FTS5 writes a segment per transaction: fewer, larger ones are cheaper). */
const BATCH = 5000;
/** Changes this much older than the latest one applied are looked at again at start (clocks, order of posting). */
const RECONCILE_MARGIN_MS = 60_000;
/** The lowest priority (nice 19): the indexer gets the CPU that delivery leaves. */
const NICE = 19;

/** Lowers this thread's CPU priority: on Linux a thread id stands where setpriority() takes a pid. */
function yieldCpu(nice: number): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, nice);
  } catch {
    // Not Linux (no per-thread priority here): the indexer runs at normal priority.
  }
}
yieldCpu(NICE);

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
/** A message as the index needs it. */
interface IndexedRow {
  text: string;
  deletedAt: number | null;
  editedAt: number | null;
}
const current = main.prepare<[number], IndexedRow>(
  'select text, deleted_at as deletedAt, edited_at as editedAt from messages where id = ?',
);
const changedSince = main.prepare<[number, number, number], IndexedRow & { id: number }>(
  'select id, text, deleted_at as deletedAt, edited_at as editedAt from messages ' +
    'where id <= ? and (edited_at >= ? or deleted_at >= ?)',
);
const changedAtRow = index.prepare<[], { value: number }>("select value from meta where key = 'changed_at'");
const setChangedAt = index.prepare(
  "insert into meta (key, value) values ('changed_at', ?) on conflict (key) do update set value = excluded.value",
);
const del = index.prepare('delete from messages_fts where rowid = ?');
const ins = index.prepare('insert into messages_fts (rowid, body) values (?, ?)');
let lastId = lastIdRow.get()?.value ?? 0;
/** The time of the latest edit or delete applied to the index. */
let changedAt = changedAtRow.get()?.value ?? 0;

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

/** Re-indexes one message as the database holds it now (gone or deleted: out of the index). */
function reindex(id: number, row: IndexedRow | undefined): void {
  del.run(id);
  if (!row) return;
  if (row.deletedAt === null) ins.run(id, stemWords(row.text).join(' '));
  changedAt = Math.max(changedAt, row.editedAt ?? 0, row.deletedAt ?? 0);
}

/**
 * Re-indexes changed messages that were indexed already (newer ones are read with their current
 * text by `poll`). The text is read again from the database, so changes applied out of order still
 * leave the latest one in the index.
 */
function changed(items: { id: number }[]): void {
  index.transaction(() => {
    for (const it of items) if (it.id <= lastId) reindex(it.id, current.get(it.id));
    setChangedAt.run(changedAt);
  })();
}

/** At start: re-indexes what changed since the latest change applied, in case it was posted and lost. */
function reconcile(): void {
  const since = changedAt - RECONCILE_MARGIN_MS;
  const rows = changedSince.all(lastId, since, since);
  if (rows.length === 0) return;
  index.transaction(() => {
    for (const r of rows) reindex(r.id, r);
    setChangedAt.run(changedAt);
  })();
}
reconcile();

const timer = setInterval(() => {
  try {
    while (poll() === BATCH);
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
      while (poll() > 0);
      main.close();
      index.close();
      parentPort!.postMessage({ type: 'stopped' });
    }
  } catch (err) {
    parentPort!.postMessage({ type: 'error', message: (err as Error).message });
  }
});
