import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@parta/testkit';
import { ErrorBody } from '@parta/protocol';
import { parseEnv } from '@parta/server';

/**
 * What a browser and an operator get besides the API's bodies: the security headers on every answer
 * (page, assets, API, errors, the not-built page, answers to broken HTTP), HSTS only behind HTTPS,
 * `/metrics` only on its own listener or behind a token, and a development login whose refusal
 * does not tell which logins exist.
 */

const INDEX = '<!doctype html><html lang="ru"><head><title>Парта</title></head><body><div id="root"></div></body></html>\n';
const ASSET = '/assets/index-Ab12Cd34.js';
const TOKEN = 'metrics-token-0123456789abcdef';

let dir: string;
/** A built client (fake build), no metrics settings, no public URL: the defaults. */
let server: TestServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'parta-web-security-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), INDEX);
  writeFileSync(path.join(dir, ASSET), 'console.log("Парта");\n');
  server = await startTestServer({ PARTA_WEB_DIR: dir });
});

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function request(url: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
  const res = await fetch(url, { cache: 'no-cache', ...init });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The Content-Security-Policy as directive → sources. */
function directives(csp: string | null): Record<string, string[]> {
  expect(csp, 'no content-security-policy header').toBeTruthy();
  return Object.fromEntries(
    csp!
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

/** Asserts the headers every answer of the server carries, for a browser that asked for `host`. */
function expectSecurityHeaders(headers: Headers, host: string): void {
  const csp = directives(headers.get('content-security-policy'));
  expect(csp).toMatchObject({
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'img-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    'connect-src': ["'self'", `ws://${host}`, `wss://${host}`],
  });
  expect(
    Object.values(csp)
      .flat()
      .filter((s) => /unsafe|\*|data:|blob:/.test(s)),
  ).toEqual([]);
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('referrer-policy')).toBe('no-referrer');
  expect(headers.get('x-frame-options')).toBe('DENY');
  expect(headers.get('cross-origin-opener-policy')).toBe('same-origin');
  expect(headers.get('cross-origin-resource-policy')).toBe('same-origin');
  const permissions = headers.get('permissions-policy')?.split(/,\s*/) ?? [];
  expect(permissions).toEqual(expect.arrayContaining(['camera=()', 'microphone=()', 'geolocation=()', 'display-capture=()']));
}

/** Sends raw bytes over TCP and reads the whole answer (every request here asks the server to close). */
function rawHttp(url: string, request: string): Promise<{ status: number; headers: Headers }> {
  const { port, hostname } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = ''] = Buffer.concat(chunks).toString('utf8').split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = new Headers();
      for (const line of lines) {
        const at = line.indexOf(':');
        headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim());
      }
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0), headers });
    });
    socket.write(request);
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer within 5 s')));
  });
}

