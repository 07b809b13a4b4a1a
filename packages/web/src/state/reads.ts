import type { ServerFrame } from '@parta/protocol';
import type { PartaClient, Realtime } from '@parta/sdk';
import type { SessionStore } from './store.js';

/** A read position moved, by a member or by another device of this account. */
type ReadFrame = Extract<ServerFrame, { type: 'chat.read' }>;

/** Read positions: the user's own (unread and mention counters) and the members' (read receipts). */
export class ReadStore {
  constructor(
    private readonly store: SessionStore,
    private readonly client: PartaClient,
    private readonly realtime: Realtime,
  ) {}

  /** Handles a `chat.read` frame. */
  handleRead(f: ReadFrame): void {
    this.store.updateChat(f.chatId, (v) => {
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
  }

  /**
   * The chat view saw messages up to `seq` on screen (the page visible): reads up to there, but
   * not past an announcement that must be acknowledged — that waits for its button.
   */
  markSeen(chatId: number, seq: number): void {
    const v = this.store.state.chats.get(chatId);
    if (!v) return;
    const gate = v.messages?.find(
      (m) => m.mustAcknowledge && !m.deletedAt && m.seq > v.summary.readSeq && m.senderPersonId !== v.summary.myPersonId,
    );
    this.markRead(chatId, gate ? Math.min(seq, gate.seq - 1) : seq);
  }

  /** Moves the read position to `seq` (never back) and tells the server and the other devices. */
  markRead(chatId: number, seq: number): void {
    const v = this.store.state.chats.get(chatId);
    if (!v) return;
    const upTo = Math.min(seq, v.summary.lastSeq);
    if (upTo <= v.summary.readSeq) return;
    this.store.updateChat(chatId, (cur) => {
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
}
