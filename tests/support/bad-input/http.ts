import net from 'node:net';
import { expect } from 'vitest';
import { ERROR_STATUS, ErrorBody, type ErrorCode } from '@parta/protocol';
import { server, main, victimLogin, ids, fx, answers } from './state.js';
import { type IdKind, type Route } from './routes.js';
import { BODIES } from './bodies.js';

/* How tests/api/bad-input.test.ts calls a route and checks the answer against the error contract. */

/** One answer, already checked against the error contract. */
export interface Answer {
  status: number;
  headers: Headers;
  json: unknown;
  /** The parsed error body when the status is 4xx/5xx. */
  error: ErrorBody['error'] | null;
}

/**
 * Every error answer must be an `ErrorBody` whose code travels with its documented status, and
 * nothing may be a 500.
 */
export function checkContract(what: string, status: number, json: unknown): ErrorBody['error'] | null {
  answers.push({ what, status });
  expect(status, `${what} answered 500`).not.toBe(500);
  if (status < 400) return null;
  const parsed = ErrorBody.safeParse(json);
  expect(parsed.success, `${what} answered ${status} with a body that is not an ErrorBody: ${JSON.stringify(json)}`).toBe(true);
  const error = parsed.data!.error;
  expect(status, `${what}: code ${error.code} travels with ${ERROR_STATUS[error.code]}`).toBe(ERROR_STATUS[error.code]);
  return error;
}

/** How one call differs from the route's default call. */
export interface CallOptions {
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

/** A fresh token of the account `loginName`. */
export async function login(loginName: string): Promise<string> {
  return (await server.login(loginName)).token!;
}

/** Fills a path's parameters (`:id`, `:seq`, ...); those not given stay as they are. */
export function fill(path: string, params: Record<string, string>): string {
  return path.replace(/:(\w+)/g, (whole, name: string) => params[name] ?? whole);
}

/** The names of a path's parameters. */
export function paramsOf(route: Route): string[] {
  return [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
}

/** Path parameters of one valid call; `given` ones are not looked up. */
export async function validParams(route: Route, given: Record<string, string> = {}): Promise<Record<string, string>> {
  const params: Record<string, string> = {};
  if (route.id && given.id === undefined) params.id = String(await existingId(route.id));
  return { ...params, ...(await route.params?.()), ...given };
}

/** The path of one valid call. */
export async function defaultPath(route: Route): Promise<string> {
  return fill(route.path, await validParams(route));
}

/** The path and body of one valid call (for calls that differ from it in one respect only). */
export async function valid(route: Route, params: Record<string, string> = {}): Promise<CallOptions> {
  const path = fill(route.path, await validParams(route, params));
  if (route.body === 'login') return { path, body: JSON.stringify({ login: main.login }) };
  if (route.json) return { path, body: JSON.stringify(BODIES[route.json].valid()) };
  if (route.query === 'search') return { path, query: `q=${encodeURIComponent('контрольная')}` };
  return { path };
}

/** An id of the kind `kind` that the main account may use (fresh where a call uses it up). */
export async function existingId(kind: IdKind): Promise<number> {
  switch (kind) {
    case 'session': {
      // A second session of the main account, so that revoking it leaves the shared token alive.
      const c = await server.login(main.login);
      return (await c.sessions()).sessions.find((s) => s.current)!.id;
    }
    case 'chat':
      return fx.chat;
    case 'report':
      // Resolving uses a report up: a fresh one each time.
      return (await main.client.report(fx.chat, fx.target, 'Спам')).reportId;
    default:
      return ids[kind];
  }
}

/** Calls a route and checks the answer against the error contract (recording it for the final checks). */
export async function call(route: Route, o: CallOptions = {}): Promise<Answer> {
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
export function expectError(answer: Answer, code: ErrorCode): ErrorBody['error'] {
  expect({ status: answer.status, code: answer.error?.code }, JSON.stringify(answer.json)).toEqual({
    status: ERROR_STATUS[code],
    code,
  });
  return answer.error!;
}

/** The first validation issue's path. */
export function firstIssuePath(error: ErrorBody['error']): unknown {
  const issues = error.details?.issues as { path: string }[] | undefined;
  return issues?.[0]?.path;
}

/** A JSON body whose string value holds the invalid UTF-8 sequence 0xC3 0x28. */
export function invalidUtf8Body(key: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.concat([Buffer.from(`{"${key}":"`), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]));
}

/** A body just over the 1 MiB limit, sent without a Content-Length (chunked). */
export function chunkedOversizedBody(): ReadableStream<Uint8Array<ArrayBuffer>> {
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

/** A login body just over the 1 MiB body limit. */
export const OVERSIZED = JSON.stringify({ login: 'a'.repeat(1024 * 1024 + 16) });

/** Sends raw bytes over TCP and reads the whole answer (every request here asks the server to close). */
export function rawHttp(request: string | Buffer): Promise<{ status: number; headers: string; body: string }> {
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
