import type { ErrorCode, Message, MessageWire, SendAck, SendMessage } from '@parta/protocol';
import type { Logger } from 'pino';
import { type Actor, mayAddressAll, postRefusal } from './chat-access.js';
import { type ChatCache, type ChatState, type MemberState, memberPersonOf } from './chat-cache.js';
import { type Outbox, outFrame } from './outbox.js';
import type { RateLimiter } from './rate-limit.js';
import type { ChatRepo } from '../storage/chat.repo.js';
import type { MessageRepo } from '../storage/message.repo.js';
import type { MessageCommitter, NewMessage } from '../storage/message.store.js';

/** The shortest gathering of sends into one commit while they keep coming: the reference server's ~1 ms. */
const GATHER_MIN_MS = 1;
/**
 * The longest. While the server keeps up, sends are gathered for a millisecond; when a batch's
 * commit and fan-out took longer, the next gathers about as long (never past this), so that under
 * load one commit and one socket write per member carry more messages.
 */
const GATHER_MAX_MS = 5;

/** The outcome of a send, handed to whoever submitted it. */
export type SendOutcome = { ok: true; ack: SendAck } | { ok: false; code: ErrorCode; message: string; retryAfterMs?: number };

/** The refusal of a send whose session was revoked before it was stored. */
const revoked: SendOutcome = { ok: false, code: 'unauthenticated', message: 'the session was revoked' };

/** Who is sending: the account, its persons and the rules' view of them. */
export interface Sender {
  accountId: number;
  personIds: readonly number[];
  actors: ReadonlyMap<number, Actor>;
}

interface Pending {
  sender: Sender;
  chatId: number;
  msg: SendMessage;
  done: (outcome: SendOutcome) => void;
  /** False once whoever sent it may no longer act (its session was revoked): it is then refused, not stored. */
  live?: () => boolean;
}

interface Accepted {
  p: Pending;
  chat: ChatState;
  row: NewMessage;
}

/**
 * The send pipeline. Sends are queued and, once per event-loop turn, checked against the chat
 * rules, committed in one transaction (group commit), acknowledged, and fanned out: each message
 * serialized once and written to every member's sockets, flushed once per socket.
 */
export class Delivery {
  private queue: Pending[] = [];
  private scheduled = false;
  private running = false;
  private lastFlush = 0;
  /** How long the next batch gathers while sends keep coming (see GATHER_MAX_MS). */
  private gatherMs = GATHER_MIN_MS;

  constructor(
    private readonly deps: {
      committer: MessageCommitter;
      cache: ChatCache;
      repo: Pick<ChatRepo, 'names'> & Pick<MessageRepo, 'message'>;
      outbox: Outbox;
      limiter: RateLimiter;
      log: Logger;
      now?: () => number;
    },
  ) {}

  /**
   * Queues a send; `done` is called once, after commit (or refusal). `live` is asked until the send's
   * batch is committed: once it says false the send is refused. A batch already being committed
   * lands: its sends were accepted before the revocation that came while it was written.
   */
  submit(sender: Sender, chatId: number, msg: SendMessage, done: (outcome: SendOutcome) => void, live?: () => boolean): void {
    this.queue.push(live ? { sender, chatId, msg, done, live } : { sender, chatId, msg, done });
    this.schedule();
  }

