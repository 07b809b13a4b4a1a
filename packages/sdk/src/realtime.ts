import {
  FEATURE_LEVEL,
  MAX_SYNC_POSITIONS,
  ServerFrame,
  WS_CLOSE,
  type ClientFrame,
  type Message,
  type SendAck,
  type SendMessage,
} from '@parta/protocol';
import { Emitter } from './emitter.js';
import { PartaError } from './errors.js';

/** The subset of the WebSocket API the SDK uses; the browser's and the `ws` package's both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

/** A WebSocket constructor. */
export type WebSocketCtor = new (url: string) => WebSocketLike;

/** Events of a realtime connection. */
export type RealtimeEvents = {
  /** The socket is authenticated. */
  welcome: [Extract<ServerFrame, { type: 'session.welcome' }>];
  /** Any valid frame from the server. */
  frame: [ServerFrame];
  /** The server reported an error about a frame. */
  serverError: [PartaError];
  /** The socket closed; `reconnecting` tells whether the SDK will retry. */
  disconnected: [{ code: number; reason: string; reconnecting: boolean }];
  /** A message arrived (live or by catch-up); each (chat, seq) is emitted once. */
  message: [Message];
  /** A message changed (edit, delete, reaction, pin); emitted once per version. */
  messageUpdated: [Message];
  /** A chat finished catching up. */
  synced: [{ chatId: number; throughVersion: number; hasMore: boolean }];
};

/** A send waiting for its acknowledgement. */
interface PendingSend {
  frame: ClientFrame & { type: 'message.send' };
  resolve: (ack: SendAck) => void;
  reject: (err: PartaError) => void;
}

/** A random client id for idempotent sends. */
export function newClientId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Close codes after which reconnecting cannot help. */
const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([WS_CLOSE.unauthenticated, WS_CLOSE.sessionRevoked]);

/**
 * One WebSocket to `/api/v1/ws`, authenticated with the client's token, reconnecting with
 * backoff until closed or told the session is gone.
 */
export class Realtime extends Emitter<RealtimeEvents> {
  private ws: WebSocketLike | null = null;
  private closedByUser = false;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly pending = new Map<string, (serverTime: number) => void>();
  private nonce = 0;
  private readonly sends = new Map<string, PendingSend>();
  /** Highest log version seen per chat: the catch-up position after a reconnect. */
  readonly versions = new Map<number, number>();
  /** Versions seen past a gap, per chat. */
  private readonly ahead = new Map<number, Set<number>>();
  /** Chats whose catch-up has not finished since the last connect. */
  private readonly catchingUp = new Set<number>();
  /** Highest version seen per message id, so that nothing is emitted twice. */
  private readonly seenVersions = new Map<number, number>();

  constructor(
    private readonly url: string,
    private readonly token: () => string | null,
    private readonly Ctor: WebSocketCtor,
    private readonly options: { reconnect: boolean; maxBackoffMs: number },
  ) {
    super();
    this.open();
  }

  /** True while the socket is open and authenticated. */
  authenticated = false;

