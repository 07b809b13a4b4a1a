import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '@parta/testkit';
import {
  ERROR_STATUS,
  ErrorBody,
  type ErrorCode,
  HealthResponse,
  MAX_WS_FRAME_BYTES,
  ServerFrame,
  WS_CLOSE,
} from '@parta/protocol';

/**
 * Hostile and sloppy input at every HTTP route and at the WebSocket. Every answer must be the
 * precise documented one: the right status, an `ErrorBody` with the right code, never a 500 —
 * and the server must keep serving afterwards.
 */

/** What a route accepts as its body. */
type BodyKind =
  /** `DevLoginRequest`. */
  | 'login'
  /** Nothing; a JSON body is parsed (so malformed JSON is still malformed) and then refused. */
  | 'none'
  /** A GET: HTTP gives a body no meaning and `fetch` cannot send one. */
  | 'get';

/** What a route accepts as its query. */
type QueryKind =
  /** Nothing: any parameter is refused. */
  | 'none'
  /** `PageQuery`: limit and after. */
  | 'page'
  /** `PeopleQuery`: role, limit and after. */
  | 'people'
  /** Not looked at (the health probe; monitors add cache-busters). */
  | 'ignored';

/** What the `:id` of a path names. */
type IdKind = 'session' | 'organization' | 'class';

interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  auth: boolean;
  body: BodyKind;
  query: QueryKind;
  id?: IdKind;
  /** Ends sessions when it succeeds: every call gets a fresh token of a throwaway account. */
  revokes?: boolean;
}

/** Every HTTP route of the API. */
const ROUTES: Route[] = [
  { method: 'POST', path: '/api/v1/auth/dev-login', auth: false, body: 'login', query: 'none' },
  { method: 'POST', path: '/api/v1/auth/logout', auth: true, body: 'none', query: 'none', revokes: true },
  { method: 'POST', path: '/api/v1/auth/logout-all', auth: true, body: 'none', query: 'none', revokes: true },
  { method: 'GET', path: '/api/v1/sessions', auth: true, body: 'get', query: 'none' },
  { method: 'DELETE', path: '/api/v1/sessions/:id', auth: true, body: 'none', query: 'none', id: 'session' },
  { method: 'GET', path: '/api/v1/me', auth: true, body: 'get', query: 'none' },
  { method: 'GET', path: '/api/v1/organizations', auth: true, body: 'get', query: 'page' },
  { method: 'GET', path: '/api/v1/organizations/:id', auth: true, body: 'get', query: 'none', id: 'organization' },
  { method: 'GET', path: '/api/v1/organizations/:id/classes', auth: true, body: 'get', query: 'none', id: 'organization' },
  { method: 'GET', path: '/api/v1/organizations/:id/people', auth: true, body: 'get', query: 'people', id: 'organization' },
  { method: 'GET', path: '/api/v1/classes/:id/members', auth: true, body: 'get', query: 'none', id: 'class' },
  { method: 'GET', path: '/api/v1/health', auth: false, body: 'get', query: 'ignored' },
];

const nameOf = (r: Route) => `${r.method} ${r.path}`;

let server: TestServer;
/** A teacher of the school; its token is shared by every non-revoking call and must survive them all. */
let main: { login: string; token: string };
/** An account whose sessions the logout routes may end. */
let victimLogin: string;
let ids: Record<IdKind, number>;

/** One answer, already checked against the error contract. */
interface Answer {
  status: number;
  headers: Headers;
  json: unknown;
  /** The parsed error body when the status is 4xx/5xx. */
  error: ErrorBody['error'] | null;
}

const answers: { what: string; status: number }[] = [];

/**
 * Every error answer must be an `ErrorBody` whose code travels with its documented status, and
 * nothing may be a 500.
 */
function checkContract(what: string, status: number, json: unknown): ErrorBody['error'] | null {
  answers.push({ what, status });
  expect(status, `${what} answered 500`).not.toBe(500);
  if (status < 400) return null;
  const parsed = ErrorBody.safeParse(json);
  expect(parsed.success, `${what} answered ${status} with a body that is not an ErrorBody: ${JSON.stringify(json)}`).toBe(true);
  const error = parsed.data!.error;
  expect(status, `${what}: code ${error.code} travels with ${ERROR_STATUS[error.code]}`).toBe(ERROR_STATUS[error.code]);
  return error;
}

