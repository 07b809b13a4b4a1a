import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Hashed build output never changes under its name: cached for a year, never revalidated. */
export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** Everything else (`index.html` above all) is revalidated on every use, so a new build shows at once. */
export const PAGE_CACHE_CONTROL = 'no-cache';

/** Served when there is no built client: the API works, the page says how to build it. */
const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Parta: the web client is not built</title></head>
<body>
<h1>The web client is not built</h1>
<p>Run <code>npm run build -w @parta/web</code> (or <code>npm start</code>, which builds everything), then
restart the server. The API at <code>/api/v1</code> works without it.</p>
</body>
</html>
`;

/** The web client as the rest of the app sees it. */
export interface WebClient {
  /** Whether a built client is served (its `index.html` was there at start). */
  readonly built: boolean;
  /**
   * Answers a browser's navigation to a client-side route (`/chats/5`) with `index.html`, or with
   * the not-built page; false when the request is not such a navigation and must get the API's 404.
   */
  fallback(request: FastifyRequest, reply: FastifyReply): boolean;
}

/**
 * Whether a request is a browser loading a page of the client: a GET or HEAD that accepts HTML,
 * outside the API, the metrics and the build's assets (a missing asset is a 404, not a page).
 */
function isNavigation(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const p = request.url.split('?')[0]!;
  if (p === '/api' || p.startsWith('/api/') || p === '/metrics' || p.startsWith('/assets/')) return false;
  return request.headers.accept?.includes('text/html') ?? false;
}

/** The cache policy of a served file, by its path inside the web directory. */
function cacheControlOf(relative: string): string {
  return relative.startsWith('assets/') ? ASSET_CACHE_CONTROL : PAGE_CACHE_CONTROL;
}

/**
 * Serves the built web client at `/`: every file of `dir` as its own route (the file list is read
 * once at start; a rebuild needs a restart), `.br`/`.gz` siblings sent instead when the client
 * accepts them, and `index.html` for navigations to client-side routes. Without a build, `/` and
 * navigations answer 503 with a page that says how to build it.
 */
export async function webRoutes(app: FastifyInstance, deps: { dir: string; log: Logger }): Promise<WebClient> {
  const { dir, log } = deps;
  const built = existsSync(path.join(dir, 'index.html'));

  const notBuilt = (reply: FastifyReply) =>
    reply.code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);

  if (!built) {
    log.warn({ webDir: dir }, 'the web client is not built: / answers 503 until `npm run build -w @parta/web` and a restart');
    app.get('/', async (_request, reply) => notBuilt(reply));
    return {
      built,
      fallback(request, reply) {
        if (!isNavigation(request)) return false;
        void notBuilt(reply);
        return true;
      },
    };
  }

  await app.register(fastifyStatic, {
    root: dir,
    // One route per file found at start: no catch-all route, so unknown paths keep the API's 404.
    wildcard: false,
    preCompressed: true,
    // The compressed siblings are sent in place of their originals, never under their own names.
    globIgnore: ['**/*.br', '**/*.gz'],
    cacheControl: false,
    setHeaders(res, filePath) {
      const relative = path.relative(dir, filePath).split(path.sep).join('/');
      res.setHeader('cache-control', cacheControlOf(relative));
      // The body depends on Accept-Encoding (a pre-compressed sibling or the original).
      res.setHeader('vary', 'accept-encoding');
    },
  });
  log.info({ webDir: dir }, 'serving the web client');

  // A navigation whose `index.html` vanished after start comes back through the not-found handler.
  const fellBack = new WeakSet<FastifyRequest>();
  return {
    built,
    fallback(request, reply) {
      if (!isNavigation(request)) return false;
      if (fellBack.has(request)) {
        void notBuilt(reply);
        return true;
      }
      fellBack.add(request);
      void reply.sendFile('index.html');
      return true;
    },
  };
}
