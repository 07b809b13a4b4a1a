import type { ChatMember, ChatSummary, MeResponse, Message, Presence, SendMessage, ServerFrame } from '@parta/protocol';
import { PartaClient, PartaError, type Realtime, newClientId } from '@parta/sdk';

const TOKEN_KEY = 'parta.token';
const OUTBOX_KEY = 'parta.outbox';
/** How many messages one history page holds. */
export const PAGE = 50;
/** A typing notice shows this long unless renewed. */
const TYPING_MS = 5_000;

/** The realtime connection as the user sees it. */
export type ConnState = 'connecting' | 'online' | 'offline';

/** A message the user wrote that the server has not acknowledged yet. */
export interface Outgoing {
  clientId: string;
  chatId: number;
  text: string;
  replyToSeq?: number;
  mentions: number[];
  mentionAll: boolean;
  mustAcknowledge: boolean;
  forward?: { chatId: number; seq: number };
  createdAt: number;
  /** `queued` while offline, `sending` while waiting for the ack, `failed` when refused. */
  status: 'queued' | 'sending' | 'failed';
  error?: string;
}

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

/** The stored bearer token, if any. */
export function storedToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

/** Keeps the bearer token on this device. */
export function storeToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

/** A new client for this page's origin. */
export function newClient(token: string | null = null): PartaClient {
  return new PartaClient({ baseUrl: location.origin, token });
}

/** The text of an error for people. */
export function errorText(err: unknown): string {
  if (err instanceof PartaError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

function readOutbox(): Outgoing[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(OUTBOX_KEY) ?? '[]');
    return Array.isArray(parsed) ? (parsed as Outgoing[]) : [];
  } catch {
    return [];
  }
}

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
 * The signed-in session: one HTTP client, one realtime connection, and the state the UI renders.
 * Live frames, catch-up after reconnects and the user's own sends all land here; components read
 * `state` through `useSession` and call the methods.
 */
export class Session {
  state: SessionState;
  readonly client: PartaClient;
  readonly realtime: Realtime;
  private readonly listeners = new Set<() => void>();
  private notifyQueued = false;
  /** The chat on screen, whose arriving messages count as read while the page is visible. */
  private openChatId: number | null = null;
  private readonly lastTyping = new Map<number, number>();
  private readonly onSignedOut: () => void;

  constructor(client: PartaClient, me: MeResponse, chats: ChatSummary[], onSignedOut: () => void) {
    this.client = client;
    this.onSignedOut = onSignedOut;
    const map = new Map<number, ChatView>();
    for (const c of chats) map.set(c.id, emptyView(c));
    // Messages written before a reload and never acknowledged are sent again, with the same ids.
    const outbox = readOutbox()
      .filter((o) => map.has(o.chatId))
      .map((o) => (o.status === 'failed' ? o : { ...o, status: 'queued' as const }));
    this.state = { conn: 'connecting', me, chats: map, outbox, presence: new Map() };
    this.realtime = client.connect();
    for (const c of chats) this.realtime.follow(c.id, c.lastVersion);
    this.realtime.on('welcome', () => this.onWelcome());
    this.realtime.on('disconnected', (d) => {
      if (!d.reconnecting) {
        this.set({ conn: 'offline' });
        this.onSignedOut();
        return;
      }
      this.set({
        conn: 'offline',
        outbox: this.state.outbox.map((o) => (o.status === 'sending' ? { ...o, status: 'queued' } : o)),
      });
    });
    this.realtime.on('message', (m) => this.onMessage(m));
    this.realtime.on('messageUpdated', (m) => this.onMessage(m));
    this.realtime.on('frame', (f) => this.onFrame(f));
    for (const o of this.state.outbox) if (o.status !== 'failed') this.transmit(o);
  }

  /** Signs in (the token is already on the client), loads the account and chats, connects. */
  static async open(client: PartaClient, onSignedOut: () => void): Promise<Session> {
    const [me, list] = await Promise.all([client.me(), client.chats()]);
    return new Session(client, me, list.chats, onSignedOut);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): SessionState => this.state;

