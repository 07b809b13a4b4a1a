import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import type { Message } from '@parta/protocol';
import type { Store } from './store.js';
import type { MessageTable } from './schema.js';
import type { Selectable } from 'kysely';
import { parseReactions, reactionsRecord } from '../model/reactions.js';

/** A message to commit: everything but the position, which the database assigns. */
export interface NewMessage {
  chatId: number;
  senderPersonId: number;
  clientId: string;
  text: string;
  mentions: readonly number[];
  mentionAll: boolean;
  mustAck: boolean;
  /** JSON `ReplyRef`, or null. */
  replyTo: string | null;
  /** JSON `ForwardRef`, or null. */
  forward: string | null;
}

/** The outcome of one commit: where the message landed, or where it had landed before (a retry). */
export interface Committed {
  id: number;
  chatId: number;
  seq: number;
  /** The version the message was created with (for duplicates: not meaningful, the message is not re-sent). */
  version: number;
  createdAt: number;
  duplicate: boolean;
}

/** A stored message row. */
export type MessageRow = Selectable<MessageTable>;

/** Columns of a message row, snake_case, in `MessageRow` order, for raw SQL. */
export const MESSAGE_COLUMNS =
  'id, chat_id as "chatId", seq, version, sender_person_id as "senderPersonId", client_id as "clientId", text, mentions, ' +
  'mention_all as "mentionAll", must_ack as "mustAck", reply_to as "replyTo", forward, reactions, pinned, ' +
  'created_at as "createdAt", edited_at as "editedAt", deleted_at as "deletedAt"';

/** A row as the wire shape. */
export function toMessage(r: MessageRow): Message {
  return {
    id: r.id,
    chatId: r.chatId,
    seq: r.seq,
    version: r.version,
    senderPersonId: r.senderPersonId,
    clientId: r.clientId,
    text: r.text,
    mentions: JSON.parse(r.mentions) as number[],
    mentionAll: r.mentionAll === 1,
    mustAcknowledge: r.mustAck === 1,
    replyTo: r.replyTo === null ? null : (JSON.parse(r.replyTo) as Message['replyTo']),
    forwardedFrom: r.forward === null ? null : (JSON.parse(r.forward) as Message['forwardedFrom']),
    reactions: reactionsRecord(parseReactions(r.reactions)),
    pinned: r.pinned === 1,
    createdAt: r.createdAt,
    editedAt: r.editedAt,
    deletedAt: r.deletedAt,
  };
}

/**
 * The hot path of messaging: commits a batch of sends in ONE transaction (group commit), giving
 * each the next position of its chat inside that transaction. A send whose (chat, client id) is
 * already stored is not stored again; its earlier position is returned.
 */
export interface MessageCommitter {
  commit(items: readonly NewMessage[], now: number): Promise<Committed[]>;
}

/**
 * The committer for the store's engine. On a SQLite file the commits run on their own thread with
 * their own connection: the main thread keeps reading and writing sockets meanwhile, and the
 * sends that arrive during a commit form the next group.
 */
export function messageCommitter(store: Store): MessageCommitter & { stop(): Promise<void> } {
  if (store.raw.dialect === 'postgres') return { ...postgresCommitter(store.raw.pool), stop: async () => {} };
  if (store.raw.file === ':memory:') return { ...sqliteCommitter(store.raw.db), stop: async () => {} };
  return threadCommitter(store.raw.file);
}

