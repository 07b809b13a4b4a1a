import type { ChatMember, ChatSummary, MeResponse, Message, Presence } from '@parta/protocol';
import type { Outgoing } from './outbox.js';

/** The realtime connection as the user sees it. */
export type ConnState = 'connecting' | 'online' | 'offline';

/** What the client holds of one chat. */
export interface ChatView {
  summary: ChatSummary;
  /** A contiguous window of the log, in seq order; null until first opened. */
  messages: Message[] | null;
  /** Older messages exist before the window. */
  hasOlder: boolean;
  /** Newer messages exist after the window (after a jump back in history). */
  hasNewer: boolean;
  /** Members with names and read positions; null until loaded. */
  members: ChatMember[] | null;
  /** Who is typing: person → until when (ms). */
  typing: Record<number, number>;
}

/** Everything the UI renders, replaced (never mutated) on every change. */
export interface SessionState {
  conn: ConnState;
  me: MeResponse;
  chats: ReadonlyMap<number, ChatView>;
  outbox: readonly Outgoing[];
  /** Presence of persons asked about (people who share a chat with the user). */
  presence: ReadonlyMap<number, Presence>;
}

/** A chat the client knows only by its summary so far. */
export function emptyView(summary: ChatSummary): ChatView {
  return { summary, messages: null, hasOlder: true, hasNewer: false, members: null, typing: {} };
}

/**
 * The one snapshot every per-concern store (chat list, history, reads, presence, outbox) writes to.
 * A single snapshot rather than one per concern: a live message changes a chat's counters, its
 * window and the outbox at once, and the UI must never render one without the others.
 */
export class SessionStore {
  state: SessionState;
  /** The chat on screen, whose arriving messages count as read while the page is visible. */
  openChatId: number | null = null;
  private readonly listeners = new Set<() => void>();
  private notifyQueued = false;

  constructor(state: SessionState) {
    this.state = state;
  }

  /** Registers a listener called (once per microtask at most) after changes; returns its removal. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The current snapshot. */
  getState = (): SessionState => this.state;

  /** Replaces parts of the snapshot; listeners hear of it once the current task settles. */
  set(patch: Partial<SessionState>): void {
    this.state = { ...this.state, ...patch };
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    queueMicrotask(() => {
      this.notifyQueued = false;
      for (const l of this.listeners) l();
    });
  }

  /** Replaces one chat's view; a chat the user is no longer in is left alone. */
  updateChat(chatId: number, f: (v: ChatView) => ChatView): void {
    const cur = this.state.chats.get(chatId);
    if (!cur) return;
    const next = new Map(this.state.chats);
    next.set(chatId, f(cur));
    this.set({ chats: next });
  }
}
