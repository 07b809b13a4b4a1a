import type { ChatSummary, MeResponse, Message, ServerFrame } from '@parta/protocol';
import type { PartaClient, Realtime } from '@parta/sdk';
import { ChatListStore } from './chats.js';
import { HistoryStore } from './history.js';
import { OutboxStore, restoreOutbox, type Draft } from './outbox.js';
import { PresenceStore } from './presence.js';
import { ReadStore } from './reads.js';
import { SessionStore, emptyView, type ChatView, type SessionState } from './store.js';

/**
 * The signed-in session: one HTTP client, one realtime connection, and the state the UI renders.
 * Live frames, catch-up after reconnects and the user's own sends all land here and are routed to
 * the per-concern stores (chat list, history, reads, presence, outbox) that share one snapshot;
 * components read `state` through `useSession` and call the methods.
 */
export class Session {
  readonly client: PartaClient;
  readonly realtime: Realtime;
  private readonly store: SessionStore;
  private readonly chats: ChatListStore;
  private readonly history: HistoryStore;
  private readonly reads: ReadStore;
  private readonly presence: PresenceStore;
  private readonly outbox: OutboxStore;
  private readonly onSignedOut: () => void;

  constructor(client: PartaClient, me: MeResponse, chats: ChatSummary[], onSignedOut: () => void) {
    this.client = client;
    this.onSignedOut = onSignedOut;
    const map = new Map<number, ChatView>();
    for (const c of chats) map.set(c.id, emptyView(c));
    const outbox = restoreOutbox((chatId) => map.has(chatId));
    this.store = new SessionStore({ conn: 'connecting', me, chats: map, outbox, presence: new Map() });
    this.realtime = client.connect();
    this.chats = new ChatListStore(this.store, client, this.realtime);
    this.history = new HistoryStore(this.store, client);
    this.reads = new ReadStore(this.store, client, this.realtime);
    this.presence = new PresenceStore(this.store, this.realtime);
    this.outbox = new OutboxStore(this.store, this.realtime);
    for (const c of chats) this.realtime.follow(c.id, c.lastVersion);
    this.realtime.on('welcome', () => this.onWelcome());
    this.realtime.on('disconnected', (d) => {
      this.store.set({ conn: 'offline' });
      if (!d.reconnecting) {
        this.onSignedOut();
        return;
      }
      this.outbox.requeue();
    });
    this.realtime.on('message', (m) => this.onMessage(m));
    this.realtime.on('messageUpdated', (m) => this.onMessage(m));
    this.realtime.on('frame', (f) => this.onFrame(f));
    this.outbox.resendAll();
  }

  /** Signs in (the token is already on the client), loads the account and chats, connects. */
  static async open(client: PartaClient, onSignedOut: () => void): Promise<Session> {
    const [me, list] = await Promise.all([client.me(), client.chats()]);
    return new Session(client, me, list.chats, onSignedOut);
  }

  /** Everything the UI renders, replaced (never mutated) on every change. */
  get state(): SessionState {
    return this.store.state;
  }

  /** Registers a listener for state changes; returns its removal. */
  subscribe = (listener: () => void): (() => void) => this.store.subscribe(listener);

  /** The current state (for `useSyncExternalStore`). */
  getState = (): SessionState => this.store.state;

  private onWelcome(): void {
    this.store.set({ conn: 'online' });
    this.outbox.markSending();
    // Counters may have moved while away; messages themselves arrive by the SDK's catch-up.
    void this.chats.refresh();
    // A chat opened while offline gets its history now.
    if (this.store.openChatId !== null) void this.openChat(this.store.openChatId);
  }

  private onMessage(m: Message): void {
    const isNew = this.history.apply(m);
    if (isNew === null) return;
    if (isNew) this.presence.stopTyping(m.chatId, m.senderPersonId);
    this.outbox.delivered(m.clientId);
  }

