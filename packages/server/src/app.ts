import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import rateLimit from '@fastify/rate-limit';
import secureJson from 'secure-json-parse';
import type { Logger } from 'pino';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { API_PREFIX, type ErrorBody, type HealthResponse, type ServerEnv, statusOf } from '@parta/protocol';
import { AppError } from './domain/errors.js';
import { authService, type Authenticated } from './domain/auth.service.js';
import { directoryService } from './domain/directory.service.js';
import { ChatCache } from './domain/chat-cache.js';
import { chatContext } from './domain/chat-context.js';
import { chatsService } from './domain/chats.service.js';
import { membersService } from './domain/members.service.js';
import { messagesService } from './domain/messages.service.js';
import { moderationService } from './domain/moderation.service.js';
import { presenceService } from './domain/presence.service.js';
import { Delivery, type Sender } from './domain/delivery.js';
import { actionLimits, frameBudgetOptions, perMinute, RateLimiter } from './domain/rate-limit.js';
import { searchService } from './domain/search.service.js';
import { chatRepo } from './storage/chat.repo.js';
import { messageRepo } from './storage/message.repo.js';
import { moderationRepo } from './storage/moderation.repo.js';
import { messageCommitter } from './storage/message.store.js';
import { searchRepo } from './storage/search.repo.js';
import { startSearchIndexer } from './storage/search-index.js';
import { startCheckpointer } from './storage/wal-checkpoint.js';
import { rosterRepo } from './storage/roster.repo.js';
import { chatRoutes } from './transport/http/chat.routes.js';
import { createDomainEvents } from './domain/events.js';
import { directoryRepo } from './storage/directory.repo.js';
import { sessionRepo } from './storage/session.repo.js';
import type { Store } from './storage/store.js';
import { authRoutes } from './transport/http/auth.routes.js';
import { directoryRoutes } from './transport/http/directory.routes.js';
import { webRoutes, type WebClient } from './transport/http/web.routes.js';
import { webDir } from './config.js';
import { readDemoSummary } from './seed/demo.js';
import { BODY_LIMIT_BYTES, toWireError } from './transport/http/errors.js';
import { createMetrics, metricsRoute, startMetricsListener, type MetricsListener } from './transport/metrics.js';
import { contentSecurityPolicy, installSecurityHeaders, staticSecurityHeaders } from './transport/http/security-headers.js';
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
  /** Every API route (method and URL pattern) and `/metrics`, for tests that must cover them all; not the web client's files. */
  readonly routes: readonly { method: string; url: string }[];
  /** The search index, drained by `close` (tests drain it to search at once). */
  readonly search: { drain(): Promise<void> };
  /** Brings the roster-managed chats of every school of a region in step with the roster. */
  syncRosterChats(regionCode: string): Promise<{ created: number; added: number; removed: number; changed: number }>;
  /** Starts listening; resolves to the bound address, e.g. `http://127.0.0.1:8080`. */
  listen(): Promise<string>;
  /** The separate metrics listener's address once listening (`PARTA_METRICS_PORT`), else null. */
  metricsUrl(): string | null;
  /** Stops accepting, drains sockets and requests. The store stays open: its owner closes it. */
  close(): Promise<void>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes that never became a request (broken framing, oversized headers) are answered in the API's error shape. */
function answerClientError(err: Error & { code?: string }, socket: Duplex, securityHeaders: string): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  const body: ErrorBody =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? { error: { code: 'payload_too_large', message: 'the request headers are larger than allowed' } }
      : { error: { code: 'validation_failed', message: 'the request is not valid HTTP/1.1' } };
  const status = statusOf(body.error.code);
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n${securityHeaders}` +
      `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