interface CallOptions {
  /** Path with `:id` already filled in; the route's own path by default. */
  path?: string;
  /** Raw query string without `?`. */
  query?: string;
  body?: string | Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array<ArrayBuffer>>;
  /** Content type of the body; `application/json` when a body is given, `null` for none. */
  contentType?: string | null;
  /** Bearer token; the route's default token when undefined, no header when null. */
  token?: string | null;
  /** A raw Authorization header, instead of a bearer token. */
  authorization?: string;
  method?: string;
}

async function login(loginName: string): Promise<string> {
  return (await server.login(loginName)).token!;
}

async function defaultPath(route: Route): Promise<string> {
  if (!route.id) return route.path;
  return route.path.replace(':id', String(await existingId(route.id)));
}

async function existingId(kind: IdKind): Promise<number> {
  if (kind !== 'session') return ids[kind];
  // A second session of the main account, so that revoking it leaves the shared token alive.
  const c = await server.login(main.login);
  return (await c.sessions()).sessions.find((s) => s.current)!.id;
}

async function call(route: Route, o: CallOptions = {}): Promise<Answer> {
  const path = o.path ?? (await defaultPath(route));
  const headers: Record<string, string> = {};
  let token = o.token;
  if (token === undefined && route.auth) token = route.revokes ? await login(victimLogin) : main.token;
  if (o.authorization !== undefined) headers.authorization = o.authorization;
  else if (token) headers.authorization = `Bearer ${token}`;
  const contentType = o.contentType === undefined ? (o.body !== undefined ? 'application/json' : null) : o.contentType;
  if (contentType !== null) headers['content-type'] = contentType;
  const url = `${server.url}${path}${o.query !== undefined ? `?${o.query}` : ''}`;
  const init: RequestInit & { duplex?: 'half' } = { method: o.method ?? route.method, headers };
  if (o.body !== undefined) {
    init.body = o.body;
    if (o.body instanceof ReadableStream) init.duplex = 'half';
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
  }
  const what = `${init.method} ${path}${o.query !== undefined ? `?${o.query}` : ''}`;
  return { status: res.status, headers: res.headers, json, error: checkContract(what, res.status, json) };
}

/** Asserts an answer is the error `code` (with its documented status); returns the error. */
function expectError(answer: Answer, code: ErrorCode): ErrorBody['error'] {
  expect({ status: answer.status, code: answer.error?.code }, JSON.stringify(answer.json)).toEqual({
    status: ERROR_STATUS[code],
    code,
  });
  return answer.error!;
}

/** The first validation issue's path. */
function firstIssuePath(error: ErrorBody['error']): unknown {
  const issues = error.details?.issues as { path: string }[] | undefined;
  return issues?.[0]?.path;
}

/** A JSON body whose string value holds the invalid UTF-8 sequence 0xC3 0x28. */
function invalidUtf8Body(key: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.concat([Buffer.from(`{"${key}":"`), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]));
}