function threadCommitter(file: string): MessageCommitter & { stop(): Promise<void> } {
  const worker = new Worker(new URL('./message-commit.worker.js', import.meta.url), { workerData: { file } });
  worker.unref();
  const waiting = new Map<number, { resolve: (c: Committed[]) => void; reject: (e: Error) => void }>();
  let token = 0;
  const failAll = (err: Error) => {
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  worker.on('message', (m: { token: number; ok: true; result: Committed[] } | { token: number; ok: false; error: string }) => {
    const w = waiting.get(m.token);
    waiting.delete(m.token);
    if (m.ok) w?.resolve(m.result);
    else w?.reject(new Error(m.error));
  });
  worker.on('error', (err) => failAll(err));
  worker.on('exit', () => failAll(new Error('the commit thread stopped')));
  return {
    commit(items, now) {
      return new Promise((resolve, reject) => {
        const t = ++token;
        waiting.set(t, { resolve, reject });
        worker.postMessage({ token: t, items, now });
      });
    },
    async stop() {
      await worker.terminate();
    },
  };
}

/** The group commit on a SQLite connection, as a synchronous transaction (used on the commit thread). */
export function sqliteCommitter(
  db: BetterSqlite3.Database,
): MessageCommitter & { commitSync(items: readonly NewMessage[], now: number): Committed[] } {
  const findDup = db.prepare<[number, string], { id: number; seq: number; createdAt: number }>(
    'select id, seq, created_at as createdAt from messages where chat_id = ? and client_id = ?',
  );
  const bump = db.prepare<[number, number], { lastSeq: number; lastVersion: number }>(
    'update chats set last_seq = last_seq + 1, last_version = last_version + 1, last_message_at = ? where id = ? ' +
      'returning last_seq as lastSeq, last_version as lastVersion',
  );
  const insert = db.prepare(
    'insert into messages (chat_id, seq, version, sender_person_id, client_id, text, mentions, mention_all, must_ack, reply_to, forward, created_at) ' +
      'values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const mention = db.prepare('insert or ignore into mentions (chat_id, person_id, seq) values (?, ?, ?)');
  const run = db.transaction((items: readonly NewMessage[], now: number): Committed[] => {
    const out: Committed[] = [];
    for (const m of items) {
      const dup = findDup.get(m.chatId, m.clientId);
      if (dup) {
        out.push({ id: dup.id, chatId: m.chatId, seq: dup.seq, version: dup.seq, createdAt: dup.createdAt, duplicate: true });
        continue;
      }
      const bumped = bump.get(now, m.chatId);
      if (!bumped) throw new Error(`chat ${m.chatId} does not exist`);
      const seq = bumped.lastSeq;
      const info = insert.run(
        m.chatId,
        seq,
        bumped.lastVersion,
        m.senderPersonId,
        m.clientId,
        m.text,
        JSON.stringify(m.mentions),
        m.mentionAll ? 1 : 0,
        m.mustAck ? 1 : 0,
        m.replyTo,
        m.forward,
        now,
      );
      for (const p of m.mentions) mention.run(m.chatId, p, seq);
      out.push({
        id: Number(info.lastInsertRowid),
        chatId: m.chatId,
        seq,
        version: bumped.lastVersion,
        createdAt: now,
        duplicate: false,
      });
    }
    return out;
  });
  return {
    // BEGIN IMMEDIATE: take the write lock first; a deferred read-then-write would fail with SQLITE_BUSY
    // whenever another connection (the main thread's) wrote in between.
    commitSync: (items, now) => run.immediate(items, now),
    async commit(items, now) {
      return run(items, now);
    },
  };
}

function postgresCommitter(pool: pg.Pool): MessageCommitter {
  return {
    async commit(items, now) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        // Retries: find sends already stored.
        const dups = await client.query<{ chatId: number; clientId: string; id: number; seq: number; createdAt: number }>(
          'select m.chat_id as "chatId", m.client_id as "clientId", m.id, m.seq, m.created_at as "createdAt" from messages m ' +
            'join unnest($1::bigint[], $2::text[]) as k(chat_id, client_id) on m.chat_id = k.chat_id and m.client_id = k.client_id',
          [items.map((m) => m.chatId), items.map((m) => m.clientId)],
        );
        const dupByKey = new Map(dups.rows.map((r) => [`${r.chatId}:${r.clientId}`, r]));
        const fresh: NewMessage[] = [];
        const seen = new Set<string>();
        for (const m of items) {
          const key = `${m.chatId}:${m.clientId}`;
          if (dupByKey.has(key) || seen.has(key)) continue;
          seen.add(key);
          fresh.push(m);
        }
        const perChat = new Map<number, number>();
        for (const m of fresh) perChat.set(m.chatId, (perChat.get(m.chatId) ?? 0) + 1);
        const chatIds = [...perChat.keys()].sort((a, b) => a - b);
        const firstSeq = new Map<number, number>();
        const firstVersion = new Map<number, number>();
        if (chatIds.length) {
          // Lock the chats in id order (no deadlocks between nodes), then take positions.
          await client.query('select id from chats where id = any($1::bigint[]) order by id for update', [chatIds]);
          const bumped = await client.query<{ id: number; lastSeq: number; lastVersion: number }>(
            'update chats set last_seq = chats.last_seq + c.n, last_version = chats.last_version + c.n, last_message_at = $3 ' +
              'from unnest($1::bigint[], $2::int[]) as c(id, n) ' +
              'where chats.id = c.id returning chats.id, chats.last_seq as "lastSeq", chats.last_version as "lastVersion"',
            [chatIds, chatIds.map((id) => perChat.get(id)!), now],
          );
          for (const r of bumped.rows) {
            firstSeq.set(r.id, r.lastSeq - perChat.get(r.id)! + 1);
            firstVersion.set(r.id, r.lastVersion - perChat.get(r.id)! + 1);
          }
        }
        const seqs: number[] = [];
        const versions: number[] = [];
        for (const m of fresh) {
          const s = firstSeq.get(m.chatId);
          const v = firstVersion.get(m.chatId);
          if (s === undefined || v === undefined) throw new Error(`chat ${m.chatId} does not exist`);
          firstSeq.set(m.chatId, s + 1);
          firstVersion.set(m.chatId, v + 1);
          seqs.push(s);
          versions.push(v);
        }
        const inserted = fresh.length
          ? await client.query<{ id: number; chatId: number; seq: number }>(
              'insert into messages (chat_id, seq, version, sender_person_id, client_id, text, mentions, mention_all, must_ack, reply_to, forward, created_at) ' +
                'select c, s, v, p, k, t, mn, ma, ak, r, f, $12 from unnest($1::bigint[], $2::int[], $11::int[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::int[], $8::int[], $9::text[], $10::text[]) ' +
                'as x(c, s, v, p, k, t, mn, ma, ak, r, f) returning id, chat_id as "chatId", seq',
              [
                fresh.map((m) => m.chatId),
                seqs,
                fresh.map((m) => m.senderPersonId),
                fresh.map((m) => m.clientId),
                fresh.map((m) => m.text),
                fresh.map((m) => JSON.stringify(m.mentions)),
                fresh.map((m) => (m.mentionAll ? 1 : 0)),
                fresh.map((m) => (m.mustAck ? 1 : 0)),
                fresh.map((m) => m.replyTo),
                fresh.map((m) => m.forward),
                versions,
                now,
              ],
            )
          : { rows: [] };
        const mentionRows = fresh.flatMap((m, i) => m.mentions.map((p) => [m.chatId, p, seqs[i]!] as const));
        if (mentionRows.length) {
          await client.query(
            'insert into mentions (chat_id, person_id, seq) select * from unnest($1::bigint[], $2::bigint[], $3::int[]) on conflict do nothing',
            [mentionRows.map((r) => r[0]), mentionRows.map((r) => r[1]), mentionRows.map((r) => r[2])],
          );
        }
        await client.query('commit');
        const byKey = new Map<string, Committed>();
        for (const r of dups.rows) {
          byKey.set(`${r.chatId}:${r.clientId}`, {
            id: r.id,
            chatId: r.chatId,
            seq: r.seq,
            version: r.seq,
            createdAt: r.createdAt,
            duplicate: true,
          });
        }
        const idBySeq = new Map(inserted.rows.map((r) => [`${r.chatId}:${r.seq}`, r.id]));
        fresh.forEach((m, i) => {
          byKey.set(`${m.chatId}:${m.clientId}`, {
            id: idBySeq.get(`${m.chatId}:${seqs[i]}`)!,
            chatId: m.chatId,
            seq: seqs[i]!,
            version: versions[i]!,
            createdAt: now,
            duplicate: false,
          });
        });
        // A send repeated inside one batch: the first is stored, the rest are acknowledged as duplicates.
        const firstUse = new Set<string>();
        return items.map((m) => {
          const key = `${m.chatId}:${m.clientId}`;
          const c = byKey.get(key)!;
          if (c.duplicate || !firstUse.has(key)) {
            firstUse.add(key);
            return c;
          }
          return { ...c, duplicate: true };
        });
      } catch (err) {
        await client.query('rollback').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
  };
}
