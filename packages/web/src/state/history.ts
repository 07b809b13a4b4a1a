import type { Message } from '@parta/protocol';
import type { PartaClient } from '@parta/sdk';
import type { SessionStore } from './store.js';

/** How many messages one history page holds. */
export const PAGE = 50;

/** Sorted insert or replace by seq; returns a new array. */
function upsert(messages: readonly Message[], m: Message): Message[] {
  let lo = 0;
  let hi = messages.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (messages[mid]!.seq < m.seq) lo = mid + 1;
    else hi = mid;
  }
  const next = messages.slice();
  if (messages[lo]?.seq === m.seq) {
    if (messages[lo]!.version > m.version) return messages as Message[];
    next[lo] = m;
  } else next.splice(lo, 0, m);
  return next;
}

/**
 * The messages of each chat: a contiguous window of its log, paged in both directions, replaced by
 * jumps, and kept current by live messages and edits (with the chat's counters that they move).
 */
export class HistoryStore {
  constructor(
    private readonly store: SessionStore,
    private readonly client: PartaClient,
  ) {}

  /**
   * Applies a new or changed message to its chat's counters and window. Returns whether it was
   * new (past the chat's end), or null when the user is not in the chat.
   */
  apply(m: Message): boolean | null {
    const view = this.store.state.chats.get(m.chatId);
    if (!view) return null;
    const mine = m.senderPersonId === view.summary.myPersonId;
    const isNew = m.seq > view.summary.lastSeq;
    let summary = view.summary;
    if (isNew) {
      // Counted unread until the chat view reports it seen (`markSeen`).
      const mentioned = !mine && (m.mentionAll || m.mentions.includes(summary.myPersonId));
      summary = {
        ...summary,
        lastSeq: m.seq,
        lastMessage: m,
        unread: mine ? 0 : summary.unread + 1,
        mentions: mine ? 0 : mentioned ? summary.mentions + 1 : summary.mentions,
        readSeq: mine ? m.seq : summary.readSeq,
      };
    } else if (summary.lastMessage?.id === m.id) summary = { ...summary, lastMessage: m };
    summary = { ...summary, lastVersion: Math.max(summary.lastVersion, m.version) };
    let messages = view.messages;
    if (messages && (!view.hasNewer || (messages.length > 0 && m.seq <= messages[messages.length - 1]!.seq))) {
      messages = upsert(messages, m);
    }
    this.store.updateChat(m.chatId, (v) => ({ ...v, summary, messages }));
    return isNew;
  }

  /** Loads a chat's newest page unless its window is already there. */
  async loadFirst(chatId: number): Promise<void> {
    if (this.store.state.chats.get(chatId)?.messages) return;
    const page = await this.client.messages(chatId, { limit: PAGE });
    this.store.updateChat(chatId, (v) => {
      let messages = page.messages;
      // Live messages that arrived while the page loaded.
      for (const m of v.messages ?? []) messages = upsert(messages, m);
      return { ...v, messages, hasOlder: page.hasMore, hasNewer: false };
    });
  }

  /**
   * Messages committed while the first page was on its way arrive live before the window exists;
   * the chat's `lastSeq` remembers them. Fetch what the window lacks up to it.
   */
  async fillToEnd(chatId: number): Promise<void> {
    for (let round = 0; round < 10; round++) {
      const v = this.store.state.chats.get(chatId);
      const end = v?.messages?.at(-1)?.seq ?? 0;
      if (!v?.messages || v.hasNewer || end >= v.summary.lastSeq) return;
      const page = await this.client.messages(chatId, { after: end, limit: PAGE });
      this.store.updateChat(chatId, (cur) => {
        let messages = cur.messages ?? [];
        for (const m of page.messages) messages = upsert(messages, m);
        return { ...cur, messages };
      });
      if (!page.hasMore) return;
    }
  }

  /** Loads the page before the window. */
  async loadOlder(chatId: number): Promise<void> {
    const v = this.store.state.chats.get(chatId);
    const first = v?.messages?.[0];
    if (!v || !first || !v.hasOlder) return;
    const page = await this.client.messages(chatId, { before: first.seq, limit: PAGE });
    this.store.updateChat(chatId, (cur) => ({
      ...cur,
      messages: [...page.messages.filter((m) => m.seq < (cur.messages?.[0]?.seq ?? Infinity)), ...(cur.messages ?? [])],
      hasOlder: page.hasMore,
    }));
  }

  /** Loads the page after the window (after jumping back in history). */
  async loadNewer(chatId: number): Promise<void> {
    const v = this.store.state.chats.get(chatId);
    const last = v?.messages?.[v.messages.length - 1];
    if (!v || !last || !v.hasNewer) return;
    const page = await this.client.messages(chatId, { after: last.seq, limit: PAGE });
    this.store.updateChat(chatId, (cur) => {
      let messages = cur.messages ?? [];
      for (const m of page.messages) messages = upsert(messages, m);
      return { ...cur, messages, hasNewer: page.hasMore };
    });
  }

  /** Replaces the window with the messages around one position (search results, quotes). */
  async jumpTo(chatId: number, seq: number): Promise<void> {
    const v = this.store.state.chats.get(chatId);
    if (v?.messages && v.messages[0] && v.messages[0].seq <= seq && !v.hasNewer) return;
    if (v?.messages?.some((m) => m.seq === seq)) return;
    const half = PAGE / 2;
    const [before, after] = await Promise.all([
      this.client.messages(chatId, { before: seq + 1, limit: half }),
      this.client.messages(chatId, { after: seq, limit: half }),
    ]);
    this.store.updateChat(chatId, (cur) => ({
      ...cur,
      messages: [...before.messages, ...after.messages],
      hasOlder: before.hasMore,
      hasNewer: after.hasMore,
    }));
  }

  /** Goes back to the newest page. */
  async jumpToEnd(chatId: number): Promise<void> {
    const page = await this.client.messages(chatId, { limit: PAGE });
    this.store.updateChat(chatId, (v) => ({ ...v, messages: page.messages, hasOlder: page.hasMore, hasNewer: false }));
  }
}
