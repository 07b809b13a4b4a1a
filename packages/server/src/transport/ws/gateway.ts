import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_WS_FRAME_BYTES, WS_CLOSE } from '@parta/protocol';
import type { AuthService } from '../../domain/auth.service.js';
import type { Delivery, Sender } from '../../domain/delivery.js';
import type { DomainEvents } from '../../domain/events.js';
import type { FrameBudgetOptions, Rate } from '../../domain/rate-limit.js';
import type { Metrics } from '../metrics.js';
import { closeConnection, createConnections, newConnection } from './connection.js';
import { createFanout } from './fanout.js';
import { createFrameRouter, type FrameServices } from './frames.js';

/** How long a new socket may stay silent before its `session.hello`. */
const HELLO_TIMEOUT_MS = 10_000;
/** How long a revoked session is remembered, for hellos that were being authenticated at that moment. */
const REVOKED_MEMORY_MS = 60_000;

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
  /** Each socket's budget over every frame it sends. */
  frameBudget: FrameBudgetOptions;
  /** Each socket's allowance of `presence.query` frames. */
  presenceQueryRate: Rate;
}) {
  const { auth, metrics, log } = deps;
  const connections = createConnections(metrics);
  const { byAccount, bySession, all } = connections;
  const fanout = createFanout({ metrics, byAccount });
  const frames = createFrameRouter({
    auth,
    metrics,
    log,
    loadSender: deps.loadSender,
    connections,
    fanout,
    presenceQueryRate: deps.presenceQueryRate,
  });
  /** "Last seen" writes in flight; shutdown waits for them before the database closes. */
  const touches = new Set<Promise<void>>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_FRAME_BYTES, perMessageDeflate: false });

  function handleConnection(ws: WebSocket): void {
    const conn = newConnection(ws, deps.frameBudget);
    all.add(conn);
    connections.countStates();
    conn.helloTimer = setTimeout(
      () => closeConnection(conn, WS_CLOSE.unauthenticated, 'no session.hello in time'),
      HELLO_TIMEOUT_MS,
    );
    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('message', (data, isBinary) => frames.handleMessage(conn, data, isBinary));
    ws.on('error', (err) => {
      // ws closes the socket itself (1007 bad UTF-8, 1009 too large); this only records why.
      log.debug({ err: err.message }, 'websocket error');
    });
    ws.on('close', () => {
      if (conn.helloTimer) clearTimeout(conn.helloTimer);
      all.delete(conn);
      connections.detach(conn);
      if (conn.auth) {
        connections.authed--;
        const touch = deps
          .touchSession(conn.auth.sessionId)
          .catch((err: unknown) => log.warn({ err }, 'could not record last seen'))
          .finally(() => touches.delete(touch));
        touches.add(touch);
      }
      connections.countStates();
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
    const t = Date.now();
    for (const [sessionId, budget] of connections.budgets)
      if (!bySession.has(sessionId) && budget.isRested(t)) connections.budgets.delete(sessionId);
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

  /**
   * A revoked session's sockets stop at once, before the revoking request is answered: they are
   * taken out of delivery and act on no frame from here on (also not on a send still waiting for
   * its batch: `Delivery` asks `closing` until commit), and they are torn down after a short grace
   * whether or not the client answers the close.
   */
  const onRevoked = ({ sessionIds }: { sessionIds: number[] }) => {
    const t = Date.now();
    const { revokedSessions } = connections;
    for (const [id, at] of revokedSessions) if (at < t - REVOKED_MEMORY_MS) revokedSessions.delete(id);
    for (const id of sessionIds) {
      revokedSessions.set(id, t);
      for (const conn of [...(bySession.get(id) ?? [])]) {
        connections.detach(conn);
        closeConnection(conn, WS_CLOSE.sessionRevoked, 'session revoked');
      }
    }
  };
  deps.events.on('sessionsRevoked', onRevoked);
  deps.server.on('upgrade', handleUpgrade);

  return {
    /** The gateway as the domain's outbox. */
    outbox: fanout.outbox,
    /** Connects the messaging domain (built after the gateway, since it sends through it). */
    attach(services: FrameServices, d: Delivery): void {
      frames.attach(services, d);
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
