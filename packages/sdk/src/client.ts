import {
  AuthOptions,
  ClassList,
  ClassMembers,
  type DevLoginRequest,
  ErrorBody,
  HealthResponse,
  LoginResponse,
  LogoutResponse,
  MeResponse,
  Organization,
  OrganizationList,
  PeoplePage,
  type PeopleQuery,
  SessionList,
  API_PREFIX,
  ChatList,
  ChatMemberList,
  ChatSummary,
  Community,
  type CreateChatRequest,
  EditHistory,
  Message,
  MessagePage,
  type MessagePageQuery,
  Readers,
  ReportList,
  SearchResults,
  RosterSyncResult,
  type SearchQuery,
  SendAck,
  type SendMessage,
  type UpdateMemberRequest,
} from '@parta/protocol';
import { z } from 'zod';
import { PartaError } from './errors.js';
import { Realtime, type WebSocketCtor } from './realtime.js';

/** How to reach a Parta server. */
export interface ClientOptions {
  /** Base URL of the server, e.g. `http://localhost:8080`. */
  baseUrl: string;
  /** A bearer token from an earlier sign-in. */
  token?: string | null;
  /** `fetch` to use (defaults to the global one). */
  fetch?: typeof fetch;
  /** WebSocket constructor (defaults to the global one; pass `ws`'s in Node 20). */
  WebSocket?: WebSocketCtor;
}

type Query = Record<string, string | number | undefined>;

