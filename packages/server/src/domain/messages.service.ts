import type { Message, MessagePage, MessagePageQuery, Readers, SendAck, SendMessage } from '@parta/protocol';
import { MAX_EDITS_PER_MESSAGE, SYNC_BATCH } from '@parta/protocol';
import { mayDeleteMessage, mayModerate, mayPin, postRefusal } from './chat-access.js';
import { memberPersonOf } from './chat-cache.js';
import type { ChatContext } from './chat-context.js';
import type { Sender } from './delivery.js';
import { AppError, forbidden, notFound } from './errors.js';
import { type OutFrame, outFrame } from './outbox.js';
import { toggleReaction } from './reactions.js';
import { spend } from './rate-limit.js';
import { toMessage } from '../storage/message.store.js';

/** Chats up to this size broadcast every read position (for "read by N of M"). */
const READ_BROADCAST_MAX_MEMBERS = 300;

/**
 * A chat's log: reading pages, sending (through `Delivery`), editing, deleting, reacting, pinning,
 * read positions, typing notices and catch-up after a reconnect.
 */
export function messagesService(ctx: ChatContext) {
  const { deps, now, memberChat, seenMembers, existingMessage, broadcastUpdate } = ctx;
  const { repo, messageRepo, outbox, delivery, limits, cache } = deps;

  return {
    /** A page of the log. */
    async messages(sender: Sender, chatId: number, q: MessagePageQuery): Promise<MessagePage> {
      await memberChat(sender, chatId);
      const rows = await messageRepo.messagePage(chatId, {
        ...(q.before !== undefined ? { before: q.before } : {}),
        ...(q.after !== undefined ? { after: q.after } : {}),
        limit: q.limit + 1,
      });
      const more = rows.length > q.limit;
      const page = q.after !== undefined ? rows.slice(0, q.limit) : rows.slice(rows.length - Math.min(rows.length, q.limit));
      return { messages: page.map(toMessage), hasMore: more };
    },

    /** Sends through the group-commit pipeline; resolves after commit. */
    async send(sender: Sender, chatId: number, msg: SendMessage): Promise<SendAck> {
      const outcome = await delivery.send(sender, chatId, msg);
      if (!outcome.ok) {
        throw new AppError(
          outcome.code,
          outcome.message,
          outcome.retryAfterMs !== undefined ? { retryAfterSeconds: Math.ceil(outcome.retryAfterMs / 1000) } : undefined,
        );
      }
      return outcome.ack;
    },

    /** Edits the caller's own message; the earlier text is kept for moderators. */
    async edit(sender: Sender, chatId: number, seq: number, text: string): Promise<Message> {
      // Limits first: a refused call costs no lookup.
      spend(limits.edit, sender.accountId, now(), 'edits');
      const { chat, me } = await memberChat(sender, chatId);
      const t = now();
      const original = await existingMessage(chatId, seq);
      if (original.senderPersonId !== me.personId) throw forbidden('only the author edits a message');
      if (me.mutedUntil !== null && me.mutedUntil > t) throw forbidden('you are muted in this chat');
      if (original.deletedAt !== null) throw new AppError('conflict', 'the message was deleted');
      if (original.forward !== null) throw new AppError('conflict', 'a forwarded message cannot be edited');
      // Every edit keeps the earlier text: the history of one message is bounded.
      if ((await messageRepo.editCount(original.id)) >= MAX_EDITS_PER_MESSAGE)
        throw new AppError('conflict', `a message is edited at most ${MAX_EDITS_PER_MESSAGE} times`, {
          limit: MAX_EDITS_PER_MESSAGE,
        });
      const row = await messageRepo.changeMessage(chatId, seq, (r) => (r.text === text ? null : { text, editedAt: t }), {
        text: original.text,
        at: t,
      });
      return broadcastUpdate(chat, row!);
    },

    /** Deletes a message for everyone. */
    async remove(sender: Sender, chatId: number, seq: number): Promise<Message> {
      const { chat, actor } = await memberChat(sender, chatId);
      const original = await existingMessage(chatId, seq);
      if (!mayDeleteMessage(actor, chat, original.senderPersonId))
        throw forbidden('only the author or a school admin deletes a message');
      const t = now();
      const row = await messageRepo.changeMessage(
        chatId,
        seq,
        (r) =>
          r.deletedAt !== null ? null : { text: '', deletedAt: t, reactions: '{}', pinned: 0, mentions: '[]', mentionAll: 0 },
        {
          text: original.text,
          at: t,
        },
      );
      return broadcastUpdate(chat, row!);
    },

    /** Adds or removes the caller's reaction. */
    async react(sender: Sender, chatId: number, seq: number, emoji: string, on: boolean): Promise<Message> {
      spend(limits.react, sender.accountId, now(), 'reactions');
      const { chat, me } = await memberChat(sender, chatId);
      await existingMessage(chatId, seq);
      const row = await messageRepo.changeMessage(chatId, seq, (r) => {
        if (r.deletedAt !== null) throw new AppError('conflict', 'the message was deleted');
        const reactions = toggleReaction(r.reactions, emoji, me.personId, on);
        return reactions === null ? null : { reactions };
      });
      return broadcastUpdate(chat, row!);
    },

    /** Pins or unpins a message. */
    async pin(sender: Sender, chatId: number, seq: number, on: boolean): Promise<Message> {
      const { chat, me, actor } = await memberChat(sender, chatId);
      if (!mayPin(actor, chat, me)) throw forbidden('only chat admins pin messages');
      await existingMessage(chatId, seq);
      const row = await messageRepo.changeMessage(chatId, seq, (r) => {
        if (r.deletedAt !== null) throw new AppError('conflict', 'the message was deleted');
        return (r.pinned === 1) === on ? null : { pinned: on ? 1 : 0 };
      });
      return broadcastUpdate(chat, row!);
    },

    /** Earlier texts of a message (moderators). */
    async history(sender: Sender, chatId: number, seq: number) {
      const { chat, me, actor } = await memberChat(sender, chatId);
      if (!mayModerate(actor, chat, me)) throw forbidden('only moderators see edit history');
      const row = await existingMessage(chatId, seq);
      return { edits: await messageRepo.edits(row.id) };
    },

    /**
     * Who has read a message and who has not (for announcements and "read by N of M"): the persons
     * the caller may see by name, and the whole counts.
     */
    async readers(sender: Sender, chatId: number, seq: number): Promise<Readers> {
      const { chat } = await memberChat(sender, chatId);
      const row = await existingMessage(chatId, seq);
      const positions = await repo.readPositions(chatId);
      const others = positions.filter((p) => p.personId !== row.senderPersonId);
      const seen = await seenMembers(
        sender,
        chat,
        others.map((p) => p.personId),
      );
      const read = others.filter((p) => p.readSeq >= seq);
      const unread = others.filter((p) => p.readSeq < seq);
      const names = (list: typeof others) => list.flatMap((p) => (seen.has(p.personId) ? [p.personId] : []));
      return { read: names(read), unread: names(unread), readCount: read.length, unreadCount: unread.length };
    },

    /** Moves the caller's read position; tells the chat (small chats) and the caller's other devices. */
    async markRead(sender: Sender, chatId: number, seq: number): Promise<number> {
      const { chat, me } = await memberChat(sender, chatId);
      // Not past the last message: a position beyond it would mark messages not yet sent as read.
      const last = (await messageRepo.lastMessages([chatId])).get(chatId)?.seq ?? 0;
      const stored = await repo.markRead(chatId, me.personId, Math.min(seq, last));
      if (stored === null) throw notFound('chat');
      const frame: OutFrame = outFrame({ type: 'chat.read', chatId, personId: me.personId, seq: stored });
      if (chat.members.size <= READ_BROADCAST_MAX_MEMBERS && chat.kind !== 'channel') outbox.deliver(chat.accounts, frame);
      else outbox.deliver([sender.accountId], frame);
      outbox.flush();
      return stored;
    },

    /** Tells the other members that the caller is typing. */
    async typing(sender: Sender, chatId: number): Promise<void> {
      const { chat, me } = await memberChat(sender, chatId);
      if (postRefusal(chat, me, now(), true) !== null) return;
      outbox.deliver(
        chat.accounts.filter((a) => a !== sender.accountId),
        outFrame({ type: 'chat.typing', chatId, personId: me.personId }),
      );
      outbox.flush();
    },

    /**
     * Of these chats, the ones the caller is in: those in memory are answered from it, all the others
     * by one query, so that a catch-up naming a thousand unknown chats costs one lookup, not a thousand.
     */
    async reachableChats(sender: Sender, chatIds: readonly number[]): Promise<Set<number>> {
      const reachable = new Set<number>();
      const ask: number[] = [];
      for (const id of chatIds) {
        const chat = cache.peek(id);
        if (!chat) ask.push(id);
        else if (memberPersonOf(chat, sender.personIds)) reachable.add(id);
      }
      if (ask.length) for (const id of await repo.chatsWithMember(sender.personIds, ask)) reachable.add(id);
      return reachable;
    },

    /** Messages created or changed since a version, for a reconnecting client. */
    async changesSince(sender: Sender, chatId: number, version: number) {
      await memberChat(sender, chatId);
      const rows = await messageRepo.changesSince(chatId, version, SYNC_BATCH + 1);
      const hasMore = rows.length > SYNC_BATCH;
      return { rows: rows.slice(0, SYNC_BATCH), hasMore };
    },
  };
}

/** Messages of a chat. */
export type MessagesService = ReturnType<typeof messagesService>;