  private set(patch: Partial<SessionState>): void {
    this.state = { ...this.state, ...patch };
    if ('outbox' in patch) localStorage.setItem(OUTBOX_KEY, JSON.stringify(this.state.outbox));
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    queueMicrotask(() => {
      this.notifyQueued = false;
      for (const l of this.listeners) l();
    });
  }

  private updateChat(chatId: number, f: (v: ChatView) => ChatView): void {
    const cur = this.state.chats.get(chatId);
    if (!cur) return;
    const next = new Map(this.state.chats);
    next.set(chatId, f(cur));
    this.set({ chats: next });
  }

  private onWelcome(): void {
    this.set({ conn: 'online', outbox: this.state.outbox.map((o) => (o.status === 'queued' ? { ...o, status: 'sending' } : o)) });
    // Counters may have moved while away; messages themselves arrive by the SDK's catch-up.
    void this.refreshChats();
    // A chat opened while offline gets its history now.
    if (this.openChatId !== null) void this.openChat(this.openChatId);
  }

  /** Reloads the chat list (counters, new chats, removed chats). */
  async refreshChats(): Promise<void> {
    try {
      const { chats } = await this.client.chats();
      const next = new Map<number, ChatView>();
      for (const c of chats) {
        const cur = this.state.chats.get(c.id);
        if (!cur) this.realtime.follow(c.id, c.lastVersion);
        const summary = cur && cur.summary.lastSeq > c.lastSeq ? { ...c, ...pickCounters(cur.summary) } : c;
        next.set(
          c.id,
          cur ? { ...cur, summary: this.openChatId === c.id ? { ...summary, unread: 0, mentions: 0 } : summary } : emptyView(c),
        );
      }
      this.set({ chats: next });
    } catch {
      /* offline again: the next welcome retries */
    }
  }

  private onMessage(m: Message): void {
    const view = this.state.chats.get(m.chatId);
    if (!view) return;
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
    // A new message from someone ends their typing notice; an edit or a reaction does not.
    const typing = { ...view.typing };
    if (isNew) delete typing[m.senderPersonId];
    const next = new Map(this.state.chats);
    next.set(m.chatId, { ...view, summary, messages, typing });
    const outbox = this.state.outbox.filter((o) => o.clientId !== m.clientId);
    this.set(outbox.length !== this.state.outbox.length ? { chats: next, outbox } : { chats: next });
  }

  private onFrame(f: ServerFrame): void {
    switch (f.type) {
      case 'chat.read':
        this.updateChat(f.chatId, (v) => {
          const members =
            v.members?.map((m) => (m.personId === f.personId ? { ...m, readSeq: Math.max(m.readSeq, f.seq) } : m)) ?? null;
          if (f.personId !== v.summary.myPersonId) return { ...v, members };
          // Read on another device of this account.
          const unread = f.seq >= v.summary.lastSeq ? 0 : v.summary.unread;
          return {
            ...v,
            members,
            summary: {
              ...v.summary,
              readSeq: Math.max(v.summary.readSeq, f.seq),
              unread,
              mentions: unread ? v.summary.mentions : 0,
            },
          };
        });
        break;
      case 'chat.typing':
        this.updateChat(f.chatId, (v) => ({ ...v, typing: { ...v.typing, [f.personId]: Date.now() + TYPING_MS } }));
        setTimeout(() => this.expireTyping(f.chatId), TYPING_MS + 50);
        break;
      case 'chat.added': {
        if (this.state.chats.has(f.chat.id)) break;
        const next = new Map(this.state.chats);
        next.set(f.chat.id, emptyView(f.chat));
        this.realtime.follow(f.chat.id, 0);
        this.set({ chats: next });
        break;
      }
      case 'chat.removed': {
        if (!this.state.chats.has(f.chatId)) break;
        const next = new Map(this.state.chats);
        next.delete(f.chatId);
        this.set({ chats: next });
        break;
      }
      case 'chat.changed':
        void this.reloadChat(f.chatId);
        break;
      case 'presence.update': {
        const presence = new Map(this.state.presence);
        for (const p of f.presence) presence.set(p.personId, p);
        this.set({ presence });
        break;
      }
      default:
        break;
    }
  }