/** A typed client of the Parta API. Every response is validated against the protocol. */
export class PartaClient {
  /** The bearer token in use, set by sign-in. */
  token: string | null;
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly WebSocketImpl: WebSocketCtor | undefined;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token ?? null;
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.WebSocketImpl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketCtor }).WebSocket;
  }

  /** Sends one request and validates the answer with `schema`; errors become `PartaError`s. */
  async request<T>(method: string, path: string, schema: z.ZodType<T>, init: { body?: unknown; query?: Query } = {}): Promise<T> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(init.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method,
        headers,
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      });
    } catch (cause) {
      throw new PartaError('network', `cannot reach ${this.baseUrl}`, 0, undefined, { cause });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch (cause) {
      throw new PartaError('protocol', `the server answered ${res.status} with a body that is not JSON`, res.status, undefined, {
        cause,
      });
    }
    if (!res.ok) {
      const err = ErrorBody.safeParse(json);
      if (!err.success) throw new PartaError('protocol', `the server answered ${res.status} without an error body`, res.status);
      throw new PartaError(err.data.error.code, err.data.error.message, res.status, err.data.error.details);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new PartaError('protocol', `unexpected answer to ${method} ${path}: ${parsed.error.message}`, res.status);
    }
    return parsed.data;
  }

  /** `GET /health`. */
  health() {
    return this.request('GET', `${API_PREFIX}/health`, HealthResponse);
  }

  /** `GET /auth/options`: the ways to sign in on this server (no token needed). */
  authOptions() {
    return this.request('GET', `${API_PREFIX}/auth/options`, AuthOptions);
  }

  /** Signs in with the development login and keeps the token. */
  async devLogin(body: DevLoginRequest) {
    const res = await this.request('POST', `${API_PREFIX}/auth/dev-login`, LoginResponse, { body });
    this.token = res.token;
    return res;
  }

  /** Ends this session and forgets the token. */
  async logout() {
    const res = await this.request('POST', `${API_PREFIX}/auth/logout`, LogoutResponse);
    this.token = null;
    return res;
  }

  /** Ends every session of the account and forgets the token. */
  async logoutEverywhere() {
    const res = await this.request('POST', `${API_PREFIX}/auth/logout-all`, LogoutResponse);
    this.token = null;
    return res;
  }

  /** The signed-in devices. */
  sessions() {
    return this.request('GET', `${API_PREFIX}/sessions`, SessionList);
  }

  /** Signs one device out. */
  revokeSession(id: number) {
    return this.request('DELETE', `${API_PREFIX}/sessions/${id}`, LogoutResponse);
  }

  /** The account, its profiles and organizations. */
  me() {
    return this.request('GET', `${API_PREFIX}/me`, MeResponse);
  }

  /** Organizations the caller belongs to or oversees, paged. */
  organizations(page: { after?: number; limit?: number } = {}) {
    return this.request('GET', `${API_PREFIX}/organizations`, OrganizationList, { query: page });
  }

  /** One organization. */
  organization(id: number) {
    return this.request('GET', `${API_PREFIX}/organizations/${id}`, Organization);
  }

  /** Classes of an organization this academic year. */
  classes(organizationId: number) {
    return this.request('GET', `${API_PREFIX}/organizations/${organizationId}/classes`, ClassList);
  }

  /** People of an organization the caller may see, paged. */
  people(organizationId: number, query: Partial<PeopleQuery> = {}) {
    return this.request('GET', `${API_PREFIX}/organizations/${organizationId}/people`, PeoplePage, { query });
  }

  /** Students and teachers of a class. */
  classMembers(classId: number) {
    return this.request('GET', `${API_PREFIX}/classes/${classId}/members`, ClassMembers);
  }

  /** The caller's chats, most recently active first. */
  chats() {
    return this.request('GET', `${API_PREFIX}/chats`, ChatList);
  }

  /** One chat. */
  chat(chatId: number) {
    return this.request('GET', `${API_PREFIX}/chats/${chatId}`, ChatSummary);
  }

  /** Creates a group chat or channel. */
  createChat(body: Partial<CreateChatRequest> & Pick<CreateChatRequest, 'kind' | 'organizationId' | 'title'>) {
    return this.request('POST', `${API_PREFIX}/chats`, ChatSummary, { body });
  }

  /** Opens (or finds) the direct chat with a person. */
  openDirect(personId: number) {
    return this.request('POST', `${API_PREFIX}/chats/direct`, ChatSummary, { body: { personId } });
  }

  /** Members of a chat. */
  members(chatId: number) {
    return this.request('GET', `${API_PREFIX}/chats/${chatId}/members`, ChatMemberList);
  }

  /** Adds persons to a chat. */
  addMembers(chatId: number, personIds: number[]) {
    return this.request('POST', `${API_PREFIX}/chats/${chatId}/members`, z.object({ added: z.array(z.number()) }), {
      body: { personIds },
    });
  }

  /** Removes a member (or leaves, with one's own person id). */
  removeMember(chatId: number, personId: number) {
    return this.request('DELETE', `${API_PREFIX}/chats/${chatId}/members/${personId}`, z.object({ ok: z.literal(true) }));
  }

  /** Changes a member's role or mute. */
  updateMember(chatId: number, personId: number, body: UpdateMemberRequest) {
    return this.request('PATCH', `${API_PREFIX}/chats/${chatId}/members/${personId}`, z.object({ ok: z.literal(true) }), {
      body,
    });
  }

  /** A page of a chat's messages. */
  messages(chatId: number, query: Partial<MessagePageQuery> = {}) {
    return this.request('GET', `${API_PREFIX}/chats/${chatId}/messages`, MessagePage, { query });
  }

  /** Sends over HTTP (the WebSocket's `Realtime.send` is the fast path). */
  sendMessage(chatId: number, body: Partial<SendMessage> & Pick<SendMessage, 'clientId' | 'text'>) {
    return this.request('POST', `${API_PREFIX}/chats/${chatId}/messages`, SendAck, { body });
  }

  /** Edits one's own message. */
  editMessage(chatId: number, seq: number, text: string) {
    return this.request('PATCH', `${API_PREFIX}/chats/${chatId}/messages/${seq}`, Message, { body: { text } });
  }

  /** Deletes a message for everyone. */
  deleteMessage(chatId: number, seq: number) {
    return this.request('DELETE', `${API_PREFIX}/chats/${chatId}/messages/${seq}`, Message);
  }

  /** Adds a reaction. */
  react(chatId: number, seq: number, emoji: string) {
    return this.request('POST', `${API_PREFIX}/chats/${chatId}/messages/${seq}/reactions`, Message, { body: { emoji } });
  }

  /** Removes one's reaction. */
  unreact(chatId: number, seq: number, emoji: string) {
    return this.request(
      'DELETE',
      `${API_PREFIX}/chats/${chatId}/messages/${seq}/reactions/${encodeURIComponent(emoji)}`,
      Message,
    );
  }

  /** Pins or unpins a message. */
  pin(chatId: number, seq: number, on = true) {
    return this.request(on ? 'PUT' : 'DELETE', `${API_PREFIX}/chats/${chatId}/messages/${seq}/pin`, Message);
  }

  /** Who has read a message, and who has not. */
  readers(chatId: number, seq: number) {
    return this.request('GET', `${API_PREFIX}/chats/${chatId}/messages/${seq}/readers`, Readers);
  }

  /** Earlier texts of an edited message (moderators). */
  editHistory(chatId: number, seq: number) {
    return this.request('GET', `${API_PREFIX}/chats/${chatId}/messages/${seq}/history`, EditHistory);
  }

  /** Reports a message to the school's moderators. */
  report(chatId: number, seq: number, reason: string) {
    return this.request('POST', `${API_PREFIX}/chats/${chatId}/messages/${seq}/report`, z.object({ reportId: z.number() }), {
      body: { reason },
    });
  }

  /** Moves the read position. */
  markRead(chatId: number, seq: number) {
    return this.request('POST', `${API_PREFIX}/chats/${chatId}/read`, z.object({ readSeq: z.number() }), { body: { seq } });
  }

  /** The school's moderation queue. */
  reports(organizationId: number, all = false) {
    return this.request('GET', `${API_PREFIX}/organizations/${organizationId}/reports`, ReportList, {
      query: all ? { all: '1' } : {},
    });
  }

  /** Resolves a report. */
  resolveReport(reportId: number, action: 'deleted' | 'dismissed' | 'muted' | 'removed') {
    return this.request('POST', `${API_PREFIX}/reports/${reportId}/resolve`, z.object({ ok: z.literal(true) }), {
      body: { action },
    });
  }

  /** A school's space: its channels and chats the caller is in (and, for its admins, the rest). */
  community(organizationId: number) {
    return this.request('GET', `${API_PREFIX}/organizations/${organizationId}/community`, Community);
  }

  /** Brings a school's class chats, parents' chats, staff room and news channel in step with the roster (school admins). */
  syncRoster(organizationId: number) {
    return this.request('POST', `${API_PREFIX}/organizations/${organizationId}/roster-sync`, RosterSyncResult);
  }

  /** Full-text search over the caller's chats. */
  search(query: Partial<SearchQuery> & Pick<SearchQuery, 'q'>) {
    return this.request('GET', `${API_PREFIX}/search`, SearchResults, { query });
  }

  /** Opens the realtime connection (authenticates with the current token, reconnects by itself). */
  connect(options: { reconnect?: boolean; maxBackoffMs?: number } = {}): Realtime {
    if (!this.WebSocketImpl) throw new PartaError('network', 'no WebSocket implementation: pass one in ClientOptions', 0);
    const url = this.baseUrl.replace(/^http/, 'ws') + `${API_PREFIX}/ws`;
    return new Realtime(url, () => this.token, this.WebSocketImpl, {
      reconnect: options.reconnect ?? true,
      maxBackoffMs: options.maxBackoffMs ?? 10_000,
    });
  }
}
