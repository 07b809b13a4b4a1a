/**
 * The SQLite checkpointer, on its own thread at normal priority: every second it copies the
 * write-ahead log back into the database with a PASSIVE checkpoint, which never blocks a writer, so
 * commits (and the acknowledgements behind them) never wait for disk syncs. It is not the search
 * indexer's job: that thread runs at the lowest priority and may wait, the log must stay short.
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';

/** Messages from the main thread. */
export type CheckpointerRequest = { type: 'stop' };

const { file, intervalMs } = workerData as { file: string; intervalMs: number };
const db = new BetterSqlite3(file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');

const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort!.postMessage({ type: 'error', message: (err as Error).message });
  }
}, intervalMs);

parentPort!.on('message', (req: CheckpointerRequest) => {
  if (req.type !== 'stop') return;
  clearInterval(timer);
  try {
    // On the way out the log is emptied: the database file alone holds everything.
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  } catch (err) {
    parentPort!.postMessage({ type: 'error', message: (err as Error).message });
  }
  parentPort!.postMessage({ type: 'stopped' });
});
