import { type ChatSummary, compactMessage, type Message } from '@parta/protocol';
import { type Actor, type ChatFacts, maySeeMember, onlookerOf, postRefusal, seesEveryMember } from './chat-access.js';
import { type ChatCache, type ChatState, type MemberState, memberPersonOf } from './chat-cache.js';
import type { Delivery, Sender } from './delivery.js';
import { notFound } from './errors.js';
import { type Outbox, outFrame } from './outbox.js';
import type { ActionLimits } from './rate-limit.js';
import type { ChatRepo } from '../storage/chat.repo.js';
import type { MessageRepo } from '../storage/message.repo.js';
import type { ModerationRepo } from '../storage/moderation.repo.js';
import type { RosterRepo } from '../storage/roster.repo.js';
import { type MessageRow, toMessage } from '../storage/message.store.js';

/** What the conversation services are built from: queries, the chat cache and the way out to clients. */
export interface ChatDeps {
  repo: ChatRepo;
  messageRepo: MessageRepo;
  reportRepo: ModerationRepo;
  roster: RosterRepo;
  cache: ChatCache;
  delivery: Delivery;
  outbox: Outbox;
  /** Per-account limits on reactions, edits and reports (sends have the delivery's own). */
  limits: ActionLimits;
  /** Told about every changed message (the search index); `text` null once deleted. */
  onChanged?: (items: { id: number; text: string | null }[]) => void;
  now?: () => number;
}

/**
 * The access helpers and announcements every conversation service shares: who the caller is in a
 * chat (a member, or a school admin managing it), the chat summaries a client lists, and the frames
 * that tell clients a chat or a message changed.
 */