  private open(): void {
    const ws = new this.Ctor(this.url);
    this.ws = ws;
    ws.onopen = () => {
      const token = this.token();
      if (!token) {
        ws.close(1000, 'no token');
        return;
      }
      // Catch-up positions travel with the hello, so the server holds live messages of these chats
      // until their catch-up is written.
      const all = [...this.versions].map(([chatId, version]) => ({ chatId, version }));
      for (const { chatId } of all) this.catchingUp.add(chatId);
      const sync = all.slice(0, MAX_SYNC_POSITIONS);
      this.sendFrame({ type: 'session.hello', token, featureLevel: FEATURE_LEVEL, ...(sync.length ? { sync } : {}) });
      // Frames are bounded: the rest of a long chat list follows in chunks.
      for (let i = MAX_SYNC_POSITIONS; i < all.length; i += MAX_SYNC_POSITIONS) {
        this.sendFrame({ type: 'chat.sync', positions: all.slice(i, i + MAX_SYNC_POSITIONS) });
      }
    };
    ws.onmessage = (ev) => this.handleData(ev.data);
    ws.onerror = () => {
      /* a close event always follows */
    };
    ws.onclose = (ev) => {
      this.authenticated = false;
      this.ws = null;
      const reconnecting = this.options.reconnect && !this.closedByUser && !FINAL_CLOSE_CODES.has(ev.code);
      this.emit('disconnected', { code: ev.code, reason: ev.reason, reconnecting });
      if (reconnecting) this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    const delay = Math.min(this.options.maxBackoffMs, 250 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
    this.attempt++;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.closedByUser) this.open();
    }, delay);
  }

  private handleData(data: unknown): void {
    let json: unknown;
    try {
      json = JSON.parse(typeof data === 'string' ? data : String(data));
    } catch {
      this.emit('serverError', new PartaError('protocol', 'the server sent a frame that is not JSON', 0));
      return;
    }
    const parsed = ServerFrame.safeParse(json);
    if (!parsed.success) {
      this.emit('serverError', new PartaError('protocol', `unexpected frame from the server: ${parsed.error.message}`, 0));
      return;
    }
    const frame = parsed.data;
    if (frame.type === 'session.welcome') {
      this.authenticated = true;
      this.attempt = 0;
      // Sends written while offline (or not yet acknowledged) go out again; the server stores each once.
      for (const p of this.sends.values()) this.sendFrame(p.frame);
      this.emit('welcome', frame);
    } else if (frame.type === 'message.new' || frame.type === 'message.updated') {
      this.handleMessage(frame.message);
    } else if (frame.type === 'chat.synced') {
      this.synced(frame.chatId, frame.throughVersion, frame.hasMore);
      this.emit('synced', { chatId: frame.chatId, throughVersion: frame.throughVersion, hasMore: frame.hasMore });
      if (frame.hasMore && this.ws?.readyState === 1) {
        this.sendFrame({ type: 'chat.sync', positions: [{ chatId: frame.chatId, version: frame.throughVersion }] });
      }
    } else if (frame.type === 'message.ack') {
      const p = this.sends.get(frame.clientId);
      this.sends.delete(frame.clientId);
      const { type: _t, ...ack } = frame;
      p?.resolve(ack);
    } else if (frame.type === 'message.rejected') {
      const p = this.sends.get(frame.clientId);
      this.sends.delete(frame.clientId);
      p?.reject(
        new PartaError(
          frame.code,
          frame.message,
          0,
          frame.retryAfterMs !== undefined ? { retryAfterMs: frame.retryAfterMs } : undefined,
        ),
      );
    } else if (frame.type === 'session.pong' && frame.nonce !== undefined) {
      this.pending.get(frame.nonce)?.(frame.serverTime);
      this.pending.delete(frame.nonce);
    } else if (frame.type === 'session.error') {
      this.emit('serverError', new PartaError(frame.code, frame.message, 0, frame.details));
    }
    this.emit('frame', frame);
  }

  /**
   * Advances a chat's catch-up position only over versions the client really has: live changes
   * arrive in log order and move it one by one; a change seen beyond a gap (or during a catch-up)
   * waits in `ahead` until the gap is filled or a `chat.synced` vouches for everything before it.
   * So a reconnect never asks from past a message it did not get.
   */
  private bump(chatId: number, version: number): void {
    const cur = this.versions.get(chatId);
    if (cur === undefined) {
      this.versions.set(chatId, version);
      return;
    }
    if (version <= cur) return;
    let ahead = this.ahead.get(chatId);
    if (!ahead) this.ahead.set(chatId, (ahead = new Set()));
    ahead.add(version);
    if (!this.catchingUp.has(chatId)) this.advance(chatId, cur);
  }

  private advance(chatId: number, from: number): void {
    const ahead = this.ahead.get(chatId);
    let v = from;
    while (ahead?.delete(v + 1)) v++;
    this.versions.set(chatId, v);
  }

  private synced(chatId: number, through: number, hasMore: boolean): void {
    const cur = Math.max(this.versions.get(chatId) ?? 0, through);
    const ahead = this.ahead.get(chatId);
    if (ahead) for (const v of ahead) if (v <= cur) ahead.delete(v);
    if (!hasMore) this.catchingUp.delete(chatId);
    this.advance(chatId, cur);
  }

  /** Emits each message once when first seen, then once per newer version. */
  private handleMessage(m: Message): void {
    this.bump(m.chatId, m.version);
    const known = this.seenVersions.get(m.id);
    if (known !== undefined && known >= m.version) return;
    this.seenVersions.set(m.id, m.version);
    this.emit(known === undefined ? 'message' : 'messageUpdated', m);
  }

  /**
   * Starts following a chat from a version (0 = from the beginning): after every (re)connect the
   * SDK asks for what changed since the highest version seen.
   */
  follow(chatId: number, version = 0): void {
    if (!this.versions.has(chatId)) this.versions.set(chatId, version);
    if (this.authenticated) {
      this.catchingUp.add(chatId);
      this.sendFrame({ type: 'chat.sync', positions: [{ chatId, version: this.versions.get(chatId)! }] });
    }
  }

  /**
   * Sends a message; resolves with the acknowledgement after the server committed it. While the
   * connection is down the send waits and goes out on reconnect, stored once whatever happens.
   */
  send(
    chatId: number,
    msg: Omit<SendMessage, 'clientId' | 'mentions' | 'mentionAll' | 'mustAcknowledge'> & Partial<SendMessage>,
  ): Promise<SendAck> {
    const frame = {
      type: 'message.send' as const,
      chatId,
      ...msg,
      clientId: msg.clientId ?? newClientId(),
      mentions: msg.mentions ?? [],
      mentionAll: msg.mentionAll ?? false,
      mustAcknowledge: msg.mustAcknowledge ?? false,
    };
    return new Promise((resolve, reject) => {
      this.sends.set(frame.clientId, { frame, resolve, reject });
      if (this.authenticated && this.ws?.readyState === 1) this.sendFrame(frame);
    });
  }

  /** Sends still waiting for an acknowledgement. */
  get unacknowledged(): number {
    return this.sends.size;
  }

  /** Sends a frame as is. Throws when the socket is not open. */
  sendFrame(frame: ClientFrame): void {
    if (!this.ws || this.ws.readyState !== 1) throw new PartaError('network', 'the realtime connection is not open', 0);
    this.ws.send(JSON.stringify(frame));
  }

  /** Round trip to the server; resolves with the server's time. */
  ping(): Promise<number> {
    const nonce = String(++this.nonce);
    return new Promise((resolve, reject) => {
      this.pending.set(nonce, resolve);
      try {
        this.sendFrame({ type: 'session.ping', nonce });
      } catch (err) {
        this.pending.delete(nonce);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** Closes for good; no reconnect follows. */
  close(): void {
    this.closedByUser = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close(1000, 'bye');
  }
}