/** Builds the HTTP API, the WebSocket gateway and metrics over a migrated store. */
export async function createApp(deps: AppDeps): Promise<Parta> {
  const { env, store, log } = deps;
  const securityHeaders = staticSecurityHeaders({ publicUrl: env.PARTA_PUBLIC_URL, hstsMaxAgeSec: env.PARTA_HSTS_MAX_AGE_SEC });
  // Answers written straight to the socket, before any request exists, carry the same headers.
  const rawSecurityHeaders = [...securityHeaders, ['content-security-policy', contentSecurityPolicy(undefined)]]
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const app = Fastify({
    // Widen pino's Logger so the instance type matches the FastifyInstance that routes are written against.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: log as FastifyBaseLogger,
    // One log line per lifecycle change, not per request: requests are counted in /metrics.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Bad percent-encoding and over-long path parameters answer in the API's error shape too.
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      const wire = toWireError(error);
      void reply.code(wire.status).send(wire.body);
    },
    clientErrorHandler: (err, socket) => answerClientError(err, socket, rawSecurityHeaders),
  });
  installSecurityHeaders(app.server, securityHeaders);
  const metrics = createMetrics();
  const events = createDomainEvents();
  const sessions = sessionRepo(store);
  const auth = authService({
    repo: sessions,
    events,
    devLogin: env.PARTA_DEV_LOGIN,
    demoLogins: async () => (await readDemoSummary(store))?.logins ?? [],
  });
  const directory = directoryService({ repo: directoryRepo(store) });

  // JSON bodies: strict UTF-8 (a bad byte is an error, not a silent U+FFFD) and no prototype poisoning.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
    const buf = body;
    if (buf.length === 0) return done(new AppError('malformed_json', 'the body is empty; send a JSON object'));
    let text: string;
    try {
      text = utf8.decode(buf as Buffer);
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
      reply.header('retry-after', Number(wire.body.error.details?.retryAfterSeconds ?? 60));
    }
    void reply.code(wire.status).send(wire.body);
  });
  // Every route's path as a pattern, so that a known path asked with an undefined method is a 405, not a 404.
  const routes: { method: string; path: RegExp }[] = [];
  const registered: { method: string; url: string }[] = [];
  app.addHook('onRoute', (route) => {
    const pattern = route.url
      .split('/')
      .map((s) => (s.startsWith(':') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    const api = route.url.startsWith(`${API_PREFIX}/`) || route.url === '/metrics';
    for (const method of [route.method].flat()) {
      routes.push({ method, path: new RegExp(`^${pattern}$`) });
      if (api) registered.push({ method, url: route.url });
    }
  });
  // Set once the web client's routes are in (below); a browser's navigation to a client-side route gets its page.
  let web: WebClient | null = null;
  app.setNotFoundHandler((request, reply) => {
    if (web?.fallback(request, reply)) return;
    const path = request.url.split('?')[0]!;
    const allow = [...new Set(routes.filter((r) => r.path.test(path)).map((r) => r.method))];
    if (allow.length > 0) {
      void reply
        .code(405)
        .header('allow', allow.join(', '))
        .send({
          error: { code: 'method_not_allowed', message: `${request.method} is not defined for ${path}; use ${allow.join(', ')}` },
        });
      return;
    }
    void reply.code(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${path}` } });
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
    // The scheme is case-insensitive (RFC 9110 §11.1).
    if (!header || !/^bearer /i.test(header)) return null;
    return auth.authenticate(header.slice('Bearer '.length).trim());
  };

  app.get(`${API_PREFIX}/health`, async (_req, reply): Promise<HealthResponse> => {
    const ok = await store.ping();
    reply.code(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'unavailable' };
  });
  metricsRoute(app, metrics.registry, env.PARTA_METRICS_TOKEN);
  const chatsRepo = chatRepo(store);
  const messagesRepo = messageRepo(store);
  const dirRepo = directoryRepo(store);
  const loadSender = async (accountId: number): Promise<Sender> => {
    const persons = await dirRepo.personsOfAccount(accountId);
    const personIds = persons.map((p) => p.id);
    return { accountId, personIds, actors: await chatsRepo.actors(personIds) };
  };
  const gateway = createGateway({
    server: app.server,
    path: `${API_PREFIX}/ws`,
    auth,
    events,
    metrics,
    log,
    loadSender,
    heartbeatMs: env.PARTA_WS_HEARTBEAT_SEC * 1000,
    touchSession: (sessionId) => sessions.touchSession(sessionId, Date.now()),
    frameBudget: frameBudgetOptions(env),
    presenceQueryRate: perMinute(env.PARTA_PRESENCE_QUERY_RATE_PER_MIN),
  });
  const onFile = store.raw.dialect === 'sqlite' && store.raw.file !== ':memory:' ? store.raw.file : null;
  const indexer = onFile ? startSearchIndexer(onFile, log) : null;
  // While serving, a thread of its own checkpoints the SQLite log; commits never do.
  const checkpointer = onFile ? startCheckpointer(onFile, log) : null;
  if (checkpointer && store.raw.dialect === 'sqlite') store.raw.db.pragma('wal_autocheckpoint = 0');
  const search = searchService({ repo: searchRepo(store), index: indexer });
  const cache = new ChatCache(chatsRepo);
  const committer = messageCommitter(store);
  const delivery = new Delivery({
    committer,
    cache,
    repo: { names: (ids) => chatsRepo.names(ids), message: (chatId, seq) => messagesRepo.message(chatId, seq) },
    outbox: gateway.outbox,
    limiter: new RateLimiter(env.PARTA_SEND_RATE_PER_SEC, env.PARTA_SEND_RATE_PER_SEC * 3),
    log,
  });
  const rosterRepoInstance = rosterRepo(store);
  const chatCtx = chatContext({
    repo: chatsRepo,
    messageRepo: messagesRepo,
    reportRepo: moderationRepo(store),
    roster: rosterRepoInstance,
    cache,
    delivery,
    outbox: gateway.outbox,
    limits: actionLimits(env),
    onChanged: (items) => search.changed(items),
  });
  const chats = chatsService(chatCtx);
  const messages = messagesService(chatCtx);
  gateway.attach({ messages, presence: presenceService(chatCtx) }, delivery);

  authRoutes(app, authenticate, auth, env.PARTA_LOGIN_RATE_PER_MIN);
  directoryRoutes(app, authenticate, directory, sessions);
  chatRoutes(
    app,
    authenticate,
    { chats, members: membersService(chatCtx), messages, moderation: moderationService(chatCtx) },
    search,
    (who) => loadSender(who.accountId),
  );
  web = await webRoutes(app, { dir: webDir(env), log });

  await app.ready();
  let metricsListener: MetricsListener | null = null;

  return {
    app,
    gateway,
    routes: registered,
    search,
    async syncRosterChats(regionCode) {
      const totals = { created: 0, added: 0, removed: 0, changed: 0 };
      for (const org of await rosterRepoInstance.organizationsOfRegion(regionCode)) {
        const t = await chats.syncRoster(org.id);
        totals.created += t.created;
        totals.added += t.added;
        totals.removed += t.removed;
        totals.changed += t.changed;
      }
      return totals;
    },
    async listen() {
      const url = await app.listen({ port: env.PORT, host: env.HOST });
      if (env.PARTA_METRICS_PORT !== undefined) {
        const access = { token: env.PARTA_METRICS_TOKEN, host: env.PARTA_METRICS_HOST, port: env.PARTA_METRICS_PORT };
        metricsListener = await startMetricsListener({ registry: metrics.registry, access, securityHeaders });
      }
      log.info(
        { metrics: metricsListener?.url ?? null, onMainListener: env.PARTA_METRICS_TOKEN !== undefined },
        metricsListener || env.PARTA_METRICS_TOKEN
          ? 'metrics served'
          : '/metrics is not served: set PARTA_METRICS_PORT (a loopback listener) or PARTA_METRICS_TOKEN',
      );
      return url;
    },
    metricsUrl: () => metricsListener?.url ?? null,
    async close() {
      await metricsListener?.close();
      await gateway.close();
      await app.close();
      await indexer?.stop();
      await checkpointer?.stop();
      await committer.stop();
    },
  };
}
