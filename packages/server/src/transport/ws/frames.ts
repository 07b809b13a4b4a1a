import type { Logger } from 'pino';
import type { RawData } from 'ws';
import {
  ClientFrame,
  CLIENT_FRAME_TYPES,
  compactMessage,
  type ErrorCode,
  FEATURE_LEVEL,
  MAX_SYNC_POSITIONS,
  WS_CLOSE,
} from '@parta/protocol';
import type { AuthService } from '../../domain/auth.service.js';
import type { Delivery, Sender } from '../../domain/delivery.js';
import type { MessagesService } from '../../domain/messages.service.js';
import type { PresenceService } from '../../domain/presence.service.js';
import { AppError } from '../../domain/errors.js';
import { type Rate, rateLimited, TokenBucket } from '../../domain/rate-limit.js';
import { toMessage } from '../../storage/message.store.js';
import type { Metrics } from '../metrics.js';
import { issuesOf, messageTooLong } from '../http/errors.js';
import { closeConnection, type Connection, type Connections, send } from './connection.js';
import { encodeTextFrame, type Fanout } from './fanout.js';

/** Typing notices are passed on at most this often per socket and chat. */
const TYPING_EVERY_MS = 2_000;
/**
 * How long a `presence.query` keeps telling the socket when those persons come online or go
 * offline. Bounded, so that a socket that no longer shares a chat with someone stops hearing of
 * them soon; clients ask again while they show the person.
 */
const PRESENCE_WATCH_MS = 2 * 60_000;
/** The most persons one socket watches at once. */
const MAX_WATCHED = 2_000;
/**
 * Catch-up positions one socket may have waiting (its `chat.sync` frames are served one after
 * another); past this a `chat.sync` is refused with `rate_limited`. Ten full frames: a client with
 * that many chats syncs them all at once.
 */
const MAX_WAITING_SYNC_POSITIONS = 10 * MAX_SYNC_POSITIONS;

/** The services the frames reach, connected after the gateway is built (they send through it). */
export interface FrameServices {
  messages: MessagesService;
  presence: PresenceService;
}