/** A body just over the 1 MiB limit, sent without a Content-Length (chunked). */
function chunkedOversizedBody(): ReadableStream<Uint8Array<ArrayBuffer>> {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  let sent = 0;
  return new ReadableStream<Uint8Array<ArrayBuffer>>({
    pull(controller) {
      if (sent > 1024 * 1024) return controller.close();
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
}

const OVERSIZED = JSON.stringify({ login: 'a'.repeat(1024 * 1024 + 16) });

beforeAll(async () => {
  server = await startTestServer();
  const b = server.build;
  const school = await b.school();
  const cls = await b.schoolClass({ organizationId: school.id });
  const teacher = await b.teacher(school.id, [{ id: cls.id, homeroom: true }]);
  main = { login: teacher.login!, token: await login(teacher.login!) };
  victimLogin = (await b.person()).login!;
  ids = { organization: school.id, class: cls.id, session: 0 };
});

afterAll(async () => {
  await server?.close();
});

describe.each(ROUTES.map((r) => [nameOf(r), r] as const))('%s', (_name, route) => {
  it('answers a valid request with 200', async () => {
    const answer = await call(route, route.body === 'login' ? { body: JSON.stringify({ login: main.login }) } : {});
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
  });

  if (route.body === 'login') {
    it('refuses a malformed JSON body with malformed_json', async () => {
      expectError(await call(route, { body: '{"login":' }), 'malformed_json');
    });

    it('refuses an empty JSON body with malformed_json', async () => {
      expectError(await call(route, { body: '' }), 'malformed_json');
      expectError(await call(route, { contentType: 'application/json' }), 'malformed_json');
    });

    it('refuses wrong types with validation_failed naming the field', async () => {
      const error = expectError(await call(route, { body: '{"login":42}' }), 'validation_failed');
      expect(firstIssuePath(error)).toBe('login');
      expect(firstIssuePath(expectError(await call(route, { body: '{}' }), 'validation_failed'))).toBe('login');
      expect(firstIssuePath(expectError(await call(route, { body: '{"login":null}' }), 'validation_failed'))).toBe('login');
      const device = expectError(
        await call(route, { body: JSON.stringify({ login: main.login, deviceName: 7 }) }),
        'validation_failed',
      );
      expect(firstIssuePath(device)).toBe('deviceName');
      for (const body of ['[]', '"login"', '42', 'true', 'null']) {
        expectError(await call(route, { body }), 'validation_failed');
      }
    });

    it('refuses a login that breaks the login rules with validation_failed', async () => {
      for (const login of ['', 'UPPER', 'with space', 'кириллица', 'a/b', '../etc']) {
        const error = expectError(await call(route, { body: JSON.stringify({ login }) }), 'validation_failed');
        expect(firstIssuePath(error)).toBe('login');
      }
    });

    it('refuses a 100 KB string field with validation_failed', async () => {
      const error = expectError(
        await call(route, { body: JSON.stringify({ login: 'a'.repeat(100 * 1024) }) }),
        'validation_failed',
      );
      expect(firstIssuePath(error)).toBe('login');
      const device = JSON.stringify({ login: main.login, deviceName: 'x'.repeat(100 * 1024) });
      expect(firstIssuePath(expectError(await call(route, { body: device }), 'validation_failed'))).toBe('deviceName');
    });

    it('refuses unknown fields with validation_failed', async () => {
      expectError(await call(route, { body: JSON.stringify({ login: main.login, admin: true }) }), 'validation_failed');
    });

    it('refuses a body that is not valid UTF-8 with invalid_utf8', async () => {
      expectError(await call(route, { body: invalidUtf8Body('login') }), 'invalid_utf8');
    });

    it('refuses prototype poisoning with malformed_json', async () => {
      expectError(await call(route, { body: `{"login":"${main.login}","__proto__":{"admin":true}}` }), 'malformed_json');
      expectError(
        await call(route, { body: `{"login":"${main.login}","constructor":{"prototype":{"admin":true}}}` }),
        'malformed_json',
      );
    });

    it('refuses a JSON body sent as another media type with unsupported_media_type', async () => {
      const body = JSON.stringify({ login: main.login });
      expectError(await call(route, { body, contentType: 'text/plain' }), 'unsupported_media_type');
      expectError(await call(route, { body, contentType: 'application/x-www-form-urlencoded' }), 'unsupported_media_type');
      expectError(await call(route, { body, contentType: ';;;' }), 'unsupported_media_type');
      expectError(await call(route, { body: new TextEncoder().encode(body), contentType: null }), 'unsupported_media_type');
    });
  }

  if (route.body === 'none') {
    it('refuses a body with validation_failed: it takes none', async () => {
      for (const body of ['{"login":"someone"}', '{"login":42}', '[]', '"text"', '1']) {
        const error = expectError(await call(route, { body }), 'validation_failed');
        expect(firstIssuePath(error)).toBe('');
      }
    });

    it('still refuses a malformed or empty JSON body with malformed_json', async () => {
      expectError(await call(route, { body: '{"login":' }), 'malformed_json');
      expectError(await call(route, { body: '' }), 'malformed_json');
    });

    it('refuses a body that is not valid UTF-8 with invalid_utf8', async () => {
      expectError(await call(route, { body: invalidUtf8Body('login') }), 'invalid_utf8');
    });

    it('refuses prototype poisoning with malformed_json', async () => {
      expectError(await call(route, { body: '{"__proto__":{"admin":true}}' }), 'malformed_json');
    });

    it('refuses another media type with unsupported_media_type', async () => {
      expectError(await call(route, { body: 'hello', contentType: 'text/plain' }), 'unsupported_media_type');
    });
  }

  if (route.body !== 'get') {
    it('refuses a body over 1 MiB with payload_too_large', async () => {
      const error = expectError(await call(route, { body: OVERSIZED }), 'payload_too_large');
      expect(error.details?.limitBytes).toBe(1024 * 1024);
      expectError(await call(route, { body: chunkedOversizedBody() }), 'payload_too_large');
    });
  }

  const validBody = route.body === 'login' ? () => ({ body: JSON.stringify({ login: main.login }) }) : () => ({});

  if (route.query === 'none') {
    it('refuses unknown query parameters with validation_failed', async () => {
      for (const query of ['x=1', 'limit=10', '__proto__=1', 'token=abc', 'a[b]=1']) {
        expectError(await call(route, { ...validBody(), query }), 'validation_failed');
      }
    });
  }

  if (route.query === 'ignored') {
    it('ignores query parameters (a probe may add cache-busters)', async () => {
      const answer = await call(route, { query: 'x=1&_=123' });
      expect(answer.status).toBe(200);
      expect(HealthResponse.parse(answer.json)).toEqual({ status: 'ok' });
    });
  }

  if (route.query === 'page' || route.query === 'people') {
    it('refuses unknown query parameters with validation_failed', async () => {
      expectError(await call(route, { query: 'wat=1' }), 'validation_failed');
      expectError(await call(route, { query: 'limit=10&offset=5' }), 'validation_failed');
    });

    it('refuses bad limit and after values with validation_failed naming the parameter', async () => {
      const cases: [string, string][] = [
        ['limit=0', 'limit'],
        ['limit=abc', 'limit'],
        ['limit=100000', 'limit'],
        ['limit=-5', 'limit'],
        ['limit=1.5', 'limit'],
        ['limit=', 'limit'],
        ['limit=1&limit=2', 'limit'],
        ['after=-1', 'after'],
        ['after=abc', 'after'],
        ['after=99999999999999999999', 'after'],
      ];
      for (const [query, path] of cases) {
        const error = expectError(await call(route, { query }), 'validation_failed');
        expect(firstIssuePath(error), query).toBe(path);
      }
    });

    it('accepts the edges of the limit range', async () => {
      expect((await call(route, { query: 'limit=1' })).status).toBe(200);
      expect((await call(route, { query: 'limit=500&after=0' })).status).toBe(200);
    });
  }

  if (route.query === 'people') {
    it('refuses an unknown role with validation_failed', async () => {
      for (const query of ['role=hacker', 'role=', 'role=TEACHER', 'role=teacher&role=student']) {
        const error = expectError(await call(route, { query }), 'validation_failed');
        expect(firstIssuePath(error), query).toBe('role');
      }
      expect((await call(route, { query: 'role=teacher' })).status).toBe(200);
    });
  }

  if (route.id) {
    const withId = (id: string) => route.path.replace(':id', id);

    it('refuses bad path ids with validation_failed naming the id', async () => {
      for (const id of ['abc', '-1', '0', '1.5', '99999999999999999999', '%20', 'null', '1;drop']) {
        const error = expectError(await call(route, { ...validBody(), path: withId(id) }), 'validation_failed');
        expect(firstIssuePath(error), id).toBe('id');
      }
    });

    it('refuses an id longer than the router allows and a broken percent-encoding with validation_failed', async () => {
      expectError(await call(route, { path: withId('1'.repeat(200)) }), 'validation_failed');
      expectError(await call(route, { path: withId('%E0%A4%A') }), 'validation_failed');
    });

    it('answers a valid id that does not exist with not_found', async () => {
      expectError(await call(route, { path: withId('987654321') }), 'not_found');
      expectError(await call(route, { path: withId(String(Number.MAX_SAFE_INTEGER)) }), 'not_found');
    });
  }

  if (route.auth) {
    it('refuses a missing, forged or malformed bearer token with unauthenticated', async () => {
      expectError(await call(route, { token: null }), 'unauthenticated');
      expectError(await call(route, { token: 'pt_' + 'A'.repeat(43) }), 'unauthenticated');
      expectError(await call(route, { token: 'x'.repeat(8000) }), 'unauthenticated');
      expectError(await call(route, { token: main.token + 'x' }), 'unauthenticated');
      for (const authorization of [
        'Bearer',
        'Bearer ',
        'Basic dXNlcjpwYXNz',
        main.token,
        `Token ${main.token}`,
        `Bearer ${main.token} extra`,
      ]) {
        expectError(await call(route, { authorization }), 'unauthenticated');
      }
    });

    it('refuses the token of a session that was logged out with unauthenticated', async () => {
      const c = await server.login(victimLogin);
      const token = c.token!;
      await c.logout();
      expectError(await call(route, { token }), 'unauthenticated');
    });

    it('accepts the auth scheme in any letter case (RFC 9110)', async () => {
      const token = route.revokes ? await login(victimLogin) : main.token;
      const answer = await call(route, { authorization: `bearer ${token}` });
      expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    });
  }

  it('answers a method the path does not define with method_not_allowed and an Allow header', async () => {
    const method = route.method === 'GET' ? 'PUT' : 'PATCH';
    const answer = await call(route, { method });
    expectError(answer, 'method_not_allowed');
    expect(answer.headers.get('allow')).toContain(route.method);
  });
});

describe('paths that are not routes', () => {
  const unknown = [
    ['GET', '/api/v1/nope'],
    ['POST', '/api/v1/nope'],
    ['GET', '/api/v2/me'],
    ['GET', '/'],
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

/** Sends raw bytes over TCP and reads the whole answer (every request here asks the server to close). */
function rawHttp(request: string | Buffer): Promise<{ status: number; headers: string; body: string }> {
  const { port, hostname } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, headers: head, body: rest.join('\r\n\r\n') });
    });
    // Write, do not end: a half-closed client may lose an answer that is still being computed.
    socket.write(request);
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer within 5 s')));
  });
}

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

