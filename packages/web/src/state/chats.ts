import type { ChatSummary } from '@parta/protocol';
import type { PartaClient, Realtime } from '@parta/sdk';
import { emptyView, type ChatView, type SessionStore } from './store.js';

/** The chat list: which chats the user is in, their summaries and members, followed live. */
export class ChatListStore {
  constructor(
    private readonly store: SessionStore,
    private readonly client: PartaClient,
    private readonly realtime: Realtime,
  ) {}

  /** Reloads the chat list (counters, new chats, removed chats). */
  async refresh(): Promise<void> {
    try {
      const { chats } = await this.client.chats();
      const known = this.store.state.chats;
      const next = new Map<number, ChatView>();
      for (const c of chats) {
        const cur = known.get(c.id);
        if (!cur) this.realtime.follow(c.id, c.lastVersion);
        const summary = cur && cur.summary.lastSeq > c.lastSeq ? { ...c, ...pickCounters(cur.summary) } : c;
        next.set(
          c.id,
          cur
            ? { ...cur, summary: this.store.openChatId === c.id ? { ...summary, unread: 0, mentions: 0 } : summary }
            : emptyView(c),
        );
      }
      this.store.set({ chats: next });
    } catch {
      /* offline again: the next welcome retries */
    }
  }

  /** Refetches a chat's summary and, when shown, its members. */
  async reload(chatId: number): Promise<void> {
    try {
      const summary = await this.client.chat(chatId);
      const members = this.store.state.chats.get(chatId)?.members ? (await this.client.members(chatId)).members : null;
      this.store.updateChat(chatId, (v) => ({
        ...v,
        summary: { ...summary, lastSeq: Math.max(summary.lastSeq, v.summary.lastSeq) },
        members: members ?? v.members,
      }));
    } catch {
      /* the chat may be gone; chat.removed follows */
    }
  }

  /** Adds a chat and follows it from `version` (a chat just created, opened or announced). */
  add(summary: ChatSummary, version = summary.lastVersion): void {
    if (this.store.state.chats.has(summary.id)) return;
    const next = new Map(this.store.state.chats);
    next.set(summary.id, emptyView(summary));
    this.realtime.follow(summary.id, version);
    this.store.set({ chats: next });
  }

  /** Forgets a chat the user left or was removed from. */
  remove(chatId: number): void {
    if (!this.store.state.chats.has(chatId)) return;
    const next = new Map(this.store.state.chats);
    next.delete(chatId);
    this.store.set({ chats: next });
  }

  /** Loads (or reloads) a chat's members. */
  async loadMembers(chatId: number): Promise<void> {
    const { members } = await this.client.members(chatId);
    this.store.updateChat(chatId, (v) => ({ ...v, members }));
  }
}

/** What a live message moved past the list's copy: kept when a reload answers with older counters. */
function pickCounters(s: ChatSummary): Partial<ChatSummary> {
  return { lastSeq: s.lastSeq, lastMessage: s.lastMessage, lastVersion: s.lastVersion };
}