  private expireTyping(chatId: number): void {
    const now = Date.now();
    this.updateChat(chatId, (v) => {
      const typing = Object.fromEntries(Object.entries(v.typing).filter(([, until]) => until > now));
      return { ...v, typing };
    });
  }

  /** Refetches a chat's summary and, when shown, its members. */
  async reloadChat(chatId: number): Promise<void> {
    try {
      const summary = await this.client.chat(chatId);
      const members = this.state.chats.get(chatId)?.members ? (await this.client.members(chatId)).members : null;
      this.updateChat(chatId, (v) => ({
        ...v,
        summary: { ...summary, lastSeq: Math.max(summary.lastSeq, v.summary.lastSeq) },
        members: members ?? v.members,
      }));
    } catch {
      /* the chat may be gone; chat.removed follows */
    }
  }

  /** Adds a chat the user just created or opened (direct chats). */
  addChat(summary: ChatSummary): void {
    if (this.state.chats.has(summary.id)) return;
    const next = new Map(this.state.chats);
    next.set(summary.id, emptyView(summary));
    this.realtime.follow(summary.id, summary.lastVersion);
    this.set({ chats: next });
  }

  /** The chat now on screen: loads its newest page and members, marks it read. */
  async openChat(chatId: number | null): Promise<void> {
    this.openChatId = chatId;
    if (chatId === null) return;
    const view = this.state.chats.get(chatId);
    if (!view) return;
    const loads: Promise<unknown>[] = [];
    if (!view.messages) {
      loads.push(
        this.client.messages(chatId, { limit: PAGE }).then((page) =>
          this.updateChat(chatId, (v) => {
            let messages = page.messages;
            // Live messages that arrived while the page loaded.
            for (const m of v.messages ?? []) messages = upsert(messages, m);
            return { ...v, messages, hasOlder: page.hasMore, hasNewer: false };
          }),
        ),
      );
    }
    if (!view.members) loads.push(this.loadMembers(chatId));
    try {
      await Promise.all(loads);
      await this.fillToEnd(chatId);
    } catch {
      // Offline or the server is restarting: the next welcome loads what is missing.
    }
  }

  /**
   * Messages committed while the first page was on its way arrive live before the window exists;
   * the chat's `lastSeq` remembers them. Fetch what the window lacks up to it.
   */
  private async fillToEnd(chatId: number): Promise<void> {
    for (let round = 0; round < 10; round++) {
      const v = this.state.chats.get(chatId);
      const end = v?.messages?.at(-1)?.seq ?? 0;
      if (!v?.messages || v.hasNewer || end >= v.summary.lastSeq) return;
      const page = await this.client.messages(chatId, { after: end, limit: PAGE });
      this.updateChat(chatId, (cur) => {
        let messages = cur.messages ?? [];
        for (const m of page.messages) messages = upsert(messages, m);
        return { ...cur, messages };
      });
      if (!page.hasMore) return;
    }
  }

  /** Loads (or reloads) a chat's members. */
  async loadMembers(chatId: number): Promise<void> {
    const { members } = await this.client.members(chatId);
    this.updateChat(chatId, (v) => ({ ...v, members }));
  }

  /** Loads the page before the window. */
  async loadOlder(chatId: number): Promise<void> {
    const v = this.state.chats.get(chatId);
    const first = v?.messages?.[0];
    if (!v || !first || !v.hasOlder) return;
    const page = await this.client.messages(chatId, { before: first.seq, limit: PAGE });
    this.updateChat(chatId, (cur) => ({
      ...cur,
      messages: [...page.messages.filter((m) => m.seq < (cur.messages?.[0]?.seq ?? Infinity)), ...(cur.messages ?? [])],
      hasOlder: page.hasMore,
    }));
  }

