import type { ChatKind, ChatPurpose } from '@parta/protocol';
import type { ChatFacts, MemberFacts } from './chat-access.js';
import type { ChatRepo } from '../storage/chat.repo.js';

/** A member as the hot path needs it. */
export interface MemberState extends MemberFacts {
  personId: number;
  accountId: number | null;
}

/** A chat as the hot path needs it: its rules' facts and who receives its messages. */
export interface ChatState extends ChatFacts {
  id: number;
  kind: ChatKind;
  purpose: ChatPurpose | null;
  title: string;
  classId: number | null;
  members: Map<number, MemberState>;
  /** Accounts of the members (deduplicated), the fan-out list. */
  accounts: number[];
}

/**
 * Chats kept in memory for the send path, loaded on first use and dropped on any membership or
 * settings change made through this node.
 */
export class ChatCache {
  private readonly chats = new Map<number, ChatState>();
  private readonly loading = new Map<number, Promise<ChatState | null>>();

  constructor(private readonly repo: ChatRepo) {}

  /** The chat, from memory when possible. */
  peek(chatId: number): ChatState | undefined {
    return this.chats.get(chatId);
  }

  /** The chat, loading it when needed; null when it does not exist. */
  async get(chatId: number): Promise<ChatState | null> {
    const hit = this.chats.get(chatId);
    if (hit) return hit;
    let p = this.loading.get(chatId);
    if (!p) {
      p = this.load(chatId).finally(() => this.loading.delete(chatId));
      this.loading.set(chatId, p);
    }
    return p;
  }

  /** Forgets a chat after it changed. */
  invalidate(chatId: number): void {
    this.chats.delete(chatId);
  }

  private async load(chatId: number): Promise<ChatState | null> {
    const found = await this.repo.chatWithMembers(chatId);
    if (!found) return null;
    const { chat, members } = found;
    const map = new Map<number, MemberState>();
    const accounts = new Set<number>();
    for (const m of members) {
      map.set(m.personId, { personId: m.personId, accountId: m.accountId, role: m.role, mutedUntil: m.mutedUntil });
      if (m.accountId !== null) accounts.add(m.accountId);
    }
    const state: ChatState = {
      id: chat.id,
      kind: chat.kind,
      purpose: chat.purpose,
      organizationId: chat.organizationId,
      allowComments: chat.allowComments === 1,
      title: chat.title,
      classId: chat.classId,
      members: map,
      accounts: [...accounts],
    };
    this.chats.set(chatId, state);
    return state;
  }
}

/** The viewer's person that is a member of the chat, if any. */
export function memberPersonOf(chat: ChatState, personIds: readonly number[]): MemberState | null {
  for (const p of personIds) {
    const m = chat.members.get(p);
    if (m) return m;
  }
  return null;
}
