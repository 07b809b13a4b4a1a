/**
 * The SQLite commit thread: its own connection to the main database, running the group commit of
 * `message.store.ts` for each batch the main thread posts, and answering with the positions.
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { type NewMessage, sqliteCommitter } from './message.store.js';

const { file } = workerData as { file: string };
const db = new BetterSqlite3(file, { fileMustExist: true });
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');
// Checkpoints run on their own thread (wal-checkpoint.worker.ts), never inside a commit.
db.pragma('wal_autocheckpoint = 0');
const committer = sqliteCommitter(db);

parentPort!.on('message', (req: { token: number; items: NewMessage[]; now: number }) => {
  try {
    parentPort!.postMessage({ token: req.token, ok: true, result: committer.commitSync(req.items, req.now) });
  } catch (err) {
    parentPort!.postMessage({ token: req.token, ok: false, error: (err as Error).message });
  }
});