/** A WebSocket to the gateway that collects every frame and its close. */
class Probe {
  readonly ws: WebSocket;
  readonly frames: ServerFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  constructor(path = '/api/v1/ws') {
    this.ws = new WebSocket(`${server.url.replace('http', 'ws')}${path}`);
    this.ws.on('message', (data: Buffer) => {
      this.frames.push(ServerFrame.parse(JSON.parse(data.toString('utf8'))));
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    this.ws.on('error', () => {
      /* the close event reports it */
    });
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  /** The next frame from the server, within 5 s. */
  async next(): Promise<ServerFrame> {
    const seen = this.frames.length;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        new Promise<void>((resolve) => this.waiters.push(resolve)),
        this.closed.then(({ code }) => {
          throw new Error(`socket closed with ${code} while a frame was awaited`);
        }),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('no frame within 5 s')), 5_000);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
    return this.frames[seen]!;
  }

  /** Sends `data` and returns the error frame it earns. */
  async error(data: string): Promise<Extract<ServerFrame, { type: 'session.error' }>> {
    const next = this.next();
    this.ws.send(data);
    const frame = await next;
    if (frame.type !== 'session.error') throw new Error(`expected session.error, got ${JSON.stringify(frame)}`);
    return frame;
  }

  async hello(token: string): Promise<ServerFrame> {
    const next = this.next();
    this.ws.send(JSON.stringify({ type: 'session.hello', token }));
    return next;
  }
}

describe('WebSocket', () => {
  it('answers a malformed JSON frame with malformed_json and stays open; a valid hello then works', async () => {
    const p = new Probe();
    await p.opened();
    expect((await p.error('{"type":')).code).toBe('malformed_json');
    expect((await p.error('')).code).toBe('malformed_json');
    expect(p.ws.readyState).toBe(WebSocket.OPEN);
    const welcome = await p.hello(main.token);
    expect(welcome.type).toBe('session.welcome');
    expect((await p.error('not json at all')).code).toBe('malformed_json');
    const pong = p.next();
    p.ws.send(JSON.stringify({ type: 'session.ping', nonce: 'n1' }));
    expect(await pong).toMatchObject({ type: 'session.pong', nonce: 'n1' });
    p.ws.close();
  });

  it('answers an unknown frame type with validation_failed', async () => {
    const p = new Probe();
    await p.opened();
    for (const frame of ['{"type":"bogus.frame","text":"hi"}', '{}', '[]', 'null', '42', '"session.hello"', '{"type":7}']) {
      const error = await p.error(frame);
      expect(error.code, frame).toBe('validation_failed');
      expect((error.details?.issues as { path: string }[])[0]!.path, frame).toBe('type');
    }
    expect(p.ws.readyState).toBe(WebSocket.OPEN);
    p.ws.close();
  });

  it('answers a hello with wrong types or extra fields with validation_failed', async () => {
    const p = new Probe();
    await p.opened();
    const cases: [unknown, string][] = [
      [{ type: 'session.hello', token: 42 }, 'token'],
      [{ type: 'session.hello' }, 'token'],
      [{ type: 'session.hello', token: '' }, 'token'],
      [{ type: 'session.hello', token: 'x'.repeat(201) }, 'token'],
      [{ type: 'session.hello', token: main.token, featureLevel: 'one' }, 'featureLevel'],
      [{ type: 'session.hello', token: main.token, admin: true }, ''],
    ];
    for (const [frame, path] of cases) {
      const error = await p.error(JSON.stringify(frame));
      expect(error.code, JSON.stringify(frame)).toBe('validation_failed');
      expect((error.details?.issues as { path: string }[])[0]!.path, JSON.stringify(frame)).toBe(path);
    }
    expect((await p.hello(main.token)).type).toBe('session.welcome');
    const again = await p.error(JSON.stringify({ type: 'session.hello', token: main.token }));
    expect(again.code).toBe('validation_failed');
    p.ws.close();
  });

  it(`closes with 1009 on a frame over ${MAX_WS_FRAME_BYTES} bytes`, async () => {
    const p = new Probe();
    await p.opened();
    p.ws.send(JSON.stringify({ type: 'session.ping', nonce: 'x'.repeat(MAX_WS_FRAME_BYTES + 1) }));
    expect((await p.closed).code).toBe(WS_CLOSE.tooLarge);
  });

  it('closes with 1007 on a text frame that is not valid UTF-8', async () => {
    const p = new Probe();
    await p.opened();
    p.ws.send(Buffer.from(invalidUtf8Body('type')), { binary: false });
    expect((await p.closed).code).toBe(WS_CLOSE.invalidPayload);
  });

  it('closes with 1003 on a binary frame', async () => {
    const p = new Probe();
    await p.opened();
    p.ws.send(Buffer.from(JSON.stringify({ type: 'session.hello', token: main.token })), { binary: true });
    expect((await p.closed).code).toBe(WS_CLOSE.unsupportedData);
  });

  it('closes with 4401 on a ping before hello', async () => {
    const p = new Probe();
    await p.opened();
    p.ws.send(JSON.stringify({ type: 'session.ping', nonce: 'early' }));
    expect((await p.closed).code).toBe(WS_CLOSE.unauthenticated);
    expect(p.frames).toEqual([]);
  });

  it.each([
    ['forged', 'pt_' + 'A'.repeat(43)],
    ['garbage', 'not-a-token'],
    ['logged-out', null],
  ])('closes with 4401 on a hello with a %s token', async (_what, given) => {
    let token = given;
    if (token === null) {
      const c = await server.login(victimLogin);
      token = c.token!;
      await c.logout();
    }
    const p = new Probe();
    await p.opened();
    p.ws.send(JSON.stringify({ type: 'session.hello', token }));
    expect((await p.closed).code).toBe(WS_CLOSE.unauthenticated);
    expect(p.frames).toEqual([]);
  });

  it.each(['/api/v1/other', '/ws', '/api/v1/ws/extra', '/api/v2/ws', '/api/v1/WS'])(
    'refuses an upgrade on %s with 404',
    async (path) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}${path}`);
      const outcome = await new Promise<string>((resolve) => {
        ws.once('open', () => resolve('open'));
        ws.once('unexpected-response', (_req, res) => {
          resolve(`status ${res.statusCode}`);
          res.resume();
          ws.terminate();
        });
        ws.once('error', (err) => resolve(`error ${err.message}`));
      });
      expect(outcome).toBe('status 404');
    },
  );
});

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
