#!/usr/bin/env node
// The bare reference server of bench/chat.mjs: the ceiling of this stack on this machine, measured
// in the same run as Parta and driven by the same generator (bench/lib/chat-generator.mjs).
//
// Only `ws` and better-sqlite3, and no other logic: each `message.send` is queued; everything queued
// within ~1 ms is inserted into SQLite in ONE transaction (WAL, synchronous=NORMAL: a group commit);
// then each committed message is serialized once (one JSON.stringify), encoded once as a WebSocket
// frame, and that frame is written to every member's socket, corked so that a socket gets one write
// per batch; the sender gets `message.ack`. No validation beyond membership, no rate limits, no
// search, no catch-up, no heartbeats.
//
// It speaks the subset of Parta's protocol the generator uses:
//   POST /api/v1/auth/dev-login {"login"}    → {"token"}
//   GET  /api/v1/health                      → {"status":"ok"}
//   WS   /api/v1/ws: session.hello {token}   → session.welcome
//                    message.send {chatId, clientId, text} → message.ack to the sender,
//                                                           message.new to every member's sockets
//
// Environment: PORT, HOST (127.0.0.1), REF_DATA (the migrated SQLite file bench/chat.mjs built:
// accounts, persons and chat_members are read from it, read-only), REF_DB (the file it writes its
// messages to), REF_COMMIT = inline | thread (default inline: the transaction runs on the main thread
// between socket reads; `thread` runs it on a worker thread as Parta does), REF_GATHER_MS (1).
import http from 'node:http';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { WebSocketServer } from 'ws';

/** Opens the reference's own message store: one table, the row id as its only index. */
function openMessages(file) {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(
    'create table if not exists messages (id integer primary key, chat_id integer not null, seq integer not null, ' +
      'sender integer not null, client_id text not null, text text not null, created_at integer not null)',
  );
  const insert = db.prepare('insert into messages (chat_id, seq, sender, client_id, text, created_at) values (?, ?, ?, ?, ?, ?)');
  /** Inserts a batch `[chatId, seq, sender, clientId, text][]` in one transaction; returns the first row id. */
  const commit = db.transaction((rows, now) => {
    let first = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const id = Number(insert.run(r[0], r[1], r[2], r[3], r[4], now).lastInsertRowid);
      if (i === 0) first = id;
    }
    return first;
  });
  return { db, commit };
}

if (!isMainThread) {
  // The commit thread (REF_COMMIT=thread): one transaction per batch posted by the main thread.
  const { commit } = openMessages(workerData.file);
  parentPort.on('message', ({ rows, now }) => parentPort.postMessage(commit(rows, now)));
} else {
  main();
}

