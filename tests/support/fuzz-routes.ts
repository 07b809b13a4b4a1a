/**
 * The fuzzer's table of HTTP routes (tests/api/fuzz-http.test.ts): each route's body, query and
 * answer schemas from the protocol, and the contract every answer is checked against.
 */
import { z } from 'zod';
import {
  AddMembersRequest,
  AuthOptions,
  ChatList,
  ChatMemberList,
  ChatSummary,
  ClassList,
  ClassMembers,
  Community,
  CreateChatRequest,
  DevLoginRequest,
  DirectChatRequest,
  EditHistory,
  EditMessageRequest,
  Emoji,
  ERROR_STATUS,
  ErrorBody,
  HealthResponse,
  Id,
  IdParam,
  LoginResponse,
  LogoutResponse,
  MeResponse,
  Message,
  MessagePage,
  MessagePageQuery,
  Organization,
  OrganizationList,
  PageQuery,
  PeoplePage,
  PeopleQuery,
  ReactRequest,
  Readers,
  ReadRequest,
  ReportList,
  ReportRequest,
  ResolveReportRequest,
  RosterSyncResult,
  SearchQuery,
  SearchResults,
  SendAck,
  SendMessage,
  Seq,
  SeqParam,
  SessionList,
  UpdateMemberRequest,
} from '@parta/protocol';

/** The schemas of each route's body and query (path parameters follow from their names, see `PARAMS`). */
export interface RouteInput {
  body?: z.ZodType;
  query?: z.ZodType;
  /** Ends sessions: the actors sign in again after it succeeds. */
  revokes?: boolean;
  /** The schema of a successful answer's body; null for a body that is not JSON (the Prometheus text). */
  answer: z.ZodType | null;
}

/** The answer of routes that only confirm. */
const Ok = z.object({ ok: z.literal(true) });

/**
 * Every HTTP route the server defines. A route the server has and this table lacks fails the first
 * test, so that a new route is fuzzed as soon as it exists.
 */
export const ROUTES: Record<string, RouteInput> = {
  'GET /api/v1/health': { answer: HealthResponse },
  'GET /metrics': { answer: null },
  'GET /api/v1/auth/options': { answer: AuthOptions },
  'POST /api/v1/auth/dev-login': { body: DevLoginRequest, answer: LoginResponse },
  'POST /api/v1/auth/logout': { revokes: true, answer: LogoutResponse },
  'POST /api/v1/auth/logout-all': { revokes: true, answer: LogoutResponse },
  'GET /api/v1/sessions': { answer: SessionList },
  'DELETE /api/v1/sessions/:id': { revokes: true, answer: LogoutResponse },
  'GET /api/v1/me': { answer: MeResponse },
  'GET /api/v1/organizations': { query: PageQuery, answer: OrganizationList },
  'GET /api/v1/organizations/:id': { answer: Organization },
  'GET /api/v1/organizations/:id/classes': { answer: ClassList },
  'GET /api/v1/organizations/:id/people': { query: PeopleQuery, answer: PeoplePage },
  'GET /api/v1/classes/:id/members': { answer: ClassMembers },
  'GET /api/v1/chats': { answer: ChatList },
  'POST /api/v1/chats': { body: CreateChatRequest, answer: ChatSummary },
  'POST /api/v1/chats/direct': { body: DirectChatRequest, answer: ChatSummary },
  'GET /api/v1/chats/:id': { answer: ChatSummary },
  'GET /api/v1/chats/:id/members': { answer: ChatMemberList },
  'POST /api/v1/chats/:id/members': { body: AddMembersRequest, answer: z.object({ added: z.array(Id) }) },
  'DELETE /api/v1/chats/:id/members/:personId': { answer: Ok },
  'PATCH /api/v1/chats/:id/members/:personId': { body: UpdateMemberRequest, answer: Ok },
  'GET /api/v1/chats/:id/messages': { query: MessagePageQuery, answer: MessagePage },
  'POST /api/v1/chats/:id/messages': { body: SendMessage, answer: SendAck },
  'PATCH /api/v1/chats/:id/messages/:seq': { body: EditMessageRequest, answer: Message },
  'DELETE /api/v1/chats/:id/messages/:seq': { answer: Message },
  'POST /api/v1/chats/:id/messages/:seq/reactions': { body: ReactRequest, answer: Message },
  'DELETE /api/v1/chats/:id/messages/:seq/reactions/:emoji': { answer: Message },
  'PUT /api/v1/chats/:id/messages/:seq/pin': { answer: Message },
  'DELETE /api/v1/chats/:id/messages/:seq/pin': { answer: Message },
  'GET /api/v1/chats/:id/messages/:seq/readers': { answer: Readers },
  'GET /api/v1/chats/:id/messages/:seq/history': { answer: EditHistory },
  'POST /api/v1/chats/:id/messages/:seq/report': { body: ReportRequest, answer: z.object({ reportId: Id }) },
  'POST /api/v1/chats/:id/read': { body: ReadRequest, answer: z.object({ readSeq: Seq }) },
  'GET /api/v1/organizations/:id/reports': { query: z.object({ all: z.enum(['0', '1']).optional() }), answer: ReportList },
  'POST /api/v1/reports/:id/resolve': { body: ResolveReportRequest, answer: Ok },
  'GET /api/v1/organizations/:id/community': { answer: Community },
  'POST /api/v1/organizations/:id/roster-sync': { answer: RosterSyncResult },
  'GET /api/v1/search': { query: SearchQuery, answer: SearchResults },
};

/** The schema of each path parameter name. */
export const PARAMS: Record<string, z.ZodType> = { id: IdParam, personId: IdParam, seq: SeqParam, emoji: Emoji };

/** Reactions the server accepts, for valid-shaped `:emoji` parameters. */
export const EMOJI = ['👍', '❤️', '😂', '🇷🇺', '1️⃣', '👍🏽', '👨‍👩‍👧'];

/** Percent-encodes a path parameter; a lone surrogate, which UTF-8 cannot hold, becomes its invalid three-byte form. */
export function encodeParam(value: string): string {
  return value.replace(/[\s\S]/gu, (ch) => {
    if (ch.length === 1 && ch >= '\ud800' && ch <= '\udfff') {
      const cu = ch.charCodeAt(0);
      return [0xed, 0xa0 | ((cu >> 6) & 0x1f), 0x80 | (cu & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    }
    return encodeURIComponent(ch);
  });
}

/**
 * The contract: below 500; every success a body of the route's answer schema; every 4xx an
 * `ErrorBody` whose code travels with its status.
 */
export function contractBreach(status: number, text: string, answer: z.ZodType | null): string | null {
  if (status >= 500) return `answered ${status}: ${text.slice(0, 300)}`;
  if (status < 400) {
    if (answer === null) return null;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return `answered ${status} with a body that is not JSON: ${JSON.stringify(text.slice(0, 300))}`;
    }
    const ok = answer.safeParse(body);
    return ok.success ? null : `answered ${status} with a body that is not its protocol schema: ${text.slice(0, 300)}`;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return `answered ${status} with a body that is not JSON: ${text.slice(0, 300)}`;
  }
  const parsed = ErrorBody.safeParse(json);
  if (!parsed.success) return `answered ${status} with a body that is not an ErrorBody: ${text.slice(0, 300)}`;
  if (ERROR_STATUS[parsed.data.error.code] !== status) return `answered ${status} with code ${parsed.data.error.code}`;
  return null;
}
