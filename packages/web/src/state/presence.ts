import { MAX_PRESENCE_IDS, type ServerFrame } from '@parta/protocol';
import type { Realtime } from '@parta/sdk';
import type { SessionStore } from './store.js';

/** A typing notice shows this long unless renewed. */
const TYPING_MS = 5_000;

/** Someone is typing in a chat. */
type TypingFrame = Extract<ServerFrame, { type: 'chat.typing' }>;
/** Who of the persons asked about is online. */
type PresenceFrame = Extract<ServerFrame, { type: 'presence.update' }>;

/** Presence and typing: who is online, who is typing where, and the user's own typing notices. */
export class PresenceStore {
  /** When the user last announced typing, per chat. */
  private readonly lastTyping = new Map<number, number>();

  constructor(
    private readonly store: SessionStore,
    private readonly realtime: Realtime,
  ) {}

  /** Handles a `chat.typing` frame: the notice shows until it expires or the person's message arrives. */
  handleTyping(f: TypingFrame): void {
    this.store.updateChat(f.chatId, (v) => ({ ...v, typing: { ...v.typing, [f.personId]: Date.now() + TYPING_MS } }));
    setTimeout(() => this.expireTyping(f.chatId), TYPING_MS + 50);
  }

  /** Handles a `presence.update` frame. */
  handlePresence(f: PresenceFrame): void {
    const presence = new Map(this.store.state.presence);
    for (const p of f.presence) presence.set(p.personId, p);
    this.store.set({ presence });
  }

  /** A new message from someone ends their typing notice (an edit or a reaction does not). */
  stopTyping(chatId: number, personId: number): void {
    const view = this.store.state.chats.get(chatId);
    if (!view || !(personId in view.typing)) return;
    this.store.updateChat(chatId, (v) => {
      const typing = { ...v.typing };
      delete typing[personId];
      return { ...v, typing };
    });
  }

  private expireTyping(chatId: number): void {
    const now = Date.now();
    this.store.updateChat(chatId, (v) => {
      const typing = Object.fromEntries(Object.entries(v.typing).filter(([, until]) => until > now));
      return { ...v, typing };
    });
  }

  /** Asks the server who of these persons is online (answered by a `presence.update` frame). */
  query(personIds: number[]): void {
    if (personIds.length === 0 || !this.realtime.authenticated) return;
    this.realtime.sendFrame({ type: 'presence.query', personIds: personIds.slice(0, MAX_PRESENCE_IDS) });
  }

  /** Tells the chat the user is typing (at most every 3 s). */
  typing(chatId: number): void {
    const now = Date.now();
    if ((this.lastTyping.get(chatId) ?? 0) > now - 3_000 || !this.realtime.authenticated) return;
    this.lastTyping.set(chatId, now);
    this.realtime.sendFrame({ type: 'chat.typing', chatId });
  }

  /** The user sent a message to the chat: the next keystroke announces typing again at once. */
  sent(chatId: number): void {
    this.lastTyping.delete(chatId);
  }
}
