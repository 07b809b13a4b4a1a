import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  ClientFrame,
  CLIENT_FRAME_TYPES,
  type ErrorCode,
  FEATURE_LEVEL,
  MAX_WS_FRAME_BYTES,
  type ServerFrame,
  WS_CLOSE,
} from '@parta/protocol';
import type { AuthService, Authenticated } from '../../domain/auth.service.js';
import type { MessagesService } from '../../domain/messages.service.js';
import type { PresenceService } from '../../domain/presence.service.js';
import type { Delivery, Sender } from '../../domain/delivery.js';
import type { DomainEvents } from '../../domain/events.js';
import type { Outbox, OutFrame } from '../../domain/outbox.js';
import { AppError } from '../../domain/errors.js';
import { toMessage } from '../../storage/message.store.js';
import type { Metrics } from '../metrics.js';
import { issuesOf, messageTooLong } from '../http/errors.js';

/** How long a new socket may stay silent before its `session.hello`. */
const HELLO_TIMEOUT_MS = 10_000;
/** A socket with more than this waiting to be written reads too slowly: it is closed and must resync. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Typing notices are passed on at most this often per socket and chat. */
const TYPING_EVERY_MS = 2_000;

interface Connection {
  ws: WebSocket;
  socket: Duplex & { cork(): void; uncork(): void; writableLength: number; destroyed: boolean };
  auth: Authenticated | null;
  sender: Sender | null;
  alive: boolean;
  helloTimer: NodeJS.Timeout | null;
  corked: boolean;
  overflowed: boolean;
  /** Chats being caught up: live frames wait here until the catch-up is written. */
  syncing: Map<number, OutFrame[]> | null;
  /**
   * Per chat, the version a catch-up was written through. A live frame at or below it was in the
   * catch-up already (it was committed before the catch-up read it) and is not sent again.
   */
  caughtUp: Map<number, number> | null;
  lastTyping: Map<number, number> | null;
  /** Persons whose presence this socket asked for, until when it hears of their changes. */
  watching: Map<number, number> | null;
}

/**
 * How long a `presence.query` keeps telling the socket when those persons come online or go
 * offline. Bounded, so that a socket that no longer shares a chat with someone stops hearing of
 * them soon; clients ask again while they show the person.
 */
const PRESENCE_WATCH_MS = 2 * 60_000;
/** The most persons one socket watches at once. */
const MAX_WATCHED = 2_000;

/** Encodes a server text frame once (unmasked, FIN, opcode 1), to be written to many sockets. */
function encodeTextFrame(json: string): Buffer {
  const payload = Buffer.from(json);
  const n = payload.length;
  const headerLength = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + n);
  frame[0] = 0x81;
  if (n < 126) {
    frame[1] = n;
  } else if (n < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(n, 6);
  }
  payload.copy(frame, headerLength);
  return frame;
}

