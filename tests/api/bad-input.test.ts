import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '@parta/testkit';
import { ERROR_STATUS, ErrorBody, type ErrorCode, HealthResponse } from '@parta/protocol';
import { server, main, ids, answers, seed } from '../support/bad-input/state.js';
import { ROUTES, nameOf, undefinedMethod } from '../support/bad-input/routes.js';
import { valid, call, expectError, rawHttp } from '../support/bad-input/http.js';
import { bodyTests } from '../support/bad-input/body-tests.js';
import { queryTests } from '../support/bad-input/query-tests.js';
import { pathTests } from '../support/bad-input/path-tests.js';
import { websocketTests, messageSizeTests, websocketFrameTests } from '../support/bad-input/websocket-tests.js';

/**
 * Hostile and sloppy input at every HTTP route and at the WebSocket. Every answer must be the
 * precise documented one: the right status, an `ErrorBody` with the right code, never a 500 —
 * and the server must keep serving afterwards.
 */

beforeAll(async () => {
  // Valid calls send many messages; the send rate limit is not what this file is about.
  // Every route is called many times by one account: the abuse limits are tested in limits.test.ts.
  await seed(
    await startTestServer({
      PARTA_SEND_RATE_PER_SEC: '100000',
      PARTA_REACTION_RATE_PER_MIN: '1000000',
      PARTA_EDIT_RATE_PER_MIN: '1000000',
      PARTA_REPORT_RATE_PER_MIN: '1000000',
    }),
  );
});

afterAll(async () => {
  await server?.close();
});

describe.each(ROUTES.map((r) => [nameOf(r), r] as const))('%s', (_name, route) => {
  const okStatus = route.status ?? 200;

  it(`answers a valid request with ${okStatus}`, async () => {
    const answer = await call(route, await valid(route));
    expect(answer.status, JSON.stringify(answer.json)).toBe(okStatus);
  });

  bodyTests(route);
  queryTests(route);
  pathTests(route);

  it('answers a method the path does not define with method_not_allowed and an Allow header', async () => {
    const answer = await call(route, { method: undefinedMethod(route) });
    expectError(answer, 'method_not_allowed');
    expect(answer.headers.get('allow')).toContain(route.method);
  });
});

describe('the route table', () => {
  it('covers every API route the server has (but /metrics and HEAD), so a new route cannot skip these tests', () => {
    const served = server.parta.routes
      .filter((r) => r.method !== 'HEAD' && r.url !== '/metrics')
      .map((r) => `${r.method} ${r.url}`)
      .sort();
    expect(served).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });
});

describe('paths that are not routes', () => {
  const unknown = [
    ['GET', '/api/v1/nope'],
    ['POST', '/api/v1/nope'],
    ['GET', '/api/v2/me'],
    // `/` is the web client (see web.test.ts); other paths outside the API are not, unless a browser navigates to them.
    ['GET', '/chats/5'],
    ['GET', '/assets/nope.js'],
    ['GET', '/api/v1/me/extra'],
    ['GET', '/api/v1/organizations/1/nope'],
    ['DELETE', '/api/v1/sessions'],
    ['GET', '/api/v1/ws'],
  ] as const;

  it.each(unknown)('%s %s answers not_found or method_not_allowed', async (method, path) => {
    const answer = await call(ROUTES[0]!, { method, path, token: null });
    if (path === '/api/v1/sessions') {
      expectError(answer, 'method_not_allowed');
      expect(answer.headers.get('allow')).toContain('GET');
    } else {
      expectError(answer, 'not_found');
    }
  });

  it('answers a URL with broken percent-encoding with validation_failed', async () => {
    expectError(await call(ROUTES[0]!, { method: 'GET', path: '/api/v1/%E0%A4%A', token: null }), 'validation_failed');
  });
});

describe('requests that are not valid HTTP', () => {
  const host = 'Host: localhost\r\nConnection: close\r\n';
  const cases: [string, string, ErrorCode][] = [
    [
      'a Content-Length that is not a number',
      `POST /api/v1/auth/dev-login HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: abc\r\n\r\n{}`,
      'validation_failed',
    ],
    ['a header line without a colon', `GET /api/v1/health HTTP/1.1\r\n${host}Bad Header\r\n\r\n`, 'validation_failed'],
    [
      'a broken chunked encoding',
      `POST /api/v1/auth/dev-login HTTP/1.1\r\n${host}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n`,
      'validation_failed',
    ],
    ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n', 'validation_failed'],
    [
      'headers over the size limit',
      `GET /api/v1/health HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      'payload_too_large',
    ],
  ];

  it.each(cases)('answers %s with an ErrorBody', async (_what, request, code) => {
    const answer = await rawHttp(request);
    expect(answer.status, answer.headers).toBe(ERROR_STATUS[code]);
    const body = ErrorBody.parse(JSON.parse(answer.body));
    expect(body.error.code).toBe(code);
  });

  it('ignores a body on a GET (HTTP gives it no meaning) and never parses it', async () => {
    const body = '{"login":';
    const answer = await rawHttp(
      `GET /api/v1/me HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: Bearer ${main.token}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    expect(answer.status).toBe(200);
    expect((JSON.parse(answer.body) as { login: string }).login).toBe(main.login);
  });
});

describe('WebSocket', websocketTests);

describe('message size', messageSizeTests);

describe('WebSocket messaging frames', websocketFrameTests);

describe('after all of it', () => {
  it('never answered 500', () => {
    expect(answers.length).toBeGreaterThan(300);
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
  });

  it('still answers health ok, serves the shared token and signs in afresh', async () => {
    const res = await fetch(`${server.url}/api/v1/health`);
    expect(res.status).toBe(200);
    expect(HealthResponse.parse(await res.json())).toEqual({ status: 'ok' });

    const shared = server.client();
    shared.token = main.token;
    expect((await shared.me()).login).toBe(main.login);

    const fresh = await server.login(main.login);
    const me = await fresh.me();
    expect(me.login).toBe(main.login);
    expect(me.organizations.map((o) => o.id)).toEqual([ids.organization]);

    const rt = fresh.connect({ reconnect: false });
    await rt.once('welcome');
    rt.close();
  });
});
