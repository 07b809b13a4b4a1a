import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import secureJson from 'secure-json-parse';
import type { Logger } from 'pino';
import { API_PREFIX, type HealthResponse, type ServerEnv } from '@parta/protocol';
import { AppError } from './domain/errors.js';
import { authService, type Authenticated } from './domain/auth.service.js';
import { directoryService } from './domain/directory.service.js';
import { createDomainEvents } from './domain/events.js';
import { directoryRepo } from './storage/directory.repo.js';
import { sessionRepo } from './storage/session.repo.js';
import type { Store } from './storage/store.js';
import { authRoutes } from './transport/http/auth.routes.js';
import { directoryRoutes } from './transport/http/directory.routes.js';
import { BODY_LIMIT_BYTES, toWireError } from './transport/http/errors.js';
import { createMetrics } from './transport/metrics.js';
import { createGateway, type Gateway } from './transport/ws/gateway.js';

/** What the server needs from outside: its settings, its database and its logger. */
export interface AppDeps {
  env: ServerEnv;
  store: Store;
  log: Logger;
}

/** A running Parta server. */
export interface Parta {
  readonly app: FastifyInstance;
  readonly gateway: Gateway;
  /** Starts listening; resolves to the bound address, e.g. `http://127.0.0.1:8080`. */
  listen(): Promise<string>;
  /** Stops accepting, drains sockets and requests. The store stays open: its owner closes it. */
  close(): Promise<void>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Builds the HTTP API, the WebSocket gateway and metrics over a migrated store. */
export async function createApp(deps: AppDeps): Promise<Parta> {
  const { env, store, log } = deps;
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    disableRequestLogging: true,
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  const metrics = createMetrics();
  const events = createDomainEvents();
  const sessions = sessionRepo(store);
  const auth = authService({ repo: sessions, events, devLogin: env.PARTA_DEV_LOGIN });
  const directory = directoryService({ repo: directoryRepo(store) });

  // JSON bodies: strict UTF-8 (a bad byte is an error, not a silent U+FFFD) and no prototype poisoning.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
    const buf = body as Buffer;
    if (buf.length === 0) return done(new AppError('malformed_json', 'the body is empty; send a JSON object'));
    let text: string;
    try {
      text = utf8.decode(buf);
    } catch {
      return done(new AppError('invalid_utf8', 'the body is not valid UTF-8'));
    }
    try {
      done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (err) {
      done(new AppError('malformed_json', `the body is not valid JSON: ${(err as Error).message}`));
    }
  });

  app.setErrorHandler((error, request, reply) => {
    const wire = toWireError(error);
    if (wire.reportable) request.log.error({ err: error, url: request.url }, 'unhandled error');
    if (wire.body.error.code === 'rate_limited') {
      reply.header('retry-after', String(wire.body.error.details?.retryAfterSeconds ?? 60));
    }
    void reply.code(wire.status).send(wire.body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, context) =>
      Object.assign(new Error('too many requests'), { statusCode: 429, retryAfterSeconds: Math.ceil(context.ttl / 1000) }),
  });

  const authenticate = async (request: FastifyRequest): Promise<Authenticated | null> => {
    const header = request.headers.authorization;
    if (!header?.startsWith('Bearer ')) return null;
    return auth.authenticate(header.slice('Bearer '.length).trim());
  };

  app.get(`${API_PREFIX}/health`, async (_req, reply): Promise<HealthResponse> => {
    const ok = await store.ping();
    reply.code(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'unavailable' };
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  authRoutes(app, authenticate, auth, env.PARTA_LOGIN_RATE_PER_MIN);
  directoryRoutes(app, authenticate, directory, sessions);

  await app.ready();
  const gateway = createGateway({ server: app.server, path: `${API_PREFIX}/ws`, auth, events, metrics, log });

  return {
    app,
    gateway,
    async listen() {
      return app.listen({ port: env.PORT, host: env.HOST });
    },
    async close() {
      await gateway.close();
      await app.close();
    },
  };
}
