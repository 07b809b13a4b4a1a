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
import type { ChatsService } from '../../domain/chats.service.js';
import type { MembersService } from '../../domain/members.service.js';
import type { MessagesService } from '../../domain/messages.service.js';
import type { ModerationService } from '../../domain/moderation.service.js';
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
  services: { chats: ChatsService; members: MembersService; messages: MessagesService; moderation: ModerationService },
  search: SearchService,
  senderOf: (auth: Authenticated) => Promise<Sender>,
): void {
  const { chats, members, messages, moderation } = services;
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
      members: await members.members(await senderOf(auth), params.id),
    }),
  });
  route({
    method: 'POST',
    url: `${P}/chats/:id/members`,
    params: ChatParams,
    body: AddMembersRequest,
    handler: async ({ auth, params, body }) => ({
      added: await members.addMembers(await senderOf(auth), params.id, body.personIds),
    }),
  });
  route({
    method: 'DELETE',
    url: `${P}/chats/:id/members/:personId`,
    params: MemberParams,
    handler: async ({ auth, params }) => {
      await members.removeMember(await senderOf(auth), params.id, params.personId);
      return { ok: true };
    },
  });
  route({
    method: 'PATCH',
    url: `${P}/chats/:id/members/:personId`,
    params: MemberParams,
    body: UpdateMemberRequest,
    handler: async ({ auth, params, body }) => {
      await members.updateMember(await senderOf(auth), params.id, params.personId, body);
      return { ok: true };
    },
  });
  route({
    method: 'GET',
    url: `${P}/chats/:id/messages`,
    params: ChatParams,
    query: MessagePageQuery,
    handler: async ({ auth, params, query }): Promise<MessagePage> => messages.messages(await senderOf(auth), params.id, query),
  });
  route({
    method: 'POST',
    url: `${P}/chats/:id/messages`,
    params: ChatParams,
    body: SendMessage,
    handler: async ({ auth, params, body }): Promise<SendAck> => messages.send(await senderOf(auth), params.id, body),
  });
  route({
    method: 'PATCH',
    url: `${P}/chats/:id/messages/:seq`,
    params: MessageParams,
    body: EditMessageRequest,
    handler: async ({ auth, params, body }): Promise<Message> =>
      messages.edit(await senderOf(auth), params.id, params.seq, body.text),
  });
  route({
    method: 'DELETE',
    url: `${P}/chats/:id/messages/:seq`,
    params: MessageParams,
    handler: async ({ auth, params }): Promise<Message> => messages.remove(await senderOf(auth), params.id, params.seq),
  });
  route({
    method: 'POST',
    url: `${P}/chats/:id/messages/:seq/reactions`,
    params: MessageParams,
    body: ReactRequest,
    handler: async ({ auth, params, body }): Promise<Message> =>
      messages.react(await senderOf(auth), params.id, params.seq, body.emoji, true),
  });
  route({
    method: 'DELETE',
    url: `${P}/chats/:id/messages/:seq/reactions/:emoji`,
    params: ReactionParams,
    handler: async ({ auth, params }): Promise<Message> =>
      messages.react(await senderOf(auth), params.id, params.seq, params.emoji, false),
  });
  route({
    method: 'PUT',
    url: `${P}/chats/:id/messages/:seq/pin`,
    params: MessageParams,
    handler: async ({ auth, params }): Promise<Message> => messages.pin(await senderOf(auth), params.id, params.seq, true),
  });
  route({
    method: 'DELETE',
    url: `${P}/chats/:id/messages/:seq/pin`,
    params: MessageParams,
    handler: async ({ auth, params }): Promise<Message> => messages.pin(await senderOf(auth), params.id, params.seq, false),
  });
  route({
    method: 'GET',
    url: `${P}/chats/:id/messages/:seq/readers`,
    params: MessageParams,
    handler: async ({ auth, params }): Promise<Readers> => messages.readers(await senderOf(auth), params.id, params.seq),
  });
  route({
    method: 'GET',
    url: `${P}/chats/:id/messages/:seq/history`,
    params: MessageParams,
    handler: async ({ auth, params }): Promise<EditHistory> => messages.history(await senderOf(auth), params.id, params.seq),
  });
  route({
    method: 'POST',
    url: `${P}/chats/:id/messages/:seq/report`,
    params: MessageParams,
    body: ReportRequest,
    status: 201,
    handler: async ({ auth, params, body }) => ({
      reportId: await moderation.report(await senderOf(auth), params.id, params.seq, body.reason),
    }),
  });
  route({
    method: 'POST',
    url: `${P}/chats/:id/read`,
    params: ChatParams,
    body: ReadRequest,
    handler: async ({ auth, params, body }) => ({ readSeq: await messages.markRead(await senderOf(auth), params.id, body.seq) }),
  });
  route({
    method: 'GET',
    url: `${P}/organizations/:id/reports`,
    params: ChatParams,
    query: IncludeResolved,
    handler: async ({ auth, params, query }): Promise<ReportList> => ({
      reports: await moderation.reports(await senderOf(auth), params.id, query.all === '1'),
    }),
  });
  route({
    method: 'POST',
    url: `${P}/reports/:id/resolve`,
    params: ChatParams,
    body: ResolveReportRequest,
    handler: async ({ auth, params, body }) => {
      await moderation.resolveReport(await senderOf(auth), params.id, body.action);
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
