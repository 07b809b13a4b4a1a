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
import type { DomainEvents } from '../../domain/events.js';
import type { Metrics } from '../metrics.js';
import { issuesOf } from '../http/errors.js';

/** How long a new socket may stay silent before its `session.hello`. */
const HELLO_TIMEOUT_MS = 10_000;
/** Interval of protocol-level pings; a socket that misses one is closed. */
const HEARTBEAT_MS = 30_000;

interface Connection {
  ws: WebSocket;
  auth: Authenticated | null;
  alive: boolean;
  helloTimer: NodeJS.Timeout | null;
}

/** The WebSocket endpoint `/api/v1/ws`: one socket per client, authenticated by its first frame. */
export function createGateway(deps: {
  server: Server;
  path: string;
  auth: AuthService;
  events: DomainEvents;
  metrics: Metrics;
  log: Logger;
}) {
  const { auth, metrics, log } = deps;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_FRAME_BYTES, perMessageDeflate: false });
  const bySession = new Map<number, Set<Connection>>();
  const all = new Set<Connection>();

  function send(conn: Connection, frame: ServerFrame): void {
    if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(JSON.stringify(frame));
  }

  function sendError(conn: Connection, code: ErrorCode, message: string, details?: Record<string, unknown>): void {
    metrics.wsFrames.inc({ type: `error:${code}` });
    send(conn, { type: 'session.error', code, message, ...(details ? { details } : {}) });
  }

  function countStates(): void {
    let authed = 0;
    for (const c of all) if (c.auth) authed++;
    metrics.wsConnections.set({ state: 'authenticated' }, authed);
    metrics.wsConnections.set({ state: 'pending' }, all.size - authed);
  }

  async function handleHello(conn: Connection, token: string): Promise<void> {
    if (conn.auth) return sendError(conn, 'validation_failed', 'this socket is already authenticated');
    const who = await auth.authenticate(token);
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    if (!who) {
      conn.ws.close(WS_CLOSE.unauthenticated, 'unauthenticated');
      return;
    }
    if (conn.helloTimer) clearTimeout(conn.helloTimer);
    conn.helloTimer = null;
    conn.auth = who;
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
      return sendError(conn, 'validation_failed', `invalid ${type} frame`, { issues: issuesOf(parsed.error) });
    }
    const frame = parsed.data;
    metrics.wsFrames.inc({ type: frame.type });
    if (frame.type === 'session.hello') {
      handleHello(conn, frame.token).catch((err: unknown) => {
        log.error({ err }, 'hello failed');
        sendError(conn, 'internal', 'internal error; it has been logged');
      });
      return;
    }
    if (!conn.auth) {
      conn.ws.close(WS_CLOSE.unauthenticated, 'send session.hello first');
      return;
    }
    if (frame.type === 'session.ping') {
      send(conn, { type: 'session.pong', ...(frame.nonce !== undefined ? { nonce: frame.nonce } : {}), serverTime: Date.now() });
    }
  }

  function handleConnection(ws: WebSocket): void {
    const conn: Connection = { ws, auth: null, alive: true, helloTimer: null };
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
      if (conn.auth) {
        const set = bySession.get(conn.auth.sessionId);
        set?.delete(conn);
        if (set?.size === 0) bySession.delete(conn.auth.sessionId);
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
  }, HEARTBEAT_MS);
  heartbeat.unref();

  const onRevoked = ({ sessionIds }: { sessionIds: number[] }) => {
    for (const id of sessionIds) {
      for (const conn of bySession.get(id) ?? []) conn.ws.close(WS_CLOSE.sessionRevoked, 'session revoked');
    }
  };
  deps.events.on('sessionsRevoked', onRevoked);
  deps.server.on('upgrade', handleUpgrade);

  return {
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
      wss.close();
    },
  };
}

/** The WebSocket gateway. */
export type Gateway = ReturnType<typeof createGateway>;
