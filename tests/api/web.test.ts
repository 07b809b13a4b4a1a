import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@parta/testkit';
import { ErrorBody, HealthResponse } from '@parta/protocol';

/**
 * The built web client at `/`: files with their cache policy, pre-compressed siblings, `index.html`
 * for navigations to client-side routes, a 503 page without a build, and an API that is unaffected.
 * Built against a fake build in a temporary directory, so these tests need no real web build.
 */

const INDEX = '<!doctype html><html lang="ru"><head><title>Парта</title></head><body><div id="root"></div></body></html>\n';
const SCRIPT = `console.log(${JSON.stringify('Парта '.repeat(200))});\n`;
const ASSET = '/assets/index-Ab12Cd34.js';

let dir: string;
let server: TestServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'parta-web-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), INDEX);
  writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  const script = path.join(dir, ASSET);
  writeFileSync(script, SCRIPT);
  writeFileSync(`${script}.gz`, gzipSync(SCRIPT));
  writeFileSync(`${script}.br`, brotliCompressSync(SCRIPT));
  server = await startTestServer({ PARTA_WEB_DIR: dir });
});

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * A GET (or `method`) with the given headers; `fetch` decodes the body by its content-encoding.
 * Cache mode `no-cache` keeps `fetch` from adding `cache-control: no-cache` to conditional requests.
 */
async function get(url: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await fetch(url, { method, headers, cache: 'no-cache' });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Asserts an answer is the API's JSON error `code`. */
function expectApiError(answer: { status: number; headers: Headers; text: string }, status: number, code: string): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  expect(ErrorBody.parse(JSON.parse(answer.text)).error.code).toBe(code);
}