/** Routes client frames to their handlers: parses each against the protocol, answers refusals with `session.error`. */
export function createFrameRouter(deps: {
  auth: AuthService;
  metrics: Metrics;
  log: Logger;
  loadSender: (accountId: number) => Promise<Sender>;
  connections: Connections;
  fanout: Fanout;
  /** Each socket's allowance of `presence.query` frames. */
  presenceQueryRate: Rate;
}) {
  const { auth, metrics, log, connections, fanout } = deps;
  const { byAccount, bySession, watchers } = connections;
  const { writeFrame, rawWrite, flushCorked } = fanout;
  let services: FrameServices | null = null;
  let delivery: Delivery | null = null;

  function sendError(conn: Connection, code: ErrorCode, message: string, details?: Record<string, unknown>): void {
    metrics.wsFrames.inc({ type: `error:${code}` });
    send(conn, { type: 'session.error', code, message, ...(details ? { details } : {}) });
  }

  /** Answers a refusal for a limit with its wait. */
  function sendRateLimited(conn: Connection, what: string, waitMs: number): void {
    const e = rateLimited(what, waitMs);
    sendError(conn, e.code, e.message, e.details);
  }

  async function handleHello(
    conn: Connection,
    token: string,
    sync: { chatId: number; version: number }[] | undefined,
  ): Promise<void> {
    if (conn.auth) return sendError(conn, 'validation_failed', 'this socket is already authenticated');
    const who = await auth.authenticate(token);
    if (conn.closing || conn.ws.readyState !== conn.ws.OPEN) return;
    if (!who) {
      closeConnection(conn, WS_CLOSE.unauthenticated, 'unauthenticated');
      return;
    }
    const sender = await deps.loadSender(who.accountId);
    if (conn.closing || conn.ws.readyState !== conn.ws.OPEN) return;
    // Revoked while this hello was being authenticated: the revocation found no socket to close.
    if (connections.revokedSessions.has(who.sessionId)) {
      closeConnection(conn, WS_CLOSE.unauthenticated, 'unauthenticated');
      return;
    }
    conn.sender = sender;
    // Chats to catch up are held back BEFORE the socket joins live delivery: a message committed
    // meanwhile waits for the catch-up instead of overtaking it.
    if (sync?.length) conn.syncing = new Map(sync.map((p) => [p.chatId, []]));
    let acc = byAccount.get(who.accountId);
    const cameOnline = !acc;
    if (!acc) byAccount.set(who.accountId, (acc = new Set()));
    acc.add(conn);
    if (cameOnline) connections.presenceChanged(sender.personIds, true);
    if (conn.helloTimer) clearTimeout(conn.helloTimer);
    conn.helloTimer = null;
    conn.auth = who;
    connections.authed++;
    let set = bySession.get(who.sessionId);
    if (!set) bySession.set(who.sessionId, (set = new Set()));
    set.add(conn);
    // From here on the session's budget counts this socket's frames: a reconnect does not refill it.
    const kept = connections.budgets.get(who.sessionId);
    if (kept) conn.budget = kept;
    else connections.budgets.set(who.sessionId, conn.budget);
    connections.countStates();
    send(conn, {
      type: 'session.welcome',
      accountId: who.accountId,
      sessionId: who.sessionId,
      featureLevel: FEATURE_LEVEL,
      serverTime: Date.now(),
    });
    if (sync?.length) enqueueSync(conn, sync);
  }

  /** Parses one inbound frame and hands it to its handler. */
  function handleMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    // A socket being closed (its session revoked, say) acts on nothing more, whatever it sends.
    if (conn.closing) return;
    // The budget comes first: a frame over it costs this check and nothing else, not even parsing.
    const verdict = conn.budget.admit(Date.now());
    if (verdict.verdict === 'close') {
      metrics.wsFrames.inc({ type: 'closed:too_many_frames' });
      closeConnection(conn, WS_CLOSE.tooManyFrames, 'too many frames; slow down');
      return;
    }
    if (verdict.verdict === 'refuse') return sendRateLimited(conn, 'frames', verdict.retryAfterMs);
    if (isBinary) {
      closeConnection(conn, WS_CLOSE.unsupportedData, 'binary frames are not supported');
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
      closeConnection(conn, WS_CLOSE.unauthenticated, 'send session.hello first');
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
        delivery!.submit(
          conn.sender!,
          chatId,
          msg,
          (outcome) => {
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
          },
          () => !conn.closing,
        );
        return;
      }
      case 'chat.sync':
        enqueueSync(conn, frame.positions);
        return;
      case 'chat.read':
        run(conn, services!.messages.markRead(conn.sender!, frame.chatId, frame.seq));
        return;
      case 'chat.typing': {
        const t = Date.now();
        conn.lastTyping ??= new Map();
        if (t - (conn.lastTyping.get(frame.chatId) ?? 0) < TYPING_EVERY_MS) return;
        conn.lastTyping.set(frame.chatId, t);
        run(conn, services!.messages.typing(conn.sender!, frame.chatId));
        return;
      }
      case 'presence.query': {
        const t = Date.now();
        conn.presenceQueries ??= new TokenBucket(deps.presenceQueryRate, t);
        const wait = conn.presenceQueries.take(t);
        if (wait > 0) return sendRateLimited(conn, 'presence queries', wait);
        run(
          conn,
          services!.presence.presence(conn.sender!, frame.personIds).then((presence) => {
            if (conn.closing) return;
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
   * Queues a catch-up behind the socket's earlier ones: one socket's catch-ups never run side by side
   * (one at a time is all a client needs, and all a flood of them gets). Live frames of its chats
   * wait from now on until their catch-up is written.
   */
  function enqueueSync(conn: Connection, positions: { chatId: number; version: number }[]): void {
    if (conn.syncWaiting + positions.length > MAX_WAITING_SYNC_POSITIONS)
      return sendRateLimited(conn, `catch-up positions waiting (at most ${MAX_WAITING_SYNC_POSITIONS})`, 1000);
    conn.syncWaiting += positions.length;
    conn.syncing ??= new Map();
    for (const p of positions) if (!conn.syncing.has(p.chatId)) conn.syncing.set(p.chatId, []);
    const work = (conn.syncTail ?? Promise.resolve())
      .then(() => (conn.closing ? undefined : handleSync(conn, positions)))
      .finally(() => {
        conn.syncWaiting -= positions.length;
      });
    conn.syncTail = work.catch(() => undefined);
    run(conn, work);
  }

  /**
   * Catch-up after a reconnect: for each chat, every message created or changed since the client's
   * version, in version order, then `chat.synced`. Live frames for a chat being caught up wait and
   * are released after it, skipping what the catch-up already carried: each change arrives once.
   * Chats the caller is not in are found by one lookup and answered by one `not_found` listing them.
   */
  async function handleSync(conn: Connection, positions: { chatId: number; version: number }[]): Promise<void> {
    conn.syncing ??= new Map();
    for (const p of positions) if (!conn.syncing.has(p.chatId)) conn.syncing.set(p.chatId, []);
    const reachable = await services!.messages.reachableChats(
      conn.sender!,
      positions.map((p) => p.chatId),
    );
    const unknown = [...new Set(positions.filter((p) => !reachable.has(p.chatId)).map((p) => p.chatId))];
    if (unknown.length > 0) {
      // Nothing of these chats is delivered to this socket: there is nothing to hold back.
      for (const id of unknown) conn.syncing?.delete(id);
      const message = unknown.length === 1 ? `chat ${unknown[0]}: chat not found` : `${unknown.length} chats not found`;
      // `chatId` (the first) for clients older than `chatIds`.
      sendError(conn, 'not_found', message, { chatIds: unknown, chatId: unknown[0] });
    }
    for (const p of positions) {
      if (!reachable.has(p.chatId)) continue;
      let through = p.version;
      try {
        const { rows, hasMore } = await services!.messages.changesSince(conn.sender!, p.chatId, p.version);
        for (const row of rows) {
          const type = row.seq > p.version || row.version === row.seq ? 'message.new' : 'message.updated';
          rawWrite(conn, encodeTextFrame(JSON.stringify({ type, message: compactMessage(toMessage(row)) })));
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

  return {
    handleMessage,
    /** Connects the messaging domain (built after the gateway, since it sends through it). */
    attach(s: FrameServices, d: Delivery): void {
      services = s;
      delivery = d;
    },
  };
}

/** The gateway's frame handlers. */
export type FrameRouter = ReturnType<typeof createFrameRouter>;
