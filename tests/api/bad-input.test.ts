import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '@parta/testkit';
import type { PartaClient, PartaError } from '@parta/sdk';
import {
  ERROR_STATUS,
  ErrorBody,
  type ErrorCode,
  HealthResponse,
  MAX_SYNC_POSITIONS,
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
  /** A JSON object described by the route's `json` entry in `BODIES`. */
  | 'json'
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
  /** `MessagePageQuery`: before, after and limit. */
  | 'messages'
  /** `SearchQuery`: q, chatId and limit. */
  | 'search'
  /** The moderation queue: `all=0|1`. */
  | 'reports'
  /** Not looked at (the health probe; monitors add cache-busters). */
  | 'ignored';

/** What the `:id` of a path names. */
type IdKind = 'session' | 'organization' | 'class' | 'chat' | 'report';

/** The JSON bodies of the chat routes (see `BODIES`). */
type JsonKind =
  'createChat' | 'direct' | 'addMembers' | 'updateMember' | 'send' | 'edit' | 'react' | 'report' | 'read' | 'resolve';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface Route {
  method: Method;
  path: string;
  auth: boolean;
  body: BodyKind;
  query: QueryKind;
  id?: IdKind;
  /** For `body: 'json'`: which body. */
  json?: JsonKind;
  /**
   * Path parameters other than `:id` (already URL-encoded), or a fresh `:id` too, for one valid
   * call; called before every call, since some calls use up what they name (a deleted message).
   */
  params?: () => Promise<Record<string, string>>;
  /** The status of a valid call; 200 unless given. */
  status?: number;
  /** Ends sessions when it succeeds: every call gets a fresh token of a throwaway account. */
  revokes?: boolean;
}

/** Every HTTP route of the API. */
const ROUTES: Route[] = [
  { method: 'GET', path: '/api/v1/auth/options', auth: false, body: 'get', query: 'none' },
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

  { method: 'GET', path: '/api/v1/chats', auth: true, body: 'get', query: 'none' },
  { method: 'POST', path: '/api/v1/chats', auth: true, body: 'json', json: 'createChat', query: 'none', status: 201 },
  { method: 'POST', path: '/api/v1/chats/direct', auth: true, body: 'json', json: 'direct', query: 'none' },
  { method: 'GET', path: '/api/v1/chats/:id', auth: true, body: 'get', query: 'none', id: 'chat' },
  { method: 'GET', path: '/api/v1/chats/:id/members', auth: true, body: 'get', query: 'none', id: 'chat' },
  { method: 'POST', path: '/api/v1/chats/:id/members', auth: true, body: 'json', json: 'addMembers', query: 'none', id: 'chat' },
  {
    method: 'DELETE',
    path: '/api/v1/chats/:id/members/:personId',
    auth: true,
    body: 'none',
    query: 'none',
    id: 'chat',
    // Every call removes someone: a fresh chat of the main account and a student each time.
    params: async () => ({ id: String(await freshChat()), personId: String(fx.other) }),
  },
  {
    method: 'PATCH',
    path: '/api/v1/chats/:id/members/:personId',
    auth: true,
    body: 'json',
    json: 'updateMember',
    query: 'none',
    id: 'chat',
    params: async () => ({ personId: String(fx.student) }),
  },
  { method: 'GET', path: '/api/v1/chats/:id/messages', auth: true, body: 'get', query: 'messages', id: 'chat' },
  { method: 'POST', path: '/api/v1/chats/:id/messages', auth: true, body: 'json', json: 'send', query: 'none', id: 'chat' },
  {
    method: 'PATCH',
    path: '/api/v1/chats/:id/messages/:seq',
    auth: true,
    body: 'json',
    json: 'edit',
    query: 'none',
    id: 'chat',
    params: async () => ({ seq: String(fx.editable) }),
  },
  {
    method: 'DELETE',
    path: '/api/v1/chats/:id/messages/:seq',
    auth: true,
    body: 'none',
    query: 'none',
    id: 'chat',
    // Every call deletes a message of its own.
    params: async () => ({ seq: String(await freshMessage()) }),
  },
  {
    method: 'POST',
    path: '/api/v1/chats/:id/messages/:seq/reactions',
    auth: true,
    body: 'json',
    json: 'react',
    query: 'none',
    id: 'chat',
    params: async () => ({ seq: String(fx.target) }),
  },
  {
    method: 'DELETE',
    path: '/api/v1/chats/:id/messages/:seq/reactions/:emoji',
    auth: true,
    body: 'none',
    query: 'none',
    id: 'chat',
    params: async () => ({ seq: String(fx.target), emoji: encodeURIComponent('👍') }),
  },
  ...(['PUT', 'DELETE'] as const).map((method): Route => ({
    method,
    path: '/api/v1/chats/:id/messages/:seq/pin',
    auth: true,
    body: 'none',
    query: 'none',
    id: 'chat',
    params: async () => ({ seq: String(fx.target) }),
  })),
  ...(['readers', 'history'] as const).map((what): Route => ({
    method: 'GET',
    path: `/api/v1/chats/:id/messages/:seq/${what}`,
    auth: true,
    body: 'get',
    query: 'none',
    id: 'chat',
    params: async () => ({ seq: String(fx.target) }),
  })),
  {
    method: 'POST',
    path: '/api/v1/chats/:id/messages/:seq/report',
    auth: true,
    body: 'json',
    json: 'report',
    query: 'none',
    id: 'chat',
    status: 201,
    params: async () => ({ seq: String(fx.target) }),
  },
  { method: 'POST', path: '/api/v1/chats/:id/read', auth: true, body: 'json', json: 'read', query: 'none', id: 'chat' },
  { method: 'GET', path: '/api/v1/organizations/:id/reports', auth: true, body: 'get', query: 'reports', id: 'organization' },
  { method: 'POST', path: '/api/v1/reports/:id/resolve', auth: true, body: 'json', json: 'resolve', query: 'none', id: 'report' },
  { method: 'GET', path: '/api/v1/organizations/:id/community', auth: true, body: 'get', query: 'none', id: 'organization' },
  { method: 'POST', path: '/api/v1/organizations/:id/roster-sync', auth: true, body: 'none', query: 'none', id: 'organization' },
  { method: 'GET', path: '/api/v1/search', auth: true, body: 'get', query: 'search' },
];

/** A JSON body: a valid one (fresh per call), and wrong ones with the issue path each must name. */
interface JsonBody {
  valid: () => Record<string, unknown>;
  invalid: () => [unknown, string][];
}

let sequence = 0;
/** A client id no send has used yet. */
const freshClientId = () => `bad-input-${++sequence}`;

/** `n` distinct positive ids. */
const manyIds = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

const BODIES: Record<JsonKind, JsonBody> = {
  createChat: {
    valid: () => ({ kind: 'group', organizationId: ids.organization, title: 'Группа', personIds: [fx.student] }),
    invalid: () => {
      const ok = { kind: 'group', organizationId: ids.organization, title: 'Группа' };
      return [
        [{ ...ok, kind: 'direct' }, 'kind'],
        [{ ...ok, kind: undefined }, 'kind'],
        [{ ...ok, organizationId: String(ids.organization) }, 'organizationId'],
        [{ ...ok, organizationId: 0 }, 'organizationId'],
        [{ ...ok, title: '' }, 'title'],
        [{ ...ok, title: ' \n\t ' }, 'title'],
        [{ ...ok, title: 'т'.repeat(129) }, 'title'],
        [{ ...ok, title: 42 }, 'title'],
        [{ ...ok, personIds: manyIds(5001) }, 'personIds'],
        [{ ...ok, personIds: [String(fx.student)] }, 'personIds.0'],
        [{ ...ok, personIds: fx.student }, 'personIds'],
        [{ ...ok, classIds: manyIds(51) }, 'classIds'],
        [{ ...ok, allowComments: 'yes' }, 'allowComments'],
        [{ ...ok, purpose: 'secret' }, 'purpose'],
      ];
    },
  },
  direct: {
    valid: () => ({ personId: fx.student }),
    invalid: () => [
      [{}, 'personId'],
      [{ personId: String(fx.student) }, 'personId'],
      [{ personId: 0 }, 'personId'],
      [{ personId: -1 }, 'personId'],
      [{ personId: 1.5 }, 'personId'],
      [{ personId: 2 ** 53 }, 'personId'],
      [{ personId: [fx.student] }, 'personId'],
    ],
  },
  addMembers: {
    valid: () => ({ personIds: [fx.other] }),
    invalid: () => [
      [{}, 'personIds'],
      [{ personIds: [] }, 'personIds'],
      [{ personIds: manyIds(5001) }, 'personIds'],
      [{ personIds: [0] }, 'personIds.0'],
      [{ personIds: [String(fx.other)] }, 'personIds.0'],
      [{ personIds: fx.other }, 'personIds'],
    ],
  },
  updateMember: {
    valid: () => ({ role: 'member', mutedUntil: null }),
    invalid: () => [
      [{ role: 'god' }, 'role'],
      [{ role: 7 }, 'role'],
      [{ mutedUntil: -1 }, 'mutedUntil'],
      [{ mutedUntil: 1.5 }, 'mutedUntil'],
      [{ mutedUntil: 'tomorrow' }, 'mutedUntil'],
    ],
  },
  send: {
    valid: () => ({ clientId: freshClientId(), text: 'Добрый день' }),
    invalid: () => {
      const ok = { clientId: 'bad-input-send', text: 'Добрый день' };
      return [
        [{ text: ok.text }, 'clientId'],
        [{ clientId: ok.clientId }, 'text'],
        [{ ...ok, text: '' }, 'text'],
        [{ ...ok, text: ' \n\t\u00a0 ' }, 'text'],
        [{ ...ok, text: 42 }, 'text'],
        [{ ...ok, text: null }, 'text'],
        [{ ...ok, clientId: 'short' }, 'clientId'],
        [{ ...ok, clientId: 'with spaces!' }, 'clientId'],
        [{ ...ok, clientId: 'кириллица-id' }, 'clientId'],
        [{ ...ok, clientId: 'x'.repeat(65) }, 'clientId'],
        [{ ...ok, clientId: 12345678 }, 'clientId'],
        [{ ...ok, replyToSeq: 0 }, 'replyToSeq'],
        [{ ...ok, replyToSeq: 2147483648 }, 'replyToSeq'],
        [{ ...ok, replyToSeq: '1' }, 'replyToSeq'],
        [{ ...ok, mentions: manyIds(101) }, 'mentions'],
        [{ ...ok, mentions: ['all'] }, 'mentions.0'],
        [{ ...ok, mentionAll: 'yes' }, 'mentionAll'],
        [{ ...ok, mustAcknowledge: 1 }, 'mustAcknowledge'],
        [{ ...ok, forward: { chatId: fx.chat } }, 'forward.seq'],
        [{ ...ok, forward: { chatId: fx.chat, seq: 1, extra: true } }, 'forward'],
      ];
    },
  },
  edit: {
    valid: () => ({ text: `Исправлено ${++sequence}` }),
    invalid: () => [
      [{}, 'text'],
      [{ text: '   ' }, 'text'],
      [{ text: 42 }, 'text'],
    ],
  },
  react: {
    valid: () => ({ emoji: '👍' }),
    invalid: () => [
      [{}, 'emoji'],
      [{ emoji: '' }, 'emoji'],
      [{ emoji: 'x'.repeat(17) }, 'emoji'],
      [{ emoji: '👍'.repeat(17) }, 'emoji'],
      [{ emoji: 42 }, 'emoji'],
    ],
  },
  report: {
    valid: () => ({ reason: 'Оскорбление' }),
    invalid: () => [
      [{}, 'reason'],
      [{ reason: '' }, 'reason'],
      [{ reason: '   ' }, 'reason'],
      [{ reason: 'п'.repeat(1001) }, 'reason'],
      [{ reason: ['spam'] }, 'reason'],
    ],
  },
  read: {
    valid: () => ({ seq: 1 }),
    invalid: () => [
      [{}, 'seq'],
      [{ seq: -1 }, 'seq'],
      [{ seq: 1.5 }, 'seq'],
      [{ seq: '1' }, 'seq'],
      [{ seq: 2147483648 }, 'seq'],
      [{ seq: null }, 'seq'],
    ],
  },
  resolve: {
    valid: () => ({ action: 'dismissed' }),
    invalid: () => [
      [{}, 'action'],
      [{ action: 'ban' }, 'action'],
      [{ action: 'DISMISSED' }, 'action'],
      [{ action: 1 }, 'action'],
    ],
  },
};

/** Texts that show nothing: zero-width, format, filler and blank characters (issue 10, item 7). */
const INVISIBLE_TEXTS = [
  '\u200b',
  '\u200c\u200d',
  '\u2060\ufeff',
  '\u00ad',
  '\u180e',
  '\u2800',
  '\u3164',
  '\u115f\u1160',
  '\ufe0f',
  '\u202e\u2066',
  ' \u00a0\u3000\u200b\n',
  // Not invisible but unstorable: PostgreSQL refuses U+0000 in text (the fuzzer found the 500).
  'a\u0000b',
];

/** Field values that the schemas must refuse though they are strings of the right length (issue 10, items 4 and 7). */
const HOSTILE_FIELDS: Partial<Record<JsonKind, { what: string; field: string; values: string[] }>> = {
  react: {
    what: 'prototype keys, letters, digits, blanks and two emoji as a reaction',
    field: 'emoji',
    values: ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'a', '1', ' ', '👍👍', '\u200b'],
  },
  send: { what: 'a text of invisible characters only', field: 'text', values: INVISIBLE_TEXTS },
  edit: { what: 'a text of invisible characters only', field: 'text', values: INVISIBLE_TEXTS },
  createChat: { what: 'a title of invisible characters only', field: 'title', values: INVISIBLE_TEXTS },
  report: { what: 'a reason of invisible characters only', field: 'reason', values: INVISIBLE_TEXTS },
};