  /** Loads the page after the window (after jumping back in history). */
  async loadNewer(chatId: number): Promise<void> {
    const v = this.state.chats.get(chatId);
    const last = v?.messages?.[v.messages.length - 1];
    if (!v || !last || !v.hasNewer) return;
    const page = await this.client.messages(chatId, { after: last.seq, limit: PAGE });
    this.updateChat(chatId, (cur) => {
      let messages = cur.messages ?? [];
      for (const m of page.messages) messages = upsert(messages, m);
      return { ...cur, messages, hasNewer: page.hasMore };
    });
  }

  /** Replaces the window with the messages around one position (search results, quotes). */
  async jumpTo(chatId: number, seq: number): Promise<void> {
    const v = this.state.chats.get(chatId);
    if (v?.messages && v.messages[0] && v.messages[0].seq <= seq && !v.hasNewer) return;
    if (v?.messages?.some((m) => m.seq === seq)) return;
    const half = PAGE / 2;
    const [before, after] = await Promise.all([
      this.client.messages(chatId, { before: seq + 1, limit: half }),
      this.client.messages(chatId, { after: seq, limit: half }),
    ]);
    this.updateChat(chatId, (cur) => ({
      ...cur,
      messages: [...before.messages, ...after.messages],
      hasOlder: before.hasMore,
      hasNewer: after.hasMore,
    }));
  }

  /** Goes back to the newest page. */
  async jumpToEnd(chatId: number): Promise<void> {
    const page = await this.client.messages(chatId, { limit: PAGE });
    this.updateChat(chatId, (v) => ({ ...v, messages: page.messages, hasOlder: page.hasMore, hasNewer: false }));
  }

  /**
   * The chat view saw messages up to `seq` on screen (the page visible): reads up to there, but
   * not past an announcement that must be acknowledged — that waits for its button.
   */
  markSeen(chatId: number, seq: number): void {
    const v = this.state.chats.get(chatId);
    if (!v) return;
    const gate = v.messages?.find(
      (m) => m.mustAcknowledge && !m.deletedAt && m.seq > v.summary.readSeq && m.senderPersonId !== v.summary.myPersonId,
    );
    this.markRead(chatId, gate ? Math.min(seq, gate.seq - 1) : seq);
  }

  /** Moves the read position to `seq` (never back) and tells the server and the other devices. */
  markRead(chatId: number, seq: number): void {
    const v = this.state.chats.get(chatId);
    if (!v) return;
    const upTo = Math.min(seq, v.summary.lastSeq);
    if (upTo <= v.summary.readSeq) return;
    this.updateChat(chatId, (cur) => {
      const before = cur.summary.readSeq;
      const readSeq = Math.max(before, upTo);
      const done = readSeq >= cur.summary.lastSeq;
      // Others' messages now read, as far as the window tells; all of them once the end is read.
      const nowRead = (cur.messages ?? []).filter(
        (m) => m.seq > before && m.seq <= readSeq && m.senderPersonId !== cur.summary.myPersonId,
      ).length;
      const members = cur.members?.map((m) => (m.personId === cur.summary.myPersonId ? { ...m, readSeq } : m)) ?? null;
      return {
        ...cur,
        members,
        summary: {
          ...cur.summary,
          readSeq,
          unread: done ? 0 : Math.max(0, cur.summary.unread - nowRead),
          mentions: done ? 0 : cur.summary.mentions,
        },
      };
    });
    if (this.realtime.authenticated) this.realtime.sendFrame({ type: 'chat.read', chatId, seq: upTo });
    else void this.client.markRead(chatId, upTo).catch(() => undefined);
  }

  /** Acknowledges an announcement: reads the chat up to and including it. */
  acknowledge(chatId: number, seq: number): void {
    this.markRead(chatId, seq);
  }

  /** Asks the server who of these persons is online (answered by a `presence.update` frame). */
  queryPresence(personIds: number[]): void {
    if (personIds.length === 0 || !this.realtime.authenticated) return;
    this.realtime.sendFrame({ type: 'presence.query', personIds: personIds.slice(0, 500) });
  }