  private onFrame(f: ServerFrame): void {
    switch (f.type) {
      case 'chat.read':
        return this.reads.handleRead(f);
      case 'chat.typing':
        return this.presence.handleTyping(f);
      case 'chat.added':
        return this.chats.add(f.chat, 0);
      case 'chat.removed':
        return this.chats.remove(f.chatId);
      case 'chat.changed':
        return void this.chats.reload(f.chatId);
      case 'presence.update':
        return this.presence.handlePresence(f);
      default:
        return;
    }
  }

  /** Reloads the chat list (counters, new chats, removed chats). */
  refreshChats(): Promise<void> {
    return this.chats.refresh();
  }

  /** Refetches a chat's summary and, when shown, its members. */
  reloadChat(chatId: number): Promise<void> {
    return this.chats.reload(chatId);
  }

  /** Adds a chat the user just created or opened (direct chats). */
  addChat(summary: ChatSummary): void {
    this.chats.add(summary);
  }

  /** The chat now on screen: loads its newest page and members, marks it read. */
  async openChat(chatId: number | null): Promise<void> {
    this.store.openChatId = chatId;
    if (chatId === null) return;
    const view = this.store.state.chats.get(chatId);
    if (!view) return;
    const loads: Promise<unknown>[] = [this.history.loadFirst(chatId)];
    if (!view.members) loads.push(this.chats.loadMembers(chatId));
    try {
      await Promise.all(loads);
      await this.history.fillToEnd(chatId);
    } catch {
      // Offline or the server is restarting: the next welcome loads what is missing.
    }
  }

  /** Loads (or reloads) a chat's members. */
  loadMembers(chatId: number): Promise<void> {
    return this.chats.loadMembers(chatId);
  }

  /** Loads the page before the window. */
  loadOlder(chatId: number): Promise<void> {
    return this.history.loadOlder(chatId);
  }

  /** Loads the page after the window (after jumping back in history). */
  loadNewer(chatId: number): Promise<void> {
    return this.history.loadNewer(chatId);
  }

  /** Replaces the window with the messages around one position (search results, quotes). */
  jumpTo(chatId: number, seq: number): Promise<void> {
    return this.history.jumpTo(chatId, seq);
  }

  /** Goes back to the newest page. */
  jumpToEnd(chatId: number): Promise<void> {
    return this.history.jumpToEnd(chatId);
  }

  /** Applies a changed message returned by an HTTP call (edit, delete, reaction, pin). */
  applyMessage(m: Message): void {
    this.onMessage(m);
  }

  /** The chat view saw messages up to `seq` on screen; see `ReadStore.markSeen`. */
  markSeen(chatId: number, seq: number): void {
    this.reads.markSeen(chatId, seq);
  }

  /** Moves the read position to `seq` (never back) and tells the server and the other devices. */
  markRead(chatId: number, seq: number): void {
    this.reads.markRead(chatId, seq);
  }

  /** Acknowledges an announcement: reads the chat up to and including it. */
  acknowledge(chatId: number, seq: number): void {
    this.reads.markRead(chatId, seq);
  }

  /** Asks the server who of these persons is online (answered by a `presence.update` frame). */
  queryPresence(personIds: number[]): void {
    this.presence.query(personIds);
  }

  /** Tells the chat the user is typing (at most every 3 s). */
  typing(chatId: number): void {
    this.presence.typing(chatId);
  }

  /** Sends a message: it shows at once, waits while offline and is stored exactly once. */
  send(chatId: number, msg: Draft): void {
    this.outbox.send(chatId, msg);
    this.presence.sent(chatId);
  }

  /** Sends a failed message again (a new attempt with the same id). */
  retry(clientId: string): void {
    this.outbox.retry(clientId);
  }

  /** Forgets a failed message. */
  discard(clientId: string): void {
    this.outbox.discard(clientId);
  }

  /** Ends the session on this device. */
  async logout(everywhere = false): Promise<void> {
    try {
      await (everywhere ? this.client.logoutEverywhere() : this.client.logout());
    } finally {
      this.close();
      this.outbox.clear();
    }
  }

  /** Closes the connection and stops listening. */
  close(): void {
    this.realtime.close();
  }
}
