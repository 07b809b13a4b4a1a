import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';

/** How often the write-ahead log is copied back into the database. */
const CHECKPOINT_MS = 1000;

/** The checkpoint thread, seen from the main thread. */
export interface Checkpointer {
  /** Empties the log into the database and stops the thread. */
  stop(): Promise<void>;
}

/**
 * Starts the checkpoint thread for a SQLite database file. While it runs, no connection should
 * checkpoint on its own (`wal_autocheckpoint = 0`): a checkpoint inside a commit makes that commit,
 * and every acknowledgement waiting for it, as slow as a disk sync.
 */
export function startCheckpointer(file: string, log: Logger): Checkpointer {
  const worker = new Worker(new URL('./wal-checkpoint.worker.js', import.meta.url), {
    workerData: { file, intervalMs: CHECKPOINT_MS },
  });
  worker.unref();
  let stopped: (() => void) | null = null;
  worker.on('message', (m: { type: string; message?: string }) => {
    if (m.type === 'stopped') stopped?.();
    else if (m.type === 'error') log.error({ err: m.message }, 'write-ahead log checkpoint failed');
  });
  worker.on('error', (err) => log.error({ err }, 'checkpoint thread crashed'));
  return {
    stop() {
      return new Promise((resolve) => {
        const finish = () => void worker.terminate().then(() => resolve());
        const timer = setTimeout(finish, 5_000);
        stopped = () => {
          clearTimeout(timer);
          finish();
        };
        worker.postMessage({ type: 'stop' });
      });
    },
  };
}
