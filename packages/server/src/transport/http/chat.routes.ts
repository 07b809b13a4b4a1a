import type { FastifyInstance } from 'fastify';
import {
  AddMembersRequest,
  type ChatList,
  type ChatMemberList,
  type ChatSummary,
  type Community,
  CreateChatRequest,
  DirectChatRequest,
  EditMessageRequest,
  type EditHistory,
  IdParam,
  SeqParam,
  type Message,
  type MessagePage,
  MessagePageQuery,
  ReactRequest,
  ReadRequest,
  type Readers,
  ReportRequest,
  type ReportList,
  type RosterSyncResult,
  ResolveReportRequest,
  type SearchResults,
  SearchQuery,
  type SendAck,
  SendMessage,
  UpdateMemberRequest,
  Emoji,
} from '@parta/protocol';
import { z } from 'zod';
import type { ChatService } from '../../domain/chat.service.js';
import { notFound } from '../../domain/errors.js';
import type { Sender } from '../../domain/delivery.js';
import type { Authenticated } from '../../domain/auth.service.js';
import type { SearchService } from '../../domain/search.service.js';
import { type Authenticator, defineRoute } from './route.js';

const ChatParams = z.object({ id: IdParam }).strict();
const MessageParams = z.object({ id: IdParam, seq: SeqParam }).strict();
const MemberParams = z.object({ id: IdParam, personId: IdParam }).strict();
const ReactionParams = z.object({ id: IdParam, seq: SeqParam, emoji: Emoji }).strict();
const IncludeResolved = z.object({ all: z.enum(['0', '1']).optional() }).strict();