/** The WebSocket endpoint `/api/v1/ws`: one socket per client, authenticated by its first frame. */
export function createGateway(deps: {
  server: Server;
  path: string;
  auth: AuthService;
  events: DomainEvents;
  metrics: Metrics;
  log: Logger;
  /** Loads who an account speaks as (its persons and their roles). */
  loadSender: (accountId: number) => Promise<Sender>;
  /** Interval of protocol-level pings; a socket that misses one is closed. */
  heartbeatMs: number;
  /** Records the moment an account's last socket closed (for "last seen"). */
  touchSession: (sessionId: number) => Promise<void>;
}) {
  const { auth, metrics, log } = deps;
  let chats: (MessagesService & PresenceService) | null = null;
  let delivery: Delivery | null = null;
  const byAccount = new Map<number, Set<Connection>>();
  /** "Last seen" writes in flight; shutdown waits for them before the database closes. */
  const touches = new Set<Promise<void>>();
  const corked: Connection[] = [];
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_FRAME_BYTES, perMessageDeflate: false });
  const bySession = new Map<number, Set<Connection>>();
  const all = new Set<Connection>();
  /** Sockets watching a person's presence (see `PRESENCE_WATCH_MS`). */
  const watchers = new Map<number, Set<Connection>>();

  /** Tells the sockets watching these persons that they came online or went offline. */
  function presenceChanged(personIds: readonly number[], online: boolean): void {
    const t = Date.now();
    for (const personId of personIds) {
      const set = watchers.get(personId);
      if (!set) continue;
      for (const w of set) {
        if ((w.watching?.get(personId) ?? 0) < t) {
          set.delete(w);
          w.watching?.delete(personId);
          continue;
        }
        send(w, { type: 'presence.update', presence: [{ personId, online, lastSeenAt: online ? null : t }] });
      }
      if (set.size === 0) watchers.delete(personId);
    }
  }

  function unwatchAll(conn: Connection): void {
    for (const personId of conn.watching?.keys() ?? []) {
      const set = watchers.get(personId);
      set?.delete(conn);
      if (set?.size === 0) watchers.delete(personId);
    }
    conn.watching = null;
  }

  function send(conn: Connection, frame: ServerFrame): void {
    if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(JSON.stringify(frame));
  }

  function sendError(conn: Connection, code: ErrorCode, message: string, details?: Record<string, unknown>): void {
    metrics.wsFrames.inc({ type: `error:${code}` });
    send(conn, { type: 'session.error', code, message, ...(details ? { details } : {}) });
  }

  /** Authenticated sockets, counted as they come and go (not by scanning every socket). */
  let authed = 0;

  function countStates(): void {
    metrics.wsConnections.set({ state: 'authenticated' }, authed);
    metrics.wsConnections.set({ state: 'pending' }, all.size - authed);
  }

  async function handleHello(
    conn: Connection,
    token: string,
    sync: { chatId: number; version: number }[] | undefined,
  ): Promise<void> {
    if (conn.auth) return sendError(conn, 'validation_failed', 'this socket is already authenticated');
    const who = await auth.authenticate(token);
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    if (!who) {
      conn.ws.close(WS_CLOSE.unauthenticated, 'unauthenticated');
      return;
    }
    const sender = await deps.loadSender(who.accountId);
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    conn.sender = sender;
    // Chats to catch up are held back BEFORE the socket joins live delivery: a message committed
    // meanwhile waits for the catch-up instead of overtaking it.
    if (sync?.length) conn.syncing = new Map(sync.map((p) => [p.chatId, []]));
    let acc = byAccount.get(who.accountId);
    const cameOnline = !acc;
    if (!acc) byAccount.set(who.accountId, (acc = new Set()));
    acc.add(conn);
    if (cameOnline) presenceChanged(sender.personIds, true);
    if (conn.helloTimer) clearTimeout(conn.helloTimer);
    conn.helloTimer = null;
    conn.auth = who;
    authed++;
    let set = bySession.get(who.sessionId);
    if (!set) bySession.set(who.sessionId, (set = new Set()));
    set.add(conn);
    countStates();
    send(conn, {
      type: 'session.welcome',
      accountId: who.accountId,
      sessionId: who.sessionId,
      featureLevel: FEATURE_LEVEL,
      serverTime: Date.now(),
    });
    if (sync?.length) await handleSync(conn, sync);
  }

  function handleMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    if (isBinary) {
      conn.ws.close(WS_CLOSE.unsupportedData, 'binary frames are not supported');
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse((data as Buffer).toString('utf8'));
    } catch {
      return sendError(conn, 'malformed_json', 'the frame is not valid JSON');
    }
    const parsed = ClientFrame.safeParse(json);
    if (!parsed.success) {
      const type = (json as { type?: unknown } | null)?.type;
      if (typeof type !== 'string' || !(CLIENT_FRAME_TYPES as string[]).includes(type)) {
        return sendError(conn, 'validation_failed', `unknown frame type; expected one of ${CLIENT_FRAME_TYPES.join(', ')}`, {
          issues: [{ path: 'type', message: 'unknown frame type' }],
        });
      }
      const tooLong = messageTooLong(parsed.error);
      if (tooLong) return sendError(conn, tooLong.code, tooLong.message, tooLong.details);
      return sendError(conn, 'validation_failed', `invalid ${type} frame`, { issues: issuesOf(parsed.error) });
    }
    const frame = parsed.data;
    metrics.wsFrames.inc({ type: frame.type });
    if (frame.type === 'session.hello') {
      handleHello(conn, frame.token, frame.sync).catch((err: unknown) => {
        log.error({ err }, 'hello failed');
        sendError(conn, 'internal', 'internal error; it has been logged');
      });
      return;
    }
    if (!conn.auth) {
      conn.ws.close(WS_CLOSE.unauthenticated, 'send session.hello first');
      return;
    }
    switch (frame.type) {
      case 'session.ping':
        send(conn, {
          type: 'session.pong',
          ...(frame.nonce !== undefined ? { nonce: frame.nonce } : {}),
          serverTime: Date.now(),
        });
        return;
      case 'message.send': {
        const { type: _t, chatId, ...msg } = frame;
        delivery!.submit(conn.sender!, chatId, msg, (outcome) => {
          if (outcome.ok) {
            writeFrame(conn, { json: JSON.stringify({ type: 'message.ack', ...outcome.ack }), chatId: 0, version: 0 });
          } else {
            writeFrame(conn, {
              json: JSON.stringify({
                type: 'message.rejected',
                clientId: msg.clientId,
                chatId,
                code: outcome.code,
                message: outcome.message,
                ...(outcome.retryAfterMs !== undefined ? { retryAfterMs: outcome.retryAfterMs } : {}),
              }),
              chatId: 0,
              version: 0,
            });
          }
        });
        return;
      }
      case 'chat.sync':
        run(conn, handleSync(conn, frame.positions));
        return;
      case 'chat.read':
        run(conn, chats!.markRead(conn.sender!, frame.chatId, frame.seq));
        return;
      case 'chat.typing': {
        const t = Date.now();
        conn.lastTyping ??= new Map();
        if (t - (conn.lastTyping.get(frame.chatId) ?? 0) < TYPING_EVERY_MS) return;
        conn.lastTyping.set(frame.chatId, t);
        run(conn, chats!.typing(conn.sender!, frame.chatId));
        return;
      }
      case 'presence.query':
        run(
          conn,
          chats!.presence(conn.sender!, frame.personIds).then((presence) => {
            // Those the caller may see: their changes are pushed to this socket for a while.
            const until = Date.now() + PRESENCE_WATCH_MS;
            conn.watching ??= new Map();
            for (const p of presence) {
              if (!conn.watching.has(p.personId) && conn.watching.size >= MAX_WATCHED) break;
              conn.watching.set(p.personId, until);
              let set = watchers.get(p.personId);
              if (!set) watchers.set(p.personId, (set = new Set()));
              set.add(conn);
            }
            send(conn, { type: 'presence.update', presence });
          }),
        );
        return;
    }
  }

  /** Runs a frame's async work; a domain refusal becomes a `session.error`, anything else is logged. */
  function run(conn: Connection, work: Promise<unknown>): void {
    work.catch((err: unknown) => {
      if (err instanceof AppError) return sendError(conn, err.code, err.message, err.details);
      log.error({ err }, 'websocket frame failed');
      sendError(conn, 'internal', 'internal error; it has been logged');
    });
  }

  /**
   * Catch-up after a reconnect: for each chat, every message created or changed since the client's
   * version, in version order, then `chat.synced`. Live frames for a chat being caught up wait and
   * are released after it, skipping what the catch-up already carried: each change arrives once.
   */
  async function handleSync(conn: Connection, positions: { chatId: number; version: number }[]): Promise<void> {
    conn.syncing ??= new Map();
    for (const p of positions) if (!conn.syncing.has(p.chatId)) conn.syncing.set(p.chatId, []);
    for (const p of positions) {
      let through = p.version;
      try {
        const { rows, hasMore } = await chats!.changesSince(conn.sender!, p.chatId, p.version);
        for (const row of rows) {
          const type = row.seq > p.version || row.version === row.seq ? 'message.new' : 'message.updated';
          rawWrite(conn, encodeTextFrame(JSON.stringify({ type, message: toMessage(row) })));
          through = Math.max(through, row.version);
        }
        rawWrite(
          conn,
          encodeTextFrame(JSON.stringify({ type: 'chat.synced', chatId: p.chatId, throughVersion: through, hasMore })),
        );
      } catch (err) {
        if (err instanceof AppError) sendError(conn, err.code, `chat ${p.chatId}: ${err.message}`, { chatId: p.chatId });
        else throw err;
      } finally {
        (conn.caughtUp ??= new Map()).set(p.chatId, Math.max(through, conn.caughtUp?.get(p.chatId) ?? 0));
        const waiting = conn.syncing?.get(p.chatId) ?? [];
        conn.syncing?.delete(p.chatId);
        for (const f of waiting) if (f.version > through) writeFrame(conn, f);
        flushCorked();
      }
    }
    if (conn.syncing?.size === 0) conn.syncing = null;
  }

  /** Writes a frame to one socket, holding it back while its chat is being caught up. */
  function writeFrame(conn: Connection, frame: OutFrame): void {
    if (frame.chatId !== 0) {
      if (conn.syncing?.has(frame.chatId)) {
        conn.syncing.get(frame.chatId)!.push(frame);
        return;
      }
      if (conn.caughtUp !== null && frame.version <= (conn.caughtUp.get(frame.chatId) ?? 0)) return;
    }
    frame.encoded ??= encodeTextFrame(frame.json);
    rawWrite(conn, frame.encoded as Buffer);
  }

  /** Writes bytes to a socket, corked until the end of this batch; closes sockets that fall too far behind. */
  function rawWrite(conn: Connection, bytes: Buffer): void {
    const sock = conn.socket;
    if (conn.overflowed || sock.destroyed || conn.ws.readyState !== conn.ws.OPEN) return;
    if (!conn.corked) {
      sock.cork();
      conn.corked = true;
      corked.push(conn);
    }
    sock.write(bytes);
    if (sock.writableLength > MAX_BUFFERED_BYTES) {
      conn.overflowed = true;
      metrics.wsFrames.inc({ type: 'overflow' });
      // The client reconnects and syncs from its last version: nothing is lost, nobody else waits.
      setImmediate(() => {
        conn.ws.close(WS_CLOSE.tooSlow, 'too slow; reconnect and sync');
        setTimeout(() => conn.ws.terminate(), 1_000).unref();
      });
    }
  }

  function flushCorked(): void {
    for (const conn of corked) {
      conn.corked = false;
      if (!conn.socket.destroyed) conn.socket.uncork();
    }
    corked.length = 0;
  }

  /** The gateway as the domain's outbox. */
  const outbox: Outbox = {
    deliver(accountIds, frame) {
      for (const a of accountIds) {
        const set = byAccount.get(a);
        if (set) for (const conn of set) writeFrame(conn, frame);
      }
    },
    flush: flushCorked,
    isOnline: (accountId) => byAccount.has(accountId),
  };

  function handleConnection(ws: WebSocket): void {
    const socket = (ws as unknown as { _socket: Connection['socket'] })._socket;
    const conn: Connection = {
      ws,
      socket,
      auth: null,
      sender: null,
      alive: true,
      helloTimer: null,
      corked: false,
      overflowed: false,
      syncing: null,
      caughtUp: null,
      watching: null,
      lastTyping: null,
    };
    all.add(conn);
    countStates();
    conn.helloTimer = setTimeout(() => ws.close(WS_CLOSE.unauthenticated, 'no session.hello in time'), HELLO_TIMEOUT_MS);
    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('message', (data, isBinary) => handleMessage(conn, data, isBinary));
    ws.on('error', (err) => {
      // ws closes the socket itself (1007 bad UTF-8, 1009 too large); this only records why.
      log.debug({ err: err.message }, 'websocket error');
    });
    ws.on('close', () => {
      if (conn.helloTimer) clearTimeout(conn.helloTimer);
      all.delete(conn);
      unwatchAll(conn);
      if (conn.auth) {
        authed--;
        const set = bySession.get(conn.auth.sessionId);
        set?.delete(conn);
        if (set?.size === 0) bySession.delete(conn.auth.sessionId);
        const acc = byAccount.get(conn.auth.accountId);
        acc?.delete(conn);
        if (acc?.size === 0) {
          byAccount.delete(conn.auth.accountId);
          if (conn.sender) presenceChanged(conn.sender.personIds, false);
        }
        const touch = deps
          .touchSession(conn.auth.sessionId)
          .catch((err: unknown) => log.warn({ err }, 'could not record last seen'))
          .finally(() => touches.delete(touch));
        touches.add(touch);
      }
      countStates();
    });
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = req.url ?? '';
    const pathname = url.split('?')[0];
    if (pathname !== deps.path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => handleConnection(ws));
  }

  const heartbeat = setInterval(() => {
    for (const conn of all) {
      if (!conn.alive) {
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      conn.ws.ping();
    }
  }, deps.heartbeatMs);
  heartbeat.unref();

  const onRevoked = ({ sessionIds }: { sessionIds: number[] }) => {
    for (const id of sessionIds) {
      for (const conn of bySession.get(id) ?? []) conn.ws.close(WS_CLOSE.sessionRevoked, 'session revoked');
    }
  };
  deps.events.on('sessionsRevoked', onRevoked);
  deps.server.on('upgrade', handleUpgrade);

  return {
    outbox,
    /** Connects the messaging domain (built after the gateway, since it sends through it). */
    attach(c: { messages: MessagesService; presence: PresenceService }, d: Delivery): void {
      chats = { ...c.messages, ...c.presence };
      delivery = d;
    },
    /** Number of open sockets. */
    get size(): number {
      return all.size;
    },
    /** Stops accepting sockets and closes the open ones with 1001 so clients reconnect elsewhere. */
    async close(): Promise<void> {
      clearInterval(heartbeat);
      deps.server.off('upgrade', handleUpgrade);
      deps.events.off('sessionsRevoked', onRevoked);
      const closed = [...all].map(
        (c) =>
          new Promise<void>((resolve) => {
            c.ws.once('close', () => resolve());
            c.ws.close(WS_CLOSE.goingAway, 'server shutting down');
            setTimeout(() => {
              c.ws.terminate();
              resolve();
            }, 2_000).unref();
          }),
      );
      await Promise.all(closed);
      await Promise.all(touches);
      wss.close();
    },
  };
}

/** The WebSocket gateway. */
export type Gateway = ReturnType<typeof createGateway>;