describe('security headers', () => {
  it('are on the page, its assets, API answers and every kind of API error', async () => {
    const host = new URL(server.url).host;
    const json = { 'content-type': 'application/json' };
    const cases: [string, string, RequestInit & { headers?: Record<string, string> }, number][] = [
      ['the page', '/', { headers: { accept: 'text/html' } }, 200],
      ['a navigation to a client-side route', '/chats/5', { headers: { accept: 'text/html' } }, 200],
      ['an asset', ASSET, {}, 200],
      ['a HEAD of the page', '/', { method: 'HEAD' }, 200],
      ['an API answer', '/api/v1/health', {}, 200],
      ['a missing asset', '/assets/nope.js', {}, 404],
      ['an unknown API route', '/api/v1/nope', { headers: { accept: 'text/html' } }, 404],
      ['an undefined method', '/api/v1/sessions', { method: 'PUT' }, 405],
      ['no token', '/api/v1/me', {}, 401],
      ['malformed JSON', '/api/v1/auth/dev-login', { method: 'POST', headers: json, body: '{' }, 400],
      ['a refused login', '/api/v1/auth/dev-login', { method: 'POST', headers: json, body: '{"login":"nobody"}' }, 401],
      ['a broken percent-encoding', '/api/v1/%E0%A4%A', {}, 400],
    ];
    for (const [what, url, init, status] of cases) {
      const res = await request(`${server.url}${url}`, init);
      expect(res.status, `${what}: ${res.text}`).toBe(status);
      expectSecurityHeaders(res.headers, host);
      expect(res.headers.get('strict-transport-security'), what).toBeNull();
    }
  });

  it('are on answers to bytes that never became a request', async () => {
    const res = await rawHttp(server.url, 'HELLO THERE\r\n\r\n');
    expect(res.status).toBe(400);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(directives(res.headers.get('content-security-policy'))).toMatchObject({
      'default-src': ["'self'"],
      'frame-ancestors': ["'none'"],
      'connect-src': ["'self'"],
    });
  });

  it('are on the 503 that Fastify writes by itself for a request finished while the server shuts down', async () => {
    const s = await startTestServer();
    const { port } = new URL(s.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    try {
      await new Promise((resolve) => socket.once('connect', resolve));
      const chunks: Buffer[] = [];
      socket.on('data', (d: Buffer) => chunks.push(d));
      const answered = new Promise((resolve) => socket.once('data', resolve));
      // A request under way (its headers not finished) when the shutdown begins.
      socket.write(`GET /api/v1/health HTTP/1.1\r\nHost: ${s.url.slice('http://'.length)}\r\n`);
      const closing = s.parta.close();
      await expect.poll(() => s.parta.app.server.listening).toBe(false);
      socket.write('\r\n');
      await answered;
      const head = Buffer.concat(chunks).toString('utf8').split('\r\n\r\n')[0]!;
      expect(head).toMatch(/^HTTP\/1\.1 503 /);
      expect(head).toContain('x-content-type-options: nosniff');
      expect(head).toContain("content-security-policy: default-src 'self'");
      socket.destroy();
      await closing;
    } finally {
      socket.destroy();
      await s.store.close();
      await s.database.drop();
    }
  });

  it('name the WebSocket host only when the Host header is a plain host, never what could end a directive', async () => {
    const host = new URL(server.url).host;
    const hostile = await rawHttp(
      server.url,
      `GET /api/v1/health HTTP/1.1\r\nHost: x; script-src *\r\nConnection: close\r\n\r\n`,
    );
    expect(hostile.status).toBe(200);
    const csp = directives(hostile.headers.get('content-security-policy'));
    expect(csp['connect-src']).toEqual(["'self'"]);
    expect(csp['script-src']).toEqual(["'self'"]);
    const plain = await rawHttp(server.url, `GET /api/v1/health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    expectSecurityHeaders(plain.headers, host);
  });
});

describe('behind HTTPS (PARTA_PUBLIC_URL=https://…), with /metrics behind a token', () => {
  let https: TestServer;
  let emptyDir: string;

  beforeAll(async () => {
    emptyDir = mkdtempSync(path.join(tmpdir(), 'parta-no-web-'));
    https = await startTestServer({
      PARTA_WEB_DIR: emptyDir,
      PARTA_PUBLIC_URL: 'https://parta.example.org',
      PARTA_METRICS_TOKEN: TOKEN,
    });
  });
  afterAll(async () => {
    await https?.close();
    rmSync(emptyDir, { recursive: true, force: true });
  });

  it('sends HSTS for a year on every answer, the 503 page of a missing build included', async () => {
    const host = new URL(https.url).host;
    const page = await request(`${https.url}/`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(503);
    expect(page.text).toContain('The web client is not built');
    expectSecurityHeaders(page.headers, host);
    expect(page.headers.get('strict-transport-security')).toBe('max-age=31536000');
    const api = await request(`${https.url}/api/v1/me`);
    expect(api.status).toBe(401);
    expect(api.headers.get('strict-transport-security')).toBe('max-age=31536000');
  });

  it('serves /metrics on the main listener only with the bearer token', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`]) {
      const res = await request(`${https.url}/metrics`, { headers: authorization ? { authorization } : {} });
      expect(res.status, authorization).toBe(401);
      expect(ErrorBody.parse(JSON.parse(res.text)).error.code).toBe('unauthenticated');
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(res.text).not.toContain('parta_');
    }
    const res = await request(`${https.url}/metrics`, { headers: { authorization: `bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.text).toContain('parta_http_requests_total');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(https.parta.metricsUrl()).toBeNull();
  });
});

describe('/metrics', () => {
  it('is not served on the main listener by default: the API 404, even asked for HTML', async () => {
    const asks: Record<string, string>[] = [{}, { accept: 'text/html' }, { authorization: `Bearer ${TOKEN}` }];
    for (const headers of asks) {
      const res = await request(`${server.url}/metrics`, { headers });
      expect(res.status).toBe(404);
      expect(ErrorBody.parse(JSON.parse(res.text)).error.code).toBe('not_found');
    }
    expect(server.parta.metricsUrl()).toBeNull();
  });

  it('is served on its own loopback listener with PARTA_METRICS_PORT, and only there', async () => {
    const s = await startTestServer({
      PARTA_METRICS_PORT: '0',
      PARTA_PUBLIC_URL: 'https://parta.example.org',
      PARTA_HSTS_MAX_AGE_SEC: '0',
    });
    try {
      await s.client().health();
      const url = s.parta.metricsUrl()!;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(new URL(url).port).not.toBe(new URL(s.url).port);
      const res = await request(`${url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(res.text).toMatch(/parta_http_requests_total\{method="GET",route="\/api\/v1\/health",status="200"\} 1/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      // PARTA_HSTS_MAX_AGE_SEC=0 tells browsers to forget HSTS.
      expect(res.headers.get('strict-transport-security')).toBe('max-age=0');
      const other = await request(`${url}/api/v1/health`);
      expect([other.status, ErrorBody.parse(JSON.parse(other.text)).error.code]).toEqual([404, 'not_found']);
      const post = await request(`${url}/metrics`, { method: 'POST' });
      expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
      expect((await request(`${s.url}/metrics`)).status).toBe(404);
    } finally {
      await s.close();
    }
  });

  it('asks for the token on its own listener too when PARTA_METRICS_TOKEN is set', async () => {
    const s = await startTestServer({ PARTA_METRICS_PORT: '0', PARTA_METRICS_TOKEN: TOKEN });
    try {
      const url = `${s.parta.metricsUrl()!}/metrics`;
      expect((await request(url)).status).toBe(401);
      expect((await request(url, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
      expect(await s.metrics()).toContain('parta_ws_connections');
    } finally {
      await s.close();
    }
  });

  it('refuses settings that would expose it by mistake or clash', () => {
    const problems = (env: Record<string, string>) => {
      const parsed = parseEnv(env);
      return parsed.ok ? [] : parsed.problems;
    };
    expect(problems({ PARTA_METRICS_TOKEN: 'secret' })).toEqual([
      'PARTA_METRICS_TOKEN: must be at least 16 characters: it is a password',
    ]);
    expect(problems({ PARTA_METRICS_TOKEN: 'a token with spaces in it' })[0]).toMatch(
      /^PARTA_METRICS_TOKEN: must be printable ASCII/,
    );
    expect(problems({ PORT: '9000', PARTA_METRICS_PORT: '9000' })).toEqual([
      'PARTA_METRICS_PORT: must differ from PORT: the metrics listener is a separate one',
    ]);
    expect(problems({ PARTA_METRICS_PORT: '70000', PARTA_HSTS_MAX_AGE_SEC: '-1' })).toHaveLength(2);
    const unset = parseEnv({ PARTA_METRICS_PORT: '', PARTA_METRICS_TOKEN: '' });
    expect(unset.ok && [unset.env.PARTA_METRICS_PORT, unset.env.PARTA_METRICS_TOKEN, unset.env.PARTA_METRICS_HOST]).toEqual([
      undefined,
      undefined,
      '127.0.0.1',
    ]);
  });
});

describe('the development login', () => {
  it('refuses an unknown login and a disabled account with the same answer, which does not repeat the login', async () => {
    const p = await server.build.person();
    await server.store.db.updateTable('accounts').set({ disabledAt: Date.now() }).where('id', '=', p.accountId!).execute();
    const answer = async (login: string) => {
      const res = await request(`${server.url}/api/v1/auth/dev-login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login }),
      });
      return { status: res.status, body: res.text };
    };
    const disabled = await answer(p.login!);
    const unknown = await answer('nobody-here');
    expect(disabled).toEqual(unknown);
    expect(disabled.status).toBe(401);
    expect(ErrorBody.parse(JSON.parse(disabled.body)).error.code).toBe('unauthenticated');
    expect(disabled.body).not.toContain(p.login!);
    expect(unknown.body).not.toContain('nobody-here');
  });
});