/** Chats, members, messages and moderation over HTTP (sends also go over the WebSocket). */
export function chatRoutes(
  app: FastifyInstance,
  authenticate: Authenticator,
  chats: ChatService,
  search: SearchService,
  senderOf: (auth: Authenticated) => Promise<Sender>,
): void {
  const P = '/api/v1';
  const route = <B, Q, Pr, R>(spec: Parameters<typeof defineRoute<B, Q, Pr, R, true>>[2]) =>
    defineRoute<B, Q, Pr, R, true>(app, authenticate, spec);

  route({
    method: 'GET',
    url: `${P}/chats`,
    handler: async ({ auth }): Promise<ChatList> => ({ chats: await chats.summaries(await senderOf(auth)) }),
  });
  route({
    method: 'POST',
    url: `${P}/chats`,
    body: CreateChatRequest,
    status: 201,
    handler: async ({ auth, body }): Promise<ChatSummary> => chats.createChat(await senderOf(auth), body),
  });
  route({
    method: 'POST',
    url: `${P}/chats/direct`,
    body: DirectChatRequest,
    handler: async ({ auth, body }): Promise<ChatSummary> => chats.openDirect(await senderOf(auth), body.personId),
  });
  route({
    method: 'GET',
    url: `${P}/chats/:id`,
    params: ChatParams,
    handler: async ({ auth, params }): Promise<ChatSummary> => {
      const [s] = await chats.summaries(await senderOf(auth), [params.id]);
      if (!s) throw notFound('chat');
      return s;
    },
  });
  route({
    method: 'GET',
    url: `${P}/chats/:id/members`,
    params: ChatParams,
    handler: async ({ auth, params }): Promise<ChatMemberList> => ({
      members: await chats.members(await senderOf(auth), params.id),
    }),
  });
  route({
    method: 'POST',
    url: `${P}/chats/:id/members`,
    params: ChatParams,
    body: AddMembersRequest,
    handler: async ({ auth, params, body }) => ({
      added: await chats.addMembers(await senderOf(auth), params.id, body.personIds),
    }),
  });
  route({
    method: 'DELETE',
    url: `${P}/chats/:id/members/:personId`,
    params: MemberParams,
    handler: async ({ auth, params }) => {
      await chats.removeMember(await senderOf(auth), params.id, params.personId);
      return { ok: true };
    },
  });
  route({
    method: 'PATCH',
    url: `${P}/chats/:id/members/:personId`,
    params: MemberParams,
    body: UpdateMemberRequest,
    handler: async ({ auth, params, body }) => {
      await chats.updateMember(await senderOf(auth), params.id, params.personId, body);
      return { ok: true };
    },
  });
  route({
    method: 'GET',
    url: `${P}/chats/:id/messages`,
    params: ChatParams,
    query: MessagePageQuery,
    handler: async ({ auth, params, query }): Promise<MessagePage> => chats.messages(await senderOf(auth), params.id, query),
  });
  route({
    method: 'POST',
    url: `${P}/chats/:id/messages`,
    params: ChatParams,
    body: SendMessage,
    handler: async ({ auth, params, body }): Promise<SendAck> => chats.send(await senderOf(auth), params.id, body),
  });
  route({
    method: 'PATCH',
    url: `${P}/chats/:id/messages/:seq`,
    params: MessageParams,
    body: EditMessageRequest,
    handler: async ({ auth, params, body }): Promise<Message> =>
      chats.edit(await senderOf(auth), params.id, params.seq, body.text),
  });
  route({
    method: 'DELETE',
    url: `${P}/chats/:id/messages/:seq`,
    params: MessageParams,
    handler: async ({ auth, params }): Promise<Message> => chats.remove(await senderOf(auth), params.id, params.seq),
  });
  route({
    method: 'POST',
    url: `${P}/chats/:id/messages/:seq/reactions`,
    params: MessageParams,
    body: ReactRequest,
    handler: async ({ auth, params, body }): Promise<Message> =>
      chats.react(await senderOf(auth), params.id, params.seq, body.emoji, true),
  });
  route({
    method: 'DELETE',
    url: `${P}/chats/:id/messages/:seq/reactions/:emoji`,
    params: ReactionParams,
    handler: async ({ auth, params }): Promise<Message> =>
      chats.react(await senderOf(auth), params.id, params.seq, params.emoji, false),
  });
  route({
    method: 'PUT',
    url: `${P}/chats/:id/messages/:seq/pin`,
    params: MessageParams,
    handler: async ({ auth, params }): Promise<Message> => chats.pin(await senderOf(auth), params.id, params.seq, true),
  });
  route({
    method: 'DELETE',
    url: `${P}/chats/:id/messages/:seq/pin`,
    params: MessageParams,
    handler: async ({ auth, params }): Promise<Message> => chats.pin(await senderOf(auth), params.id, params.seq, false),
  });
  route({
    method: 'GET',
    url: `${P}/chats/:id/messages/:seq/readers`,
    params: MessageParams,
    handler: async ({ auth, params }): Promise<Readers> => chats.readers(await senderOf(auth), params.id, params.seq),
  });
  route({
    method: 'GET',
    url: `${P}/chats/:id/messages/:seq/history`,
    params: MessageParams,
    handler: async ({ auth, params }): Promise<EditHistory> => chats.history(await senderOf(auth), params.id, params.seq),
  });
  route({
    method: 'POST',
    url: `${P}/chats/:id/messages/:seq/report`,
    params: MessageParams,
    body: ReportRequest,
    status: 201,
    handler: async ({ auth, params, body }) => ({
      reportId: await chats.report(await senderOf(auth), params.id, params.seq, body.reason),
    }),
  });
  route({
    method: 'POST',
    url: `${P}/chats/:id/read`,
    params: ChatParams,
    body: ReadRequest,
    handler: async ({ auth, params, body }) => ({ readSeq: await chats.markRead(await senderOf(auth), params.id, body.seq) }),
  });
  route({
    method: 'GET',
    url: `${P}/organizations/:id/reports`,
    params: ChatParams,
    query: IncludeResolved,
    handler: async ({ auth, params, query }): Promise<ReportList> => ({
      reports: await chats.reports(await senderOf(auth), params.id, query.all === '1'),
    }),
  });
  route({
    method: 'POST',
    url: `${P}/reports/:id/resolve`,
    params: ChatParams,
    body: ResolveReportRequest,
    handler: async ({ auth, params, body }) => {
      await chats.resolveReport(await senderOf(auth), params.id, body.action);
      return { ok: true };
    },
  });
  route({
    method: 'GET',
    url: `${P}/organizations/:id/community`,
    params: ChatParams,
    handler: async ({ auth, params }): Promise<Community> => chats.community(await senderOf(auth), params.id),
  });
  route({
    method: 'POST',
    url: `${P}/organizations/:id/roster-sync`,
    params: ChatParams,
    handler: async ({ auth, params }): Promise<RosterSyncResult> => chats.syncRosterAs(await senderOf(auth), params.id),
  });
  route({
    method: 'GET',
    url: `${P}/search`,
    query: SearchQuery,
    handler: async ({ auth, query }): Promise<SearchResults> => ({ messages: await search.search(await senderOf(auth), query) }),
  });
}
