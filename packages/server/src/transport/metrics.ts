import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ErrorBody } from '@parta/protocol';
import { AppError } from '../domain/errors.js';
import { setSecurityHeaders } from './http/security-headers.js';

/** The server's Prometheus metrics, one registry per server instance. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'parta_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'parta_http_requests_total',
      help: 'HTTP requests answered, by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'parta_http_request_duration_seconds',
      help: 'Time to answer an HTTP request',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    wsConnections: new Gauge({
      name: 'parta_ws_connections',
      help: 'Open WebSocket connections',
      labelNames: ['state'] as const,
      registers: [registry],
    }),
    wsFrames: new Counter({
      name: 'parta_ws_frames_received_total',
      help: 'WebSocket frames received, by type (or error)',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
  };
}

/** The server's Prometheus metrics. */
export type Metrics = ReturnType<typeof createMetrics>;

/** Where `/metrics` is served, from the environment (`PARTA_METRICS_*`). */
export interface MetricsAccess {
  /** Bearer token asked for wherever `/metrics` is served; when set, the main listener serves it too. */
  token: string | undefined;
  /** Port of the separate metrics listener; unset: none. */
  port: number | undefined;
  /** Address of the separate metrics listener. */
  host: string;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Whether an `Authorization` header carries the token; compared in constant time, whatever the lengths. */
export function carriesMetricsToken(header: string | undefined, token: string): boolean {
  const m = header ? /^bearer +(.+)$/i.exec(header.trim()) : null;
  return m !== null && timingSafeEqual(digest(m[1]!), digest(token));
}

const REFUSED = 'GET /metrics needs `Authorization: Bearer <PARTA_METRICS_TOKEN>`';

/**
 * `/metrics` on the main listener, only when a token is set: the public port must not tell anyone
 * how busy the server is, who is online or how much memory it uses. Without a token the route does
 * not exist (404, like any unknown path).
 */
export function metricsRoute(app: FastifyInstance, registry: Registry, token: string | undefined): void {
  if (token === undefined) return;
  app.get('/metrics', async (request, reply) => {
    if (!carriesMetricsToken(request.headers.authorization, token)) {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      throw new AppError('unauthenticated', REFUSED);
    }
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}

/** A listener of its own that serves only `/metrics`. */
export interface MetricsListener {
  /** Its address, e.g. `http://127.0.0.1:9464`. */
  readonly url: string;
  close(): Promise<void>;
}

function answerError(res: ServerResponse, status: number, body: ErrorBody, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, STATUS_CODES[status], {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * Starts the separate metrics listener (`PARTA_METRICS_PORT` on `PARTA_METRICS_HOST`): `GET /metrics`
 * and nothing else, asking for the token too when one is set. Its answers carry the same security
 * headers as the main listener's.
 */
export async function startMetricsListener(deps: {
  registry: Registry;
  access: MetricsAccess & { port: number };
  securityHeaders: readonly [string, string][];
}): Promise<MetricsListener> {
  const { registry, access } = deps;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    setSecurityHeaders(deps.securityHeaders, req, res);
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      answerError(res, 404, {
        error: { code: 'not_found', message: `no route ${req.method} ${path}: this listener serves only GET /metrics` },
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      answerError(
        res,
        405,
        { error: { code: 'method_not_allowed', message: `${req.method} is not defined for /metrics; use GET` } },
        { allow: 'GET, HEAD' },
      );
      return;
    }
    if (access.token !== undefined && !carriesMetricsToken(req.headers.authorization, access.token)) {
      answerError(
        res,
        401,
        { error: { code: 'unauthenticated', message: REFUSED } },
        { 'www-authenticate': 'Bearer realm="metrics"' },
      );
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(text) });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: Error) => {
        answerError(res, 500, { error: { code: 'internal', message: `the metrics could not be collected: ${err.message}` } });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(access.port, access.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
