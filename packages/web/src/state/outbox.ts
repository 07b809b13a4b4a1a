import type { SendMessage } from '@parta/protocol';
import { newClientId, type Realtime } from '@parta/sdk';
import { errorText } from './client.js';
import type { SessionStore } from './store.js';

const OUTBOX_KEY = 'parta.outbox';

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

/** What the user asks to send; the outbox adds the id and the defaults. */
export type Draft = Omit<SendMessage, 'clientId' | 'mentions' | 'mentionAll' | 'mustAcknowledge'> & Partial<SendMessage>;

/**
 * Messages written before a reload and never acknowledged, for chats the user is still in: they
 * are sent again, with the same ids, so the server stores each exactly once.
 */
export function restoreOutbox(inChat: (chatId: number) => boolean): Outgoing[] {
  let saved: Outgoing[];
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(OUTBOX_KEY) ?? '[]');
    saved = Array.isArray(parsed) ? (parsed as Outgoing[]) : [];
  } catch {
    saved = [];
  }
  return saved.filter((o) => inChat(o.chatId)).map((o) => (o.status === 'failed' ? o : { ...o, status: 'queued' as const }));
}

/** The outbox: the user's messages from the moment they are written until the server has them. */
export class OutboxStore {
  constructor(
    private readonly store: SessionStore,
    private readonly realtime: Realtime,
  ) {}

  /** Replaces the outbox and keeps it on this device, so that a reload loses nothing. */
  private update(outbox: readonly Outgoing[]): void {
    this.store.set({ outbox });
    localStorage.setItem(OUTBOX_KEY, JSON.stringify(outbox));
  }

  /** Sends everything not refused (on start, the messages restored from the device). */
  resendAll(): void {
    for (const o of this.store.state.outbox) if (o.status !== 'failed') this.transmit(o);
  }

  /** The connection dropped: what waited for an ack waits for the connection again. */
  requeue(): void {
    this.update(this.store.state.outbox.map((o) => (o.status === 'sending' ? { ...o, status: 'queued' } : o)));
  }

  /** The connection is back: the SDK sends what was queued. */
  markSending(): void {
    this.update(this.store.state.outbox.map((o) => (o.status === 'queued' ? { ...o, status: 'sending' } : o)));
  }

  /** A stored message arrived: its pending copy, if any, is done. */
  delivered(clientId: string): void {
    const outbox = this.store.state.outbox.filter((o) => o.clientId !== clientId);
    if (outbox.length !== this.store.state.outbox.length) this.update(outbox);
  }

  /** Sends a message: it shows at once, waits while offline and is stored exactly once. */
  send(chatId: number, msg: Draft): void {
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
    this.update([...this.store.state.outbox, o]);
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
        const { outbox, chats } = this.store.state;
        const still = outbox.find((x) => x.clientId === o.clientId);
        const stored = chats.get(o.chatId)?.messages?.some((m) => m.clientId === o.clientId);
        if (still && stored) this.update(outbox.filter((x) => x.clientId !== o.clientId));
      })
      .catch((err: unknown) => {
        this.update(
          this.store.state.outbox.map((x) => (x.clientId === o.clientId ? { ...x, status: 'failed', error: errorText(err) } : x)),
        );
      });
  }

  /** Sends a failed message again (a new attempt with the same id). */
  retry(clientId: string): void {
    const o = this.store.state.outbox.find((x) => x.clientId === clientId);
    if (!o) return;
    const again: Outgoing = { ...o, status: this.realtime.authenticated ? 'sending' : 'queued' };
    delete again.error;
    this.update(this.store.state.outbox.map((x) => (x.clientId === clientId ? again : x)));
    this.transmit(again);
  }

  /** Forgets a failed message. */
  discard(clientId: string): void {
    this.update(this.store.state.outbox.filter((x) => x.clientId !== clientId));
  }

  /** Forgets the outbox on this device (signing out). */
  clear(): void {
    localStorage.removeItem(OUTBOX_KEY);
  }
}