export function chatContext(deps: ChatDeps) {
  const { repo, messageRepo, cache, outbox } = deps;
  const now = deps.now ?? Date.now;

  /** The chat and the caller's membership in it; not a member looks like no chat at all. */
  async function memberChat(sender: Sender, chatId: number): Promise<{ chat: ChatState; me: MemberState; actor: Actor }> {
    const chat = await cache.get(chatId);
    const me = chat ? memberPersonOf(chat, sender.personIds) : null;
    if (!chat || !me) throw notFound('chat');
    return {
      chat,
      me,
      actor: sender.actors.get(me.personId) ?? { personId: me.personId, roles: [], teaching: [], children: [] },
    };
  }

  /**
   * The chat as someone who may manage its members sees it: a member, or an admin of its school
   * (communities are the school admins' to run, also chats they are not in; direct chats stay private).
   */
  async function managedChat(sender: Sender, chatId: number): Promise<{ chat: ChatState; me: MemberState | null; actor: Actor }> {
    const chat = await cache.get(chatId);
    if (!chat) throw notFound('chat');
    const me = memberPersonOf(chat, sender.personIds);
    if (me)
      return {
        chat,
        me,
        actor: sender.actors.get(me.personId) ?? { personId: me.personId, roles: [], teaching: [], children: [] },
      };
    const admin = chat.kind === 'direct' ? null : actorIn(sender, chat.organizationId);
    if (admin?.roles.some((r) => r.role === 'school_admin' && r.organizationId === chat.organizationId))
      return { chat, me: null, actor: admin };
    throw notFound('chat');
  }

  /** The caller's actor that holds a role in the organization (for chats they are not members of). */
  function actorIn(sender: Sender, organizationId: number): Actor | null {
    for (const a of sender.actors.values()) if (a.roles.some((r) => r.organizationId === organizationId)) return a;
    return null;
  }

  /**
   * Which of these members of the chat the caller may see by name (`maySeeMember`): all of them
   * where the caller sees every member, else as the directory would show them, from the members'
   * facts loaded in one batch.
   */
  async function seenMembers(sender: Sender, chat: ChatFacts, personIds: readonly number[]): Promise<Set<number>> {
    const viewer = onlookerOf(sender.personIds, sender.actors.values());
    if (seesEveryMember(viewer, chat)) return new Set(personIds);
    const targets = await repo.actors(personIds);
    return new Set(personIds.filter((p) => maySeeMember(viewer, chat, targets.get(p)!)));
  }

  /** A message of the chat; a missing one is `not_found`. */
  async function existingMessage(chatId: number, seq: number): Promise<MessageRow> {
    const row = await messageRepo.message(chatId, seq);
    if (!row) throw notFound('message');
    return row;
  }

  /** Tells the search index and the chat's members that a message changed. */
  function broadcastUpdate(chat: ChatState, row: MessageRow): Message {
    const message = toMessage(row);
    deps.onChanged?.([{ id: row.id, text: row.deletedAt === null ? row.text : null }]);
    outbox.deliver(chat.accounts, outFrame({ type: 'message.updated', message: compactMessage(message) }, chat.id, row.version));
    outbox.flush();
    return message;
  }

  /** The caller's chats (or those of `chatIds` the caller is in), newest activity first. */
  async function summaries(sender: Sender, chatIds?: readonly number[]): Promise<ChatSummary[]> {
    let rows = await repo.membershipsOf(sender.personIds);
    if (chatIds) rows = rows.filter((r) => chatIds.includes(r.id));
    // One row per chat (an account with two persons in one chat speaks as the first).
    const byChat = new Map<number, (typeof rows)[number]>();
    for (const r of rows) if (!byChat.has(r.id)) byChat.set(r.id, r);
    const ids = [...byChat.keys()];
    const [counts, last, directPeers] = await Promise.all([
      repo.memberCounts(ids),
      messageRepo.lastMessages(ids),
      directTitles([...byChat.values()].filter((r) => r.kind === 'direct').map((r) => ({ chatId: r.id, me: r.personId }))),
    ]);
    const perPerson = new Map<number, number[]>();
    for (const r of byChat.values()) perPerson.set(r.personId, [...(perPerson.get(r.personId) ?? []), r.id]);
    const unread = new Map<number, number>();
    const mentions = new Map<number, number>();
    for (const [personId, cids] of perPerson) {
      const u = await messageRepo.unreadCounts(personId, cids);
      for (const [k, v] of u.unread) unread.set(k, v);
      for (const [k, v] of u.mentions) mentions.set(k, v);
    }
    const t = now();
    const out: ChatSummary[] = [...byChat.values()].map((r) => {
      const lm = last.get(r.id);
      const member = { role: r.role, mutedUntil: r.mutedUntil };
      const facts = { kind: r.kind, purpose: r.purpose, organizationId: r.organizationId, allowComments: r.allowComments === 1 };
      return {
        id: r.id,
        kind: r.kind,
        purpose: r.purpose,
        organizationId: r.organizationId,
        classId: r.classId,
        title: r.kind === 'direct' ? (directPeers.get(r.id) ?? r.title) : r.title,
        allowComments: r.allowComments === 1,
        myPersonId: r.personId,
        myRole: r.role,
        mutedUntil: r.mutedUntil,
        canPost: postRefusal(facts, member, t, false) === null,
        lastSeq: r.lastSeq,
        lastVersion: r.lastVersion,
        readSeq: r.readSeq,
        unread: unread.get(r.id) ?? 0,
        mentions: mentions.get(r.id) ?? 0,
        memberCount: counts.get(r.id) ?? 0,
        lastMessage: lm ? toMessage(lm) : null,
      };
    });
    return out.sort((a, b) => (b.lastMessage?.createdAt ?? 0) - (a.lastMessage?.createdAt ?? 0) || b.id - a.id);
  }

  /** Titles of direct chats: the other person's name. */
  async function directTitles(pairs: { chatId: number; me: number }[]): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    if (pairs.length === 0) return out;
    const peers = new Map<number, number>();
    for (const { chatId, me } of pairs) {
      const chat = await cache.get(chatId);
      const other = chat ? [...chat.members.keys()].find((p) => p !== me) : undefined;
      if (other !== undefined) peers.set(chatId, other);
    }
    const names = await repo.names([...peers.values()]);
    for (const [chatId, p] of peers) out.set(chatId, names.get(p) ?? '');
    return out;
  }

  /** Tells the accounts of new members about the chat, and everyone that membership changed. */
  async function announceJoined(chatId: number, personIds: readonly number[]): Promise<void> {
    cache.invalidate(chatId);
    const chat = await cache.get(chatId);
    if (!chat) return;
    const accounts = await repo.accountsOf(personIds);
    for (const [personId, accountId] of accounts) {
      if (!outbox.isOnline(accountId)) continue;
      const sender: Sender = { accountId, personIds: [personId], actors: new Map() };
      const [summary] = await summaries(sender, [chatId]);
      if (summary) outbox.deliver([accountId], outFrame({ type: 'chat.added', chat: summary }));
    }
    outbox.deliver(chat.accounts, outFrame({ type: 'chat.changed', chatId }));
    outbox.flush();
  }

  /** Tells removed members their chat is gone, and those who stay that membership changed. */
  async function announceRemoved(chat: ChatState, personIds: readonly number[]): Promise<void> {
    const removedAccounts = personIds.flatMap((p) => {
      const a = chat.members.get(p)?.accountId;
      return a === undefined || a === null ? [] : [a];
    });
    cache.invalidate(chat.id);
    outbox.deliver(removedAccounts, outFrame({ type: 'chat.removed', chatId: chat.id }));
    const after = await cache.get(chat.id);
    if (after) outbox.deliver(after.accounts, outFrame({ type: 'chat.changed', chatId: chat.id }));
    outbox.flush();
  }

  return {
    deps,
    now,
    memberChat,
    managedChat,
    actorIn,
    seenMembers,
    existingMessage,
    broadcastUpdate,
    summaries,
    announceJoined,
    announceRemoved,
  };
}

/** The helpers shared by the conversation services. */
export type ChatContext = ReturnType<typeof chatContext>;