  /** Promise form of `submit`, for HTTP. */
  send(sender: Sender, chatId: number, msg: SendMessage): Promise<SendOutcome> {
    return new Promise((resolve) => this.submit(sender, chatId, msg, resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    // A lone send goes at once; sends that keep coming are gathered (see GATHER_MAX_MS).
    const sinceLast = performance.now() - this.lastFlush;
    const go = () => {
      this.scheduled = false;
      this.running = true;
      const started = performance.now();
      this.flush()
        .catch((err: unknown) => this.deps.log.error({ err }, 'delivery flush failed'))
        .finally(() => {
          this.lastFlush = performance.now();
          this.gatherMs = Math.min(GATHER_MAX_MS, Math.max(GATHER_MIN_MS, this.lastFlush - started));
          this.running = false;
          // Refusals and acks were written corked; a batch with nothing committed flushes here too.
          this.deps.outbox.flush();
          if (this.queue.length) this.schedule();
        });
    };
    if (sinceLast >= this.gatherMs) setImmediate(go);
    else setTimeout(go, this.gatherMs);
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    const { cache } = this.deps;
    const now = (this.deps.now ?? Date.now)();
    // The send limit is spent before any lookup: sends to chats that do not exist (or are not the
    // sender's) cost a database query each only within the limit.
    const admitted: Pending[] = [];
    for (const p of batch) {
      if (p.live?.() === false) {
        p.done(revoked);
        continue;
      }
      const wait = this.deps.limiter.take(p.sender.accountId, now);
      if (wait > 0)
        p.done({ ok: false, code: 'rate_limited', message: `too many messages; retry in ${wait} ms`, retryAfterMs: wait });
      else admitted.push(p);
    }
    const missing = new Set<number>();
    for (const p of admitted) if (!cache.peek(p.chatId)) missing.add(p.chatId);
    if (missing.size) await Promise.all([...missing].map((id) => cache.get(id)));

    let accepted: Accepted[] = [];
    const lookups: Promise<void>[] = [];
    for (const p of admitted) {
      const result = this.check(p, now);
      if (!result.ok) {
        p.done(result.outcome);
        continue;
      }
      const a: Accepted = { p, chat: result.chat, row: this.row(p, result.member) };
      if (p.msg.replyToSeq !== undefined || p.msg.forward) {
        lookups.push(this.resolveRefs(a).then((ok) => void (ok && accepted.push(a))));
      } else {
        accepted.push(a);
      }
    }
    if (lookups.length) await Promise.all(lookups);
    // Revocations that came during the lookups: the last moment a send can still be refused.
    accepted = accepted.filter((a) => {
      if (a.p.live?.() !== false) return true;
      a.p.done(revoked);
      return false;
    });
    if (accepted.length === 0) return;

    let committed;
    try {
      committed = await this.deps.committer.commit(
        accepted.map((a) => a.row),
        now,
      );
    } catch (err) {
      this.deps.log.error({ err, count: accepted.length }, 'message commit failed');
      for (const a of accepted) a.p.done({ ok: false, code: 'internal', message: 'the message could not be stored; retry' });
      return;
    }
    for (let i = 0; i < accepted.length; i++) {
      const { p, chat, row } = accepted[i]!;
      const c = committed[i]!;
      p.done({
        ok: true,
        ack: { clientId: row.clientId, chatId: c.chatId, seq: c.seq, id: c.id, createdAt: c.createdAt, duplicate: c.duplicate },
      });
      if (c.duplicate) continue;
      // The compact form (fields at their defaults left out), serialized once for every recipient.
      const message: MessageWire = {
        id: c.id,
        chatId: c.chatId,
        seq: c.seq,
        version: c.version,
        senderPersonId: row.senderPersonId,
        clientId: row.clientId,
        text: row.text,
        createdAt: c.createdAt,
      };
      if (row.mentions.length > 0) message.mentions = row.mentions as number[];
      if (row.mentionAll) message.mentionAll = true;
      if (row.mustAck) message.mustAcknowledge = true;
      if (row.replyTo !== null) message.replyTo = JSON.parse(row.replyTo) as Message['replyTo'];
      if (row.forward !== null) message.forwardedFrom = JSON.parse(row.forward) as Message['forwardedFrom'];
      this.deps.outbox.deliver(chat.accounts, outFrame({ type: 'message.new', message }, c.chatId, c.version));
    }
    this.deps.outbox.flush();
  }

  private check(
    p: Pending,
    now: number,
  ): { ok: true; chat: ChatState; member: MemberState } | { ok: false; outcome: SendOutcome } {
    const refuse = (code: ErrorCode, message: string, retryAfterMs?: number) => ({
      ok: false as const,
      outcome: { ok: false as const, code, message, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
    });
    const chat = this.deps.cache.peek(p.chatId);
    const member = chat ? memberPersonOf(chat, p.sender.personIds) : null;
    // Not a member and no such chat look the same.
    if (!chat || !member) return refuse('not_found', 'chat not found');
    const refusal = postRefusal(chat, member, now, p.msg.replyToSeq !== undefined);
    if (refusal) return refuse('forbidden', refusal);
    if (p.msg.mentionAll || p.msg.mustAcknowledge) {
      const actor = p.sender.actors.get(member.personId);
      if (!actor || !mayAddressAll(actor, chat, member)) {
        return refuse('forbidden', '@all and announcements that must be acknowledged are for teachers and chat admins');
      }
    }
    for (const m of p.msg.mentions) {
      if (!chat.members.has(m)) return refuse('validation_failed', `mentioned person ${m} is not a member of this chat`);
    }
    return { ok: true, chat, member };
  }

  private row(p: Pending, member: MemberState): NewMessage {
    return {
      chatId: p.chatId,
      senderPersonId: member.personId,
      clientId: p.msg.clientId,
      text: p.msg.text,
      mentions: [...new Set(p.msg.mentions)],
      mentionAll: p.msg.mentionAll,
      mustAck: p.msg.mustAcknowledge,
      replyTo: null,
      forward: null,
    };
  }

  /** Fills the quoted message and the forward origin; refuses the send when they are not reachable. */
  private async resolveRefs(a: Accepted): Promise<boolean> {
    const { repo, cache } = this.deps;
    const { msg } = a.p;
    if (msg.replyToSeq !== undefined) {
      const quoted = await repo.message(a.p.chatId, msg.replyToSeq);
      if (!quoted) {
        a.p.done({ ok: false, code: 'not_found', message: `no message ${msg.replyToSeq} to reply to in this chat` });
        return false;
      }
      a.row.replyTo = JSON.stringify({
        seq: quoted.seq,
        senderPersonId: quoted.senderPersonId,
        excerpt: quoted.deletedAt === null ? quoted.text.slice(0, 200) : '',
      });
    }
    if (msg.forward) {
      const source = await cache.get(msg.forward.chatId);
      const readable = source !== null && memberPersonOf(source, a.p.sender.personIds) !== null;
      const original = readable ? await repo.message(msg.forward.chatId, msg.forward.seq) : undefined;
      if (!source || !original || original.deletedAt !== null) {
        a.p.done({ ok: false, code: 'not_found', message: 'the message to forward was not found' });
        return false;
      }
      const names = await repo.names([original.senderPersonId]);
      // A forward keeps the origin; the original text travels, unless the sender wrote their own.
      a.row.forward = JSON.stringify({
        senderName: names.get(original.senderPersonId) ?? '',
        chatTitle: source.title,
        sentAt: original.createdAt,
      });
      a.row.text = original.text;
    }
    return true;
  }
}
