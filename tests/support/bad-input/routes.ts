import { fx, freshChat, freshMessage } from './state.js';

/* The route table of tests/api/bad-input.test.ts: every HTTP route of the API and what it accepts. */

/** What a route accepts as its body. */
export type BodyKind =
  /** `DevLoginRequest`. */
  | 'login'
  /** A JSON object described by the route's `json` entry in `BODIES`. */
  | 'json'
  /** Nothing; a JSON body is parsed (so malformed JSON is still malformed) and then refused. */
  | 'none'
  /** A GET: HTTP gives a body no meaning and `fetch` cannot send one. */
  | 'get';

/** What a route accepts as its query. */
export type QueryKind =
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
export type IdKind = 'session' | 'organization' | 'class' | 'chat' | 'report';

/** The JSON bodies of the chat routes (see `BODIES`). */
export type JsonKind =
  'createChat' | 'direct' | 'addMembers' | 'updateMember' | 'send' | 'edit' | 'react' | 'report' | 'read' | 'resolve';

/** An HTTP method of the API. */
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One HTTP route and what it accepts. */
export interface Route {
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
export const ROUTES: Route[] = [
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

/** A route's name in test titles. */
export const nameOf = (r: Route) => `${r.method} ${r.path}`;

/** The kind of a path parameter, for the values it refuses. */
export function paramKind(name: string): 'id' | 'seq' | 'emoji' {
  return name === 'seq' ? 'seq' : name === 'emoji' ? 'emoji' : 'id';
}

/** A method the route's path does not define. */
export function undefinedMethod(route: Route): Method {
  const defined = new Set(ROUTES.filter((r) => r.path === route.path).map((r) => r.method));
  return (['PUT', 'PATCH', 'POST', 'DELETE', 'GET'] as const).find((m) => !defined.has(m))!;
}