function main() {
  const port = Number(process.env.PORT ?? 0);
  const host = process.env.HOST ?? '127.0.0.1';
  const dataFile = process.env.REF_DATA;
  const dbFile = process.env.REF_DB;
  const mode = process.env.REF_COMMIT ?? 'inline';
  const gatherMs = Number(process.env.REF_GATHER_MS ?? 1);
  if (!dataFile || !dbFile) throw new Error('REF_DATA and REF_DB are required');
  if (mode !== 'inline' && mode !== 'thread') throw new Error('REF_COMMIT takes inline or thread');

  // Who is who, from the data Parta serves: login → account → person, chat → member accounts.
  const data = new BetterSqlite3(dataFile, { readonly: true, fileMustExist: true });
  const accountByLogin = new Map(data.prepare('select login, id from accounts').raw().all());
  const personByAccount = new Map(data.prepare('select account_id, id from persons where account_id is not null').raw().all());
  const membersByChat = new Map();
  for (const [chatId, accountId] of data
    .prepare('select m.chat_id, p.account_id from chat_members m join persons p on p.id = m.person_id')
    .raw()
    .all()) {
    let set = membersByChat.get(chatId);
    if (!set) membersByChat.set(chatId, (set = new Set()));
    set.add(accountId);
  }
  data.close();

  /** The next position per chat (kept in memory: nothing else writes). */
  const lastSeq = new Map();
  /** Open, authenticated sockets per account. */
  const socketsByAccount = new Map();

  // ---- Frames: encoded once, written corked.
  const corked = [];
  function encode(json) {
    const payload = Buffer.from(json);
    const n = payload.length;
    const h = n < 126 ? 2 : n < 65536 ? 4 : 10;
    const frame = Buffer.allocUnsafe(h + n);
    frame[0] = 0x81;
    if (n < 126) frame[1] = n;
    else if (n < 65536) {
      frame[1] = 126;
      frame.writeUInt16BE(n, 2);
    } else {
      frame[1] = 127;
      frame.writeUInt32BE(0, 2);
      frame.writeUInt32BE(n, 6);
    }
    payload.copy(frame, h);
    return frame;
  }
  function write(conn, bytes) {
    const sock = conn.sock;
    if (sock.destroyed) return;
    if (!conn.corked) {
      conn.corked = true;
      sock.cork();
      corked.push(conn);
    }
    sock.write(bytes);
  }
  function uncorkAll() {
    for (const conn of corked) {
      conn.corked = false;
      if (!conn.sock.destroyed) conn.sock.uncork();
    }
    corked.length = 0;
  }

  // ---- The group commit.
  let queue = [];
  let scheduled = false;
  let committing = false;
  const worker = mode === 'thread' ? new Worker(new URL(import.meta.url), { workerData: { file: dbFile } }) : null;
  const store = mode === 'inline' ? openMessages(dbFile) : null;
  let onCommitted = null;
  if (worker) worker.on('message', (firstId) => onCommitted(firstId));

  function schedule() {
    if (scheduled || committing) return;
    scheduled = true;
    setTimeout(flush, gatherMs);
  }

  function flush() {
    scheduled = false;
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    const now = Date.now();
    const rows = batch.map((s) => {
      const seq = (lastSeq.get(s.chatId) ?? 0) + 1;
      lastSeq.set(s.chatId, seq);
      s.seq = seq;
      return [s.chatId, seq, s.person, s.clientId, s.text];
    });
    if (store) {
      fanOut(batch, store.commit(rows, now), now);
      return;
    }
    committing = true;
    onCommitted = (firstId) => {
      committing = false;
      fanOut(batch, firstId, now);
      // What arrived during the commit has waited long enough: it forms the next group at once.
      if (queue.length && !scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    };
    worker.postMessage({ rows, now });
  }

  function fanOut(batch, firstId, now) {
    for (let i = 0; i < batch.length; i++) {
      const s = batch[i];
      const id = firstId + i;
      write(
        s.conn,
        encode(
          JSON.stringify({
            type: 'message.ack',
            clientId: s.clientId,
            chatId: s.chatId,
            seq: s.seq,
            id,
            createdAt: now,
            duplicate: false,
          }),
        ),
      );
      const frame = encode(
        JSON.stringify({
          type: 'message.new',
          message: {
            id,
            chatId: s.chatId,
            seq: s.seq,
            senderPersonId: s.person,
            clientId: s.clientId,
            text: s.text,
            createdAt: now,
          },
        }),
      );
      for (const accountId of membersByChat.get(s.chatId)) {
        const set = socketsByAccount.get(accountId);
        if (set) for (const conn of set) write(conn, frame);
      }
    }
    uncorkAll();
  }

  // ---- HTTP: sign-in and health.
  const server = http.createServer((req, res) => {
    const answer = (status, body) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (req.method === 'GET' && req.url === '/api/v1/health') return answer(200, { status: 'ok' });
    if (req.method === 'POST' && req.url === '/api/v1/auth/dev-login') {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        let login = null;
        try {
          login = JSON.parse(Buffer.concat(chunks).toString('utf8')).login;
        } catch {
          // answered below
        }
        const accountId = accountByLogin.get(login);
        if (accountId === undefined) return answer(401, { error: { code: 'unauthenticated', message: 'no such login' } });
        answer(200, { token: `ref-${accountId}` });
      });
      return;
    }
    answer(404, { error: { code: 'not_found', message: 'not found' } });
  });

  // ---- WebSocket.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    if (req.url.split('?')[0] !== '/api/v1/ws') return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = { ws, sock: ws._socket, accountId: 0, person: 0, corked: false };
      ws.on('message', (data) => {
        let f;
        try {
          f = JSON.parse(data.toString('utf8'));
        } catch {
          return;
        }
        if (f.type === 'message.send' && conn.accountId !== 0) {
          if (!membersByChat.get(f.chatId)?.has(conn.accountId)) return;
          queue.push({ conn, chatId: f.chatId, person: conn.person, clientId: f.clientId, text: f.text, seq: 0 });
          schedule();
        } else if (f.type === 'session.hello' && conn.accountId === 0) {
          const accountId = typeof f.token === 'string' && f.token.startsWith('ref-') ? Number(f.token.slice(4)) : NaN;
          if (!personByAccount.has(accountId)) return ws.close(4401, 'unauthenticated');
          conn.accountId = accountId;
          conn.person = personByAccount.get(accountId);
          let set = socketsByAccount.get(accountId);
          if (!set) socketsByAccount.set(accountId, (set = new Set()));
          set.add(conn);
          ws.send(
            JSON.stringify({ type: 'session.welcome', accountId, sessionId: accountId, featureLevel: 0, serverTime: Date.now() }),
          );
        }
      });
      ws.on('error', () => {});
      ws.on('close', () => {
        const set = socketsByAccount.get(conn.accountId);
        set?.delete(conn);
        if (set?.size === 0) socketsByAccount.delete(conn.accountId);
      });
    });
  });

  server.listen(port, host, () => {
    process.stdout.write(`reference server on ${host}:${server.address().port} (commit ${mode}, gather ${gatherMs} ms)\n`);
  });
  const stop = () => {
    worker?.terminate();
    store?.db.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