describe('a built web client', () => {
  it('serves index.html at / as HTML that is revalidated on every use', async () => {
    for (const accept of ['text/html,application/xhtml+xml,*/*;q=0.8', '*/*']) {
      const res = await get(`${server.url}/`, { accept, 'accept-encoding': 'identity' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.text).toBe(INDEX);
    }
    const head = await get(`${server.url}/`, {}, 'HEAD');
    expect([head.status, head.headers.get('content-type'), head.text]).toEqual([200, 'text/html; charset=utf-8', '']);
  });

  it('answers a revalidation of an unchanged index.html with 304', async () => {
    const first = await get(`${server.url}/`, { 'accept-encoding': 'identity' });
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await get(`${server.url}/`, { 'accept-encoding': 'identity', 'if-none-match': etag! });
    expect(again.status).toBe(304);
  });

  it('serves assets cached for a year as immutable, pre-compressed as the client accepts', async () => {
    const cases: [string, string | null][] = [
      ['br, gzip, deflate', 'br'],
      ['gzip, deflate, br;q=0.5', 'gzip'],
      ['gzip', 'gzip'],
      ['identity', null],
    ];
    for (const [acceptEncoding, encoding] of cases) {
      const res = await get(`${server.url}${ASSET}`, { 'accept-encoding': acceptEncoding });
      expect(res.status, acceptEncoding).toBe(200);
      expect(res.headers.get('content-encoding'), acceptEncoding).toBe(encoding);
      expect(res.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('vary')?.toLowerCase()).toContain('accept-encoding');
      expect(res.text, acceptEncoding).toBe(SCRIPT);
    }
    // The compressed siblings are not pages of their own.
    expectApiError(await get(`${server.url}${ASSET}.br`), 404, 'not_found');
  });

  it('serves other files of the build revalidated, not immutable', async () => {
    const res = await get(`${server.url}/favicon.svg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers a browser navigating to a client-side route with index.html', async () => {
    for (const route of ['/chats/5', '/settings', '/chats/5/messages?seq=3', '/%D1%87%D0%B0%D1%82']) {
      for (const method of ['GET', 'HEAD']) {
        const res = await get(`${server.url}${route}`, { accept: 'text/html,*/*;q=0.8' }, method);
        expect(res.status, `${method} ${route}`).toBe(200);
        expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
        expect(res.headers.get('cache-control')).toBe('no-cache');
        expect(res.text).toBe(method === 'HEAD' ? '' : INDEX);
      }
    }
  });

  it('keeps the JSON 404 for paths that are not navigations, missing assets and anything under /api', async () => {
    expectApiError(await get(`${server.url}/chats/5`), 404, 'not_found');
    expectApiError(await get(`${server.url}/chats/5`, { accept: 'application/json' }), 404, 'not_found');
    expectApiError(await get(`${server.url}/assets/missing-123.js`, { accept: 'text/html' }), 404, 'not_found');
    for (const p of ['/api/v1/nope', '/api/v2/me', '/api', '/api/v1/organizations/1/nope']) {
      expectApiError(await get(`${server.url}${p}`, { accept: 'text/html' }), 404, 'not_found');
    }
    expectApiError(await get(`${server.url}/api/v1/sessions`, { accept: 'text/html' }, 'DELETE'), 405, 'method_not_allowed');
    expectApiError(await get(`${server.url}/chats/5`, { accept: 'text/html' }, 'POST'), 404, 'not_found');
    const post = await get(`${server.url}/`, { accept: 'text/html' }, 'POST');
    expectApiError(post, 405, 'method_not_allowed');
    expect(post.headers.get('allow')).toContain('GET');
  });

  it('leaves the API and /metrics as they are, even asked for HTML', async () => {
    const health = await get(`${server.url}/api/v1/health`, { accept: 'text/html' });
    expect(HealthResponse.parse(JSON.parse(health.text))).toEqual({ status: 'ok' });
    expectApiError(await get(`${server.url}/api/v1/me`, { accept: 'text/html' }), 401, 'unauthenticated');
    // Not served on the main listener without PARTA_METRICS_TOKEN: the API's 404, not the page.
    expectApiError(await get(`${server.url}/metrics`, { accept: 'text/html' }), 404, 'not_found');
  });

  it('keeps the files out of the API route table', () => {
    const urls = server.parta.routes.map((r) => r.url);
    expect(urls.filter((u) => !u.startsWith('/api/v1/') && u !== '/metrics')).toEqual([]);
    expect(urls).not.toContain('/');
  });
});

describe('no built web client', () => {
  const cases: [string, () => string][] = [
    ['a directory that does not exist', () => path.join(tmpdir(), `parta-no-web-${process.pid}-${Date.now()}`)],
    ['an empty directory', () => mkdtempSync(path.join(tmpdir(), 'parta-empty-web-'))],
  ];

  it.each(cases)('answers / and navigations with a 503 page saying how to build, for %s; the API works', async (_what, make) => {
    const webDir = make();
    const s = await startTestServer({ PARTA_WEB_DIR: webDir });
    try {
      for (const [p, accept] of [
        ['/', '*/*'],
        ['/', 'text/html'],
        ['/chats/5', 'text/html'],
      ] as const) {
        const res = await get(`${s.url}${p}`, { accept });
        expect(res.status, p).toBe(503);
        expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(res.text).toContain('web client is not built');
        expect(res.text).toContain('npm run build -w @parta/web');
      }
      expectApiError(await get(`${s.url}/chats/5`), 404, 'not_found');
      expectApiError(await get(`${s.url}/api/v1/nope`, { accept: 'text/html' }), 404, 'not_found');
      expect(await s.client().health()).toEqual({ status: 'ok' });
      const c = await s.login((await s.build.person()).login!);
      expect((await c.sessions()).sessions).toHaveLength(1);
      expect(s.parta.routes.map((r) => r.url)).not.toContain('/');
    } finally {
      await s.close();
      rmSync(webDir, { recursive: true, force: true });
    }
  });
});

describe('the default web directory', () => {
  it('is packages/web/dist of this checkout, whatever the working directory', async () => {
    const dist = fileURLToPath(new URL('../../packages/web/dist/', import.meta.url));
    const s = await startTestServer();
    try {
      const res = await get(`${s.url}/`, { 'accept-encoding': 'identity' });
      if (existsSync(path.join(dist, 'index.html'))) {
        expect(res.status).toBe(200);
        expect(res.text).toBe(readFileSync(path.join(dist, 'index.html'), 'utf8'));
      } else {
        expect(res.status).toBe(503);
      }
    } finally {
      await s.close();
    }
  });
});