const nameOf = (r: Route) => `${r.method} ${r.path}`;

let server: TestServer;
/**
 * A homeroom teacher who is also the school's admin (so that every chat route, moderation
 * included, has a valid call); its token is shared by every non-revoking call and must survive them all.
 */
let main: { login: string; token: string; client: PartaClient };
/** An account whose sessions the logout routes may end. */
let victimLogin: string;
let ids: Record<'organization' | 'class', number>;
/** The chat data valid calls use. */
let fx: {
  /** The main account's person. */
  person: number;
  /** Two students of the main account's class. */
  student: number;
  other: number;
  /** A group the main account owns, with both students. */
  chat: number;
  /** A message of the main account in `chat`, edited by the valid calls. */
  editable: number;
  /** A message of a student in `chat`: reacted to, pinned, read, reported. */
  target: number;
  /** A chat of another teacher, without the main account. */
  foreign: number;
};

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

/** Fills a path's parameters (`:id`, `:seq`, ...); those not given stay as they are. */
function fill(path: string, params: Record<string, string>): string {
  return path.replace(/:(\w+)/g, (whole, name: string) => params[name] ?? whole);
}

/** The names of a path's parameters. */
function paramsOf(route: Route): string[] {
  return [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
}

/** Path parameters of one valid call; `given` ones are not looked up. */
async function validParams(route: Route, given: Record<string, string> = {}): Promise<Record<string, string>> {
  const params: Record<string, string> = {};
  if (route.id && given.id === undefined) params.id = String(await existingId(route.id));
  return { ...params, ...(await route.params?.()), ...given };
}

async function defaultPath(route: Route): Promise<string> {
  return fill(route.path, await validParams(route));
}

/** The path and body of one valid call (for calls that differ from it in one respect only). */
async function valid(route: Route, params: Record<string, string> = {}): Promise<CallOptions> {
  const path = fill(route.path, await validParams(route, params));
  if (route.body === 'login') return { path, body: JSON.stringify({ login: main.login }) };
  if (route.json) return { path, body: JSON.stringify(BODIES[route.json].valid()) };
  if (route.query === 'search') return { path, query: `q=${encodeURIComponent('контрольная')}` };
  return { path };
}

async function existingId(kind: IdKind): Promise<number> {
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

/** A fresh group of the main account with one student. */
async function freshChat(): Promise<number> {
  const chat = await server.build.chat({
    organizationId: ids.organization,
    members: [{ personId: fx.person }, { personId: fx.other }],
  });
  return chat.id;
}

/** A fresh message of the main account in `fx.chat`; its seq. */
async function freshMessage(): Promise<number> {
  return (await main.client.sendMessage(fx.chat, { clientId: freshClientId(), text: 'Удалю' })).seq;
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
  // Valid calls send many messages; the send rate limit is not what this file is about.
  // Every route is called many times by one account: the abuse limits are tested in limits.test.ts.
  server = await startTestServer({
    PARTA_SEND_RATE_PER_SEC: '100000',
    PARTA_REACTION_RATE_PER_MIN: '1000000',
    PARTA_EDIT_RATE_PER_MIN: '1000000',
    PARTA_REPORT_RATE_PER_MIN: '1000000',
  });
  const b = server.build;
  const school = await b.school();
  const cls = await b.schoolClass({ organizationId: school.id });
  const teacher = await b.teacher(school.id, [{ id: cls.id, homeroom: true }]);
  await b.membership({ personId: teacher.id, role: 'school_admin', organizationId: school.id });
  const client = await server.login(teacher.login!);
  main = { login: teacher.login!, token: client.token!, client };
  victimLogin = (await b.person()).login!;
  ids = { organization: school.id, class: cls.id };

  const student = await b.student(cls);
  const other = await b.student(cls);
  const chat = await client.createChat({
    kind: 'group',
    organizationId: school.id,
    title: 'Плохой ввод',
    personIds: [student.id, other.id],
  });
  const editable = (await client.sendMessage(chat.id, { clientId: freshClientId(), text: 'Черновик' })).seq;
  const s = await server.login(student.login!);
  const target = (await s.sendMessage(chat.id, { clientId: freshClientId(), text: 'Контрольная в пятницу' })).seq;
  const colleague = await b.teacher(school.id);
  // A direct chat: not even the school's admins (the main account is one) reach into it.
  const foreign = await b.chat({
    organizationId: school.id,
    kind: 'direct',
    members: [{ personId: colleague.id }, { personId: other.id }],
  });
  fx = { person: teacher.id, student: student.id, other: other.id, chat: chat.id, editable, target, foreign: foreign.id };
});

afterAll(async () => {
  await server?.close();
});

/** The kind of a path parameter, for the values it refuses. */
function paramKind(name: string): 'id' | 'seq' | 'emoji' {
  return name === 'seq' ? 'seq' : name === 'emoji' ? 'emoji' : 'id';
}

/** A method the route's path does not define. */
function undefinedMethod(route: Route): Method {
  const defined = new Set(ROUTES.filter((r) => r.path === route.path).map((r) => r.method));
  return (['PUT', 'PATCH', 'POST', 'DELETE', 'GET'] as const).find((m) => !defined.has(m))!;
}

describe.each(ROUTES.map((r) => [nameOf(r), r] as const))('%s', (_name, route) => {
  const okStatus = route.status ?? 200;

  it(`answers a valid request with ${okStatus}`, async () => {
    const answer = await call(route, await valid(route));
    expect(answer.status, JSON.stringify(answer.json)).toBe(okStatus);
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

  if (route.json) {
    const spec = BODIES[route.json];

    it('refuses a malformed or empty JSON body with malformed_json', async () => {
      const { path } = await valid(route);
      const key = Object.keys(spec.valid())[0]!;
      for (const body of [`{"${key}":`, '{', '{"a":1,}', "{'a':1}", '']) {
        expectError(await call(route, { path, body }), 'malformed_json');
      }
      expectError(await call(route, { path, contentType: 'application/json' }), 'malformed_json');
    });

    it('refuses a missing body and bodies that are not objects with validation_failed', async () => {
      const { path } = await valid(route);
      // Every chat body has a required field but one: the member change, whose fields are all optional.
      if (route.json !== 'updateMember') expectError(await call(route, { path }), 'validation_failed');
      for (const body of ['[]', '"text"', '42', 'true', 'null', JSON.stringify([spec.valid()])]) {
        const error = expectError(await call(route, { path, body }), 'validation_failed');
        expect(firstIssuePath(error), body).toBe('');
      }
    });

    it('refuses wrong types and out-of-range values with validation_failed naming the field', async () => {
      const { path } = await valid(route);
      for (const [body, field] of spec.invalid()) {
        const json = JSON.stringify(body);
        const error = expectError(await call(route, { path, body: json }), 'validation_failed');
        expect(firstIssuePath(error), json.slice(0, 200)).toBe(field);
      }
    });

    // Issue 10, items 4 and 7: reactions that are no emoji (prototype keys answered 500) and texts
    // made only of invisible characters are refused like any other bad field.
    const hostile = HOSTILE_FIELDS[route.json];
    if (hostile) {
      it(`refuses ${hostile.what} with validation_failed naming the ${hostile.field}`, async () => {
        const { path } = await valid(route);
        const ok = spec.valid();
        for (const value of hostile.values) {
          const json = JSON.stringify({ ...ok, [hostile.field]: value });
          const error = expectError(await call(route, { path, body: json }), 'validation_failed');
          expect(firstIssuePath(error), json).toBe(hostile.field);
        }
      });
    }

    if (route.json === 'updateMember') {
      it('answers a change of nothing with 200 and changes nothing', async () => {
        const { path } = await valid(route);
        const before = (await main.client.members(fx.chat)).members;
        expect((await call(route, { path, body: '{}' })).status).toBe(200);
        expect((await call(route, { path })).status).toBe(200);
        expect((await main.client.members(fx.chat)).members).toEqual(before);
      });
    }

    if (route.json === 'read') {
      it('keeps a read position within the log: past the last message it stops at the last one', async () => {
        const { path } = await valid(route);
        const { lastSeq } = await main.client.chat(fx.chat);
        for (const seq of [lastSeq + 1, 2147483647]) {
          const answer = await call(route, { path, body: JSON.stringify({ seq }) });
          expect(answer.json, String(seq)).toEqual({ readSeq: lastSeq });
        }
        expect((await main.client.chat(fx.chat)).readSeq).toBe(lastSeq);
      });
    }

    it('refuses unknown fields with validation_failed', async () => {
      const { path } = await valid(route);
      for (const extra of [{ admin: true }, { chatId: fx.chat }, { senderPersonId: fx.other }, { text_: 'x' }]) {
        expectError(await call(route, { path, body: JSON.stringify({ ...spec.valid(), ...extra }) }), 'validation_failed');
      }
    });

    it('refuses a body that is not valid UTF-8 with invalid_utf8', async () => {
      const { path } = await valid(route);
      expectError(await call(route, { path, body: invalidUtf8Body(Object.keys(spec.valid())[0]!) }), 'invalid_utf8');
    });

    it('refuses prototype poisoning with malformed_json', async () => {
      const { path } = await valid(route);
      const inner = JSON.stringify(spec.valid()).slice(1, -1);
      expectError(await call(route, { path, body: `{${inner},"__proto__":{"admin":true}}` }), 'malformed_json');
      expectError(await call(route, { path, body: `{${inner},"constructor":{"prototype":{"admin":true}}}` }), 'malformed_json');
    });

    it('refuses a JSON body sent as another media type with unsupported_media_type', async () => {
      const { path, body } = await valid(route);
      expectError(await call(route, { path, body, contentType: 'text/plain' }), 'unsupported_media_type');
      expectError(await call(route, { path, body, contentType: 'multipart/form-data' }), 'unsupported_media_type');
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

  if (route.query === 'none') {
    it('refuses unknown query parameters with validation_failed', async () => {
      for (const query of ['x=1', 'limit=10', '__proto__=1', 'token=abc', 'a[b]=1']) {
        expectError(await call(route, { ...(await valid(route)), query }), 'validation_failed');
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

  if (route.query === 'messages') {
    it('refuses unknown query parameters with validation_failed', async () => {
      for (const query of ['wat=1', 'offset=5', 'seq=1', 'limit=10&q=x']) {
        expectError(await call(route, { query }), 'validation_failed');
      }
    });

    it('refuses bad before, after and limit values with validation_failed naming the parameter', async () => {
      const cases: [string, string][] = [
        ['before=0', 'before'],
        ['before=-1', 'before'],
        ['before=abc', 'before'],
        ['before=2147483648', 'before'],
        ['before=1.5', 'before'],
        ['before=', 'before'],
        ['after=-1', 'after'],
        ['after=2147483648', 'after'],
        ['after=1e3', 'after'],
        ['after=1&after=2', 'after'],
        ['limit=0', 'limit'],
        ['limit=501', 'limit'],
        ['limit=abc', 'limit'],
        ['limit=-1', 'limit'],
      ];
      for (const [query, path] of cases) {
        const error = expectError(await call(route, { query }), 'validation_failed');
        expect(firstIssuePath(error), query).toBe(path);
      }
    });

    it('accepts the edges of each range', async () => {
      for (const query of ['limit=1', 'limit=500', 'before=1', 'before=2147483647', 'after=0', 'after=2147483647']) {
        const answer = await call(route, { query });
        expect(answer.status, query).toBe(200);
      }
      const past = await call(route, { query: 'after=2147483647' });
      expect(past.json).toEqual({ messages: [], hasMore: false });
    });
  }

  if (route.query === 'search') {
    it('refuses a missing, too short or too long q with validation_failed naming q', async () => {
      for (const query of ['', 'q=', 'q=a', 'q=%20a%20', `q=${'%20'.repeat(10)}`, `q=${'а'.repeat(201)}`, 'q=ab&q=cd']) {
        const error = expectError(await call(route, { query }), 'validation_failed');
        expect(firstIssuePath(error), query).toBe('q');
      }
    });

    it('refuses bad chatId and limit values and unknown parameters with validation_failed', async () => {
      const cases: [string, string][] = [
        ['q=урок&chatId=0', 'chatId'],
        ['q=урок&chatId=abc', 'chatId'],
        ['q=урок&chatId=-1', 'chatId'],
        ['q=урок&chatId=2147483648', 'chatId'],
        ['q=урок&limit=0', 'limit'],
        ['q=урок&limit=101', 'limit'],
        ['q=урок&limit=x', 'limit'],
      ];
      for (const [query, path] of cases) {
        const error = expectError(await call(route, { query }), 'validation_failed');
        expect(firstIssuePath(error), query).toBe(path);
      }
      expectError(await call(route, { query: 'q=урок&after=1' }), 'validation_failed');
    });

    it('accepts the edges, and words that look like query syntax', async () => {
      for (const q of [
        'ab',
        'а'.repeat(200),
        'контрольная',
        '"quoted"',
        'a* OR b',
        'NEAR(a b)',
        "'; drop table messages; --",
        '-x:y',
      ]) {
        const answer = await call(route, { query: `q=${encodeURIComponent(q)}` });
        expect(answer.status, q).toBe(200);
      }
      expect((await call(route, { query: `q=урок&chatId=${fx.chat}&limit=100` })).status).toBe(200);
    });

    it('answers a chat the caller is not in, or that does not exist, with not_found', async () => {
      expectError(await call(route, { query: `q=урок&chatId=${fx.foreign}` }), 'not_found');
      expectError(await call(route, { query: 'q=урок&chatId=987654321' }), 'not_found');
    });
  }

  if (route.query === 'reports') {
    it('refuses unknown query parameters and bad values with validation_failed', async () => {
      for (const query of ['x=1', 'all=2', 'all=yes', 'all=', 'all=1&all=0', 'limit=10']) {
        expectError(await call(route, { query }), 'validation_failed');
      }
      expect((await call(route, { query: 'all=1' })).status).toBe(200);
      expect((await call(route, { query: 'all=0' })).status).toBe(200);
    });
  }

  for (const param of paramsOf(route)) {
    const kind = paramKind(param);
    const withParam = async (value: string) => (await valid(route, { [param]: value })).path!;
    const validBodyWith = async (value: string) => valid(route, { [param]: value });

    if (kind === 'id') {
      it(`refuses bad path ${param}s with validation_failed naming the ${param}`, async () => {
        for (const id of ['abc', '-1', '0', '1.5', '99999999999999999999', '%20', 'null', '1;drop']) {
          const error = expectError(await call(route, await validBodyWith(id)), 'validation_failed');
          expect(firstIssuePath(error), id).toBe(param);
        }
      });
    }

    if (kind === 'seq') {
      it('refuses bad path seqs with validation_failed naming the seq', async () => {
        for (const seq of ['0', '-1', 'abc', '2147483648', '1.5', '1e3', '0x10', '99999999999999999999', '%20']) {
          const error = expectError(await call(route, await validBodyWith(seq)), 'validation_failed');
          expect(firstIssuePath(error), seq).toBe('seq');
        }
      });
    }

    if (kind === 'emoji') {
      it('refuses an emoji over 16 characters with validation_failed naming the emoji', async () => {
        for (const emoji of ['x'.repeat(17), 'я'.repeat(17), '👍'.repeat(17)]) {
          const error = expectError(await call(route, await validBodyWith(encodeURIComponent(emoji))), 'validation_failed');
          expect(firstIssuePath(error), emoji).toBe('emoji');
        }
      });

      it('refuses an empty emoji: without its segment the path is another route’s, with it the emoji is too short', async () => {
        const path = (await withParam('')).replace(/\/$/, '');
        // Without the emoji segment, the path is that of adding a reaction, which DELETE does not define.
        expectError(await call(route, { path }), 'method_not_allowed');
        // With the slash, the router hands over an empty emoji, which is too short.
        const error = expectError(await call(route, { path: `${path}/` }), 'validation_failed');
        expect(firstIssuePath(error)).toBe('emoji');
      });

      it('refuses prototype keys and other non-emoji as the removed reaction with validation_failed', async () => {
        for (const emoji of ['__proto__', 'constructor', 'toString', 'a', '👍👍']) {
          const error = expectError(await call(route, await validBodyWith(encodeURIComponent(emoji))), 'validation_failed');
          expect(firstIssuePath(error), emoji).toBe('emoji');
        }
      });

      it('answers a reaction nobody gave with the message as it is', async () => {
        const answer = await call(route, await validBodyWith(encodeURIComponent('🙈')));
        expect(answer.status).toBe(200);
      });
    }

    if (kind !== 'emoji') {
      it(`refuses a ${param} longer than the router allows and a broken percent-encoding with validation_failed`, async () => {
        expectError(await call(route, await validBodyWith('1'.repeat(200))), 'validation_failed');
        expectError(await call(route, await validBodyWith('%E0%A4%A')), 'validation_failed');
      });

      it(`answers a valid ${param} that does not exist with not_found`, async () => {
        const missing = kind === 'seq' ? ['987654', '2147483647'] : ['987654321', String(Number.MAX_SAFE_INTEGER)];
        for (const value of missing) {
          expectError(await call(route, await validBodyWith(value)), 'not_found');
        }
      });
    }
  }

  if (route.id === 'chat') {
    it('answers a chat the caller is not a member of with not_found, as if it did not exist', async () => {
      expectError(await call(route, await valid(route, { id: String(fx.foreign) })), 'not_found');
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
      const answer = await call(route, { ...(await valid(route)), authorization: `bearer ${token}` });
      expect(answer.status, JSON.stringify(answer.json)).toBe(okStatus);
    });
  }

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

  /** The first frame of a type from index `from` on, waiting for it (5 s per frame). */
  async until<T extends ServerFrame['type']>(type: T, from = 0): Promise<Extract<ServerFrame, { type: T }>> {
    for (;;) {
      const found = this.frames.slice(from).find((f) => f.type === type);
      if (found) return found as Extract<ServerFrame, { type: T }>;
      await this.next();
    }
  }

  /** Round trip: the socket is open and the server answers on it. */
  async ping(nonce: string): Promise<void> {
    const from = this.frames.length;
    this.ws.send(JSON.stringify({ type: 'session.ping', nonce }));
    expect(await this.until('session.pong', from)).toMatchObject({ nonce });
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

describe('message size', () => {
  it('answers a message text over 4,096 characters with 413 payload_too_large and the limit, on send and on edit', async () => {
    for (const text of ['я'.repeat(4097), 'x'.repeat(10_000)]) {
      const send = await main.client
        .sendMessage(fx.chat, { clientId: freshClientId(), text })
        .then(() => null)
        .catch((err: PartaError) => err);
      expect([send?.status, send?.code, send?.details?.limitChars]).toEqual([413, 'payload_too_large', 4096]);
      const edit = await main.client
        .editMessage(fx.chat, fx.editable, text)
        .then(() => null)
        .catch((err: PartaError) => err);
      expect([edit?.status, edit?.code]).toEqual([413, 'payload_too_large']);
    }
    // Exactly 4,096 characters is fine.
    expect((await main.client.sendMessage(fx.chat, { clientId: freshClientId(), text: 'я'.repeat(4096) })).duplicate).toBe(false);
  });
});

describe('WebSocket messaging frames', () => {
  /** A probe signed in as the main account. */
  async function signedIn(): Promise<Probe> {
    const p = new Probe();
    await p.opened();
    expect((await p.hello(main.token)).type).toBe('session.welcome');
    return p;
  }

  /** Sends each frame and expects validation_failed naming the field; the socket stays open. */
  async function refuses(p: Probe, cases: [unknown, string][]): Promise<void> {
    for (const [frame, path] of cases) {
      const json = JSON.stringify(frame);
      const error = await p.error(json);
      expect(error.code, json.slice(0, 200)).toBe('validation_failed');
      expect((error.details?.issues as { path: string }[])[0]!.path, json.slice(0, 200)).toBe(path);
    }
    expect(p.ws.readyState).toBe(WebSocket.OPEN);
  }

  it('answers message.send with missing, mistyped or over-long fields with validation_failed, and stays open', async () => {
    const p = await signedIn();
    const ok = { type: 'message.send', chatId: fx.chat, clientId: 'ws-bad-input-1', text: 'Привет' };
    await refuses(p, [
      [{ ...ok, chatId: undefined }, 'chatId'],
      [{ ...ok, chatId: String(fx.chat) }, 'chatId'],
      [{ ...ok, chatId: 0 }, 'chatId'],
      [{ ...ok, chatId: 1.5 }, 'chatId'],
      [{ ...ok, chatId: null }, 'chatId'],
      [{ ...ok, text: undefined }, 'text'],
      [{ ...ok, text: 42 }, 'text'],
      [{ ...ok, text: ' \n\t ' }, 'text'],
      [{ ...ok, clientId: undefined }, 'clientId'],
      [{ ...ok, clientId: 'short' }, 'clientId'],
      [{ ...ok, clientId: 'bad chars!' }, 'clientId'],
      [{ ...ok, clientId: 'x'.repeat(65) }, 'clientId'],
      [{ ...ok, replyToSeq: -1 }, 'replyToSeq'],
      [{ ...ok, replyToSeq: 2147483648 }, 'replyToSeq'],
      [{ ...ok, mentions: manyIds(101) }, 'mentions'],
      [{ ...ok, mentionAll: 'yes' }, 'mentionAll'],
      [{ ...ok, admin: true }, ''],
    ]);
    await p.ping('after-bad-sends');
    const tooLong = await p.error(JSON.stringify({ ...ok, text: 'я'.repeat(4097) }));
    expect([tooLong.code, tooLong.details?.limitChars]).toEqual(['payload_too_large', 4096]);
    expect(p.ws.readyState).toBe(WebSocket.OPEN);
    // 4,096 characters is the limit, not over it.
    const from = p.frames.length;
    p.ws.send(JSON.stringify({ ...ok, text: 'я'.repeat(4096) }));
    expect(await p.until('message.ack', from)).toMatchObject({ clientId: ok.clientId, chatId: fx.chat, duplicate: false });
    p.ws.close();
  });

  it('answers message.send to a chat the caller is not in, or that does not exist, with message.rejected not_found', async () => {
    const p = await signedIn();
    for (const chatId of [fx.foreign, 987654321, Number.MAX_SAFE_INTEGER]) {
      const from = p.frames.length;
      const clientId = `ws-not-mine-${chatId}`;
      p.ws.send(JSON.stringify({ type: 'message.send', chatId, clientId, text: 'Можно к вам?' }));
      const rejected = await p.until('message.rejected', from);
      expect(rejected).toMatchObject({ clientId, chatId, code: 'not_found' });
    }
    expect(p.frames.filter((f) => f.type === 'message.ack' || f.type === 'message.new')).toEqual([]);
    await p.ping('after-not-mine');
    p.ws.close();
    expect((await main.client.messages(fx.chat, { limit: 500 })).messages.map((m) => m.text)).not.toContain('Можно к вам?');
  });

  it('answers chat.sync with bad positions with validation_failed, and chats not the caller’s with not_found', async () => {
    const p = await signedIn();
    await refuses(p, [
      [{ type: 'chat.sync' }, 'positions'],
      [{ type: 'chat.sync', positions: {} }, 'positions'],
      [{ type: 'chat.sync', positions: [{ chatId: String(fx.chat), version: 0 }] }, 'positions.0.chatId'],
      [{ type: 'chat.sync', positions: [{ chatId: fx.chat }] }, 'positions.0.version'],
      [{ type: 'chat.sync', positions: [{ chatId: fx.chat, version: -1 }] }, 'positions.0.version'],
      [{ type: 'chat.sync', positions: [{ chatId: fx.chat, version: 2147483648 }] }, 'positions.0.version'],
      [{ type: 'chat.sync', positions: [{ chatId: fx.chat, version: 0, seq: 1 }] }, 'positions.0'],
    ]);
    for (const chatId of [fx.foreign, 987654321]) {
      const error = await p.error(JSON.stringify({ type: 'chat.sync', positions: [{ chatId, version: 0 }] }));
      expect(error).toMatchObject({ code: 'not_found', details: { chatId } });
    }
    // The largest version there is: nothing newer, the chat is caught up.
    const from = p.frames.length;
    p.ws.send(JSON.stringify({ type: 'chat.sync', positions: [{ chatId: fx.chat, version: 2147483647 }] }));
    expect(await p.until('chat.synced', from)).toEqual({
      type: 'chat.synced',
      chatId: fx.chat,
      throughVersion: 2147483647,
      hasMore: false,
    });
    await p.ping('after-sync');
    p.ws.close();
  });

  it('closes with 1009 on a chat.sync of 5,001 positions: it cannot fit in one frame', async () => {
    const p = await signedIn();
    const frame = JSON.stringify({ type: 'chat.sync', positions: manyIds(5001).map((chatId) => ({ chatId, version: 0 })) });
    expect(frame.length).toBeGreaterThan(MAX_WS_FRAME_BYTES);
    p.ws.send(frame);
    expect((await p.closed).code).toBe(WS_CLOSE.tooLarge);
  });

  it('refuses a chat.sync of more positions than one frame may carry with validation_failed, keeping the socket', async () => {
    const p = await signedIn();
    await refuses(p, [
      [{ type: 'chat.sync', positions: manyIds(MAX_SYNC_POSITIONS + 1).map((chatId) => ({ chatId, version: 0 })) }, 'positions'],
    ]);
    await p.ping('after-long-sync');
    p.ws.close();
  });

  it('answers chat.read, chat.typing and presence.query with bad fields with validation_failed', async () => {
    const p = await signedIn();
    await refuses(p, [
      [{ type: 'chat.read', chatId: fx.chat }, 'seq'],
      [{ type: 'chat.read', chatId: fx.chat, seq: 2147483648 }, 'seq'],
      [{ type: 'chat.read', chatId: fx.chat, seq: Number.MAX_SAFE_INTEGER }, 'seq'],
      [{ type: 'chat.read', chatId: fx.chat, seq: -1 }, 'seq'],
      [{ type: 'chat.read', chatId: fx.chat, seq: '1' }, 'seq'],
      [{ type: 'chat.read', seq: 1 }, 'chatId'],
      [{ type: 'chat.read', chatId: fx.chat, seq: 1, version: 1 }, ''],
      [{ type: 'chat.typing' }, 'chatId'],
      [{ type: 'chat.typing', chatId: 'all' }, 'chatId'],
      [{ type: 'chat.typing', chatId: fx.chat, text: 'h' }, ''],
      [{ type: 'presence.query' }, 'personIds'],
      [{ type: 'presence.query', personIds: [] }, 'personIds'],
      [{ type: 'presence.query', personIds: manyIds(501) }, 'personIds'],
      [{ type: 'presence.query', personIds: [String(fx.student)] }, 'personIds.0'],
    ]);
    await p.ping('after-bad-frames');
    p.ws.close();
  });

  it('answers chat.read and chat.typing in a chat the caller is not in with not_found', async () => {
    const p = await signedIn();
    for (const chatId of [fx.foreign, 987654321]) {
      expect((await p.error(JSON.stringify({ type: 'chat.read', chatId, seq: 1 }))).code).toBe('not_found');
      expect((await p.error(JSON.stringify({ type: 'chat.typing', chatId }))).code).toBe('not_found');
    }
    await p.ping('after-not-member');
    p.ws.close();
  });

  it('still serves the socket afterwards: a send is acknowledged and delivered', async () => {
    const p = await signedIn();
    const from = p.frames.length;
    p.ws.send(JSON.stringify({ type: 'message.send', chatId: fx.chat, clientId: 'ws-after-all', text: 'Всё работает' }));
    const ack = await p.until('message.ack', from);
    const fresh = await p.until('message.new', from);
    expect(fresh.message).toMatchObject({ chatId: fx.chat, seq: ack.seq, text: 'Всё работает' });
    p.ws.close();
  });
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