  /** Tells the chat the user is typing (at most every 3 s). */
  typing(chatId: number): void {
    const now = Date.now();
    if ((this.lastTyping.get(chatId) ?? 0) > now - 3_000 || !this.realtime.authenticated) return;
    this.lastTyping.set(chatId, now);
    this.realtime.sendFrame({ type: 'chat.typing', chatId });
  }

  /** Sends a message: it shows at once, waits while offline and is stored exactly once. */
  send(
    chatId: number,
    msg: Omit<SendMessage, 'clientId' | 'mentions' | 'mentionAll' | 'mustAcknowledge'> & Partial<SendMessage>,
  ): void {
    const o: Outgoing = {
      clientId: newClientId(),
      chatId,
      text: msg.text,
      mentions: msg.mentions ?? [],
      mentionAll: msg.mentionAll ?? false,
      mustAcknowledge: msg.mustAcknowledge ?? false,
      createdAt: Date.now(),
      status: this.realtime.authenticated ? 'sending' : 'queued',
      ...(msg.replyToSeq !== undefined ? { replyToSeq: msg.replyToSeq } : {}),
      ...(msg.forward ? { forward: msg.forward } : {}),
    };
    this.set({ outbox: [...this.state.outbox, o] });
    // The others' "typing" ended with this message; the next keystroke announces typing again at once.
    this.lastTyping.delete(chatId);
    this.transmit(o);
  }

  private transmit(o: Outgoing): void {
    this.realtime
      .send(o.chatId, {
        clientId: o.clientId,
        text: o.text,
        mentions: o.mentions,
        mentionAll: o.mentionAll,
        mustAcknowledge: o.mustAcknowledge,
        ...(o.replyToSeq !== undefined ? { replyToSeq: o.replyToSeq } : {}),
        ...(o.forward ? { forward: o.forward } : {}),
      })
      .then(() => {
        // The message itself arrives as `message.new`; drop the pending copy if it came first.
        const still = this.state.outbox.find((x) => x.clientId === o.clientId);
        const stored = this.state.chats.get(o.chatId)?.messages?.some((m) => m.clientId === o.clientId);
        if (still && stored) this.set({ outbox: this.state.outbox.filter((x) => x.clientId !== o.clientId) });
      })
      .catch((err: unknown) => {
        this.set({
          outbox: this.state.outbox.map((x) =>
            x.clientId === o.clientId ? { ...x, status: 'failed', error: errorText(err) } : x,
          ),
        });
      });
  }

  /** Sends a failed message again (a new attempt with the same id). */
  retry(clientId: string): void {
    const o = this.state.outbox.find((x) => x.clientId === clientId);
    if (!o) return;
    const again: Outgoing = { ...o, status: this.realtime.authenticated ? 'sending' : 'queued' };
    delete again.error;
    this.set({ outbox: this.state.outbox.map((x) => (x.clientId === clientId ? again : x)) });
    this.transmit(again);
  }

  /** Forgets a failed message. */
  discard(clientId: string): void {
    this.set({ outbox: this.state.outbox.filter((x) => x.clientId !== clientId) });
  }

  /** Applies a changed message returned by an HTTP call (edit, delete, reaction, pin). */
  applyMessage(m: Message): void {
    this.onMessage(m);
  }

  /** Ends the session on this device. */
  async logout(everywhere = false): Promise<void> {
    try {
      await (everywhere ? this.client.logoutEverywhere() : this.client.logout());
    } finally {
      this.close();
      localStorage.removeItem(OUTBOX_KEY);
    }
  }

  /** Closes the connection and stops listening. */
  close(): void {
    this.realtime.close();
  }
}

function emptyView(summary: ChatSummary): ChatView {
  return { summary, messages: null, hasOlder: true, hasNewer: false, members: null, typing: {} };
}

function pickCounters(s: ChatSummary): Partial<ChatSummary> {
  return { lastSeq: s.lastSeq, lastMessage: s.lastMessage, lastVersion: s.lastVersion };
}
