import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { ServerFrame } from '@parta/protocol';
import type { Authenticated } from '../../domain/auth.service.js';
import type { Sender } from '../../domain/delivery.js';
import type { OutFrame } from '../../domain/outbox.js';
import { FrameBudget, type FrameBudgetOptions, type TokenBucket } from '../../domain/rate-limit.js';
import type { Metrics } from '../metrics.js';

/** One client socket and what the gateway knows about it. */
export interface Connection {
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
  /**
   * Set the moment the server decides to end the socket (its session was revoked, it flooded, it
   * never said hello): from then on no frame it sends is acted on.
   */
  closing: boolean;
  /** Taken out of the indexes (no more deliveries); set once, by a revocation or the close. */
  detached: boolean;
  /** Its budget over every frame it sends: its own until it signs in, then its session's. */
  budget: FrameBudget;
  /** Its allowance of `presence.query` frames, made at the first one. */
  presenceQueries: TokenBucket | null;
  /** The socket's catch-ups run one after another: the last one queued. */
  syncTail: Promise<void> | null;
  /** Positions queued for catch-up and not yet served. */
  syncWaiting: number;
}

/**
 * How long a socket the server closes may take to answer the close before its connection is torn
 * down: a client that ignores the close frame is gone within this, not after `ws`'s 30 s.
 */
export const CLOSE_GRACE_MS = 500;

/** A fresh, not yet authenticated connection over an upgraded socket. */
export function newConnection(ws: WebSocket, budget: FrameBudgetOptions): Connection {
  const socket = (ws as unknown as { _socket: Connection['socket'] })._socket;
  return {
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
    closing: false,
    detached: false,
    budget: new FrameBudget(budget, Date.now()),
    presenceQueries: null,
    syncTail: null,
    syncWaiting: 0,
  };
}

/**
 * Closes a socket from the server's side: nothing it sends is acted on from now on, and its
 * connection is torn down after `CLOSE_GRACE_MS` whether or not the client answers the close.
 */
export function closeConnection(conn: Connection, code: number, reason: string): void {
  if (conn.closing) return;
  conn.closing = true;
  conn.ws.close(code, reason);
  // Whatever it sends from now on would be read only to be dropped: leave it unread, so that a
  // flooding client meets TCP's back-pressure instead of costing the server CPU until the teardown.
  conn.socket.pause();
  setTimeout(() => conn.ws.terminate(), CLOSE_GRACE_MS).unref();
}

/** Sends one frame to one socket (frames outside the fan-out: replies, errors). */
export function send(conn: Connection, frame: ServerFrame): void {
  if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(JSON.stringify(frame));
}

/** The open sockets, indexed by account and session, and who watches whose presence. */
export function createConnections(metrics: Metrics) {
  const byAccount = new Map<number, Set<Connection>>();
  const bySession = new Map<number, Set<Connection>>();
  const all = new Set<Connection>();
  /** Sockets watching a person's presence (see `PRESENCE_WATCH_MS`). */
  const watchers = new Map<number, Set<Connection>>();

  const registry = {
    byAccount,
    bySession,
    all,
    watchers,
    /** Authenticated sockets, counted as they come and go (not by scanning every socket). */
    authed: 0,

    /** Publishes the socket counts by state. */
    countStates(): void {
      metrics.wsConnections.set({ state: 'authenticated' }, registry.authed);
      metrics.wsConnections.set({ state: 'pending' }, all.size - registry.authed);
    },

    /** Tells the sockets watching these persons that they came online or went offline. */
    presenceChanged(personIds: readonly number[], online: boolean): void {
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
    },

    /**
     * Frame budgets by session, shared by its sockets and kept across reconnects: a client that is
     * closed for flooding does not come back with a full budget. Rested ones are forgotten.
     */
    budgets: new Map<number, FrameBudget>(),

    /**
     * Sessions revoked lately, by when: a hello that was being authenticated while its session was
     * revoked is refused when it finishes (the revocation found no socket to close yet).
     */
    revokedSessions: new Map<number, number>(),

    /**
     * Takes an authenticated socket out of the indexes: nothing more is delivered to it, its presence
     * watches end, and its account goes offline when it was the last. Once per socket.
     */
    detach(conn: Connection): void {
      if (conn.detached) return;
      conn.detached = true;
      registry.unwatchAll(conn);
      if (!conn.auth) return;
      const set = bySession.get(conn.auth.sessionId);
      set?.delete(conn);
      if (set?.size === 0) bySession.delete(conn.auth.sessionId);
      const acc = byAccount.get(conn.auth.accountId);
      acc?.delete(conn);
      if (acc?.size === 0) {
        byAccount.delete(conn.auth.accountId);
        if (conn.sender) registry.presenceChanged(conn.sender.personIds, false);
      }
    },

    /** Stops the socket's presence watches (it closed). */
    unwatchAll(conn: Connection): void {
      for (const personId of conn.watching?.keys() ?? []) {
        const set = watchers.get(personId);
        set?.delete(conn);
        if (set?.size === 0) watchers.delete(personId);
      }
      conn.watching = null;
    },
  };
  return registry;
}

/** The gateway's open sockets. */
export type Connections = ReturnType<typeof createConnections>;
