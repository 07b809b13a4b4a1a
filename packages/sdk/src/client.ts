import {
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
} from '@parta/protocol';
import type { z } from 'zod';
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
