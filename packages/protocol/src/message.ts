/** Messages: what a member sends, edits, reacts with and reads, and the pages of a chat's log. */
import { z } from 'zod';
import { DecimalParam, Id, MAX_SEQ, Seq, Timestamp } from './common.js';
import { canonicalEmoji, reactionEmojiProblem, refuseBlank, refuseUnstorable } from './text.js';

/** The longest message text, in characters. */
export const MAX_MESSAGE_CHARS = 4096;

/** A client-generated id that makes a send idempotent: a retried send is stored once. */
export const ClientId = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'client ids hold only A-Z, a-z, 0-9, "_" and "-"');

/** Text of a message: 1–4,096 characters that show something. Light formatting: *bold*, _italic_, links. */
export const MessageText = z
  .string()
  .max(MAX_MESSAGE_CHARS, `a message holds at most ${MAX_MESSAGE_CHARS} characters`)
  .superRefine(refuseBlank('a message'));

/**
 * An emoji reaction: exactly one emoji of the Unicode emoji set (one grapheme: 👍 ❤️ 👨‍👩‍👧 🇷🇺 1️⃣ 👍🏽).
 * A text-style emoji without its variation selector (❤) is accepted and stored as its emoji form (❤️).
 */
export const Emoji = z
  .string()
  .superRefine((e, ctx) => {
    const problem = reactionEmojiProblem(e);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform(canonicalEmoji);

/** The message a reply quotes. */
export const ReplyRef = z.object({
  /** Sequence number of the quoted message in the same chat. */
  seq: Seq.min(1),
  /** Its author. */
  senderPersonId: Id,
  /** The first 200 characters of its text ('' when deleted). */
  excerpt: z.string(),
});

/** Where a forwarded message came from. */
export const ForwardRef = z.object({
  /** The original author's name. */
  senderName: z.string(),
  /** The original chat's title. */
  chatTitle: z.string(),
  /** When the original was sent. */
  sentAt: Timestamp,
});

/**
 * A message as every member sees it. On the wire the fields marked "omitted at its default" may be
 * left out (`message.new` and `message.updated` frames leave them out: phones pay for every byte);
 * parsing with this schema puts the default back, so every reader sees the whole shape.
 * `compactMessage` writes the short form.
 */
export const Message = z.object({
  /** Global message id. */
  id: Id,
  /** The chat. */
  chatId: Id,
  /** Position in the chat's log: 1, 2, 3, … with no gaps between committed messages. */
  seq: Seq.min(1),
  /**
   * The chat's change counter at this message's last change. Every new message and every edit,
   * deletion, reaction or pin takes the chat's next version; clients sync from the highest seen.
   */
  version: Seq.min(1),
  /** Author. */
  senderPersonId: Id,
  /** The sender's idempotency key. */
  clientId: z.string(),
  /** Text; empty once deleted. */
  text: z.string(),
  /** Persons mentioned with @; omitted at its default, none. */
  mentions: z.array(Id).default(() => []),
  /** True when the author mentioned @all; omitted at its default, false. */
  mentionAll: z.boolean().default(false),
  /** An announcement every member must acknowledge (read); omitted at its default, false. */
  mustAcknowledge: z.boolean().default(false),
  /** The quoted message, for replies; omitted at its default, null. */
  replyTo: ReplyRef.nullable().default(null),
  /** The origin, for forwarded messages; omitted at its default, null. */
  forwardedFrom: ForwardRef.nullable().default(null),
  /** Reactions: emoji → persons who reacted; omitted at its default, none. */
  reactions: z.record(z.string(), z.array(Id)).default(() => ({})),
  /** Pinned in the chat; omitted at its default, false. */
  pinned: z.boolean().default(false),
  /** When it was committed. */
  createdAt: Timestamp,
  /** Last edit, or null; omitted at its default, null. */
  editedAt: Timestamp.nullable().default(null),
  /** When deleted for everyone, or null; omitted at its default, null. */
  deletedAt: Timestamp.nullable().default(null),
});
/** A message. */
export type Message = z.infer<typeof Message>;
/** A message as it may travel: the fields at their defaults may be missing. */
export type MessageWire = z.input<typeof Message>;

/** The short form of a message for the wire: the fields at their defaults are left out. */
export function compactMessage(m: Message): MessageWire {
  const out: MessageWire = {
    id: m.id,
    chatId: m.chatId,
    seq: m.seq,
    version: m.version,
    senderPersonId: m.senderPersonId,
    clientId: m.clientId,
    text: m.text,
    createdAt: m.createdAt,
  };
  if (m.mentions.length > 0) out.mentions = m.mentions;
  if (m.mentionAll) out.mentionAll = true;
  if (m.mustAcknowledge) out.mustAcknowledge = true;
  if (m.replyTo !== null) out.replyTo = m.replyTo;
  if (m.forwardedFrom !== null) out.forwardedFrom = m.forwardedFrom;
  // Any key at all (without building the list of keys).
  for (const _ in m.reactions) {
    out.reactions = m.reactions;
    break;
  }
  if (m.pinned) out.pinned = true;
  if (m.editedAt !== null) out.editedAt = m.editedAt;
  if (m.deletedAt !== null) out.deletedAt = m.deletedAt;
  return out;
}

/** A message to send (over the WebSocket as `message.send`, or `POST /api/v1/chats/:id/messages`). */
export const SendMessage = z
  .object({
    /** Idempotency key. */
    clientId: ClientId,
    /** Text. */
    text: MessageText,
    /** Reply to this message of the same chat. */
    replyToSeq: Seq.min(1).optional(),
    /** Persons mentioned. */
    mentions: z.array(Id).max(100).default([]),
    /** Mention everybody (teachers and admins only). */
    mentionAll: z.boolean().default(false),
    /** Every member must acknowledge it (teachers and admins only). */
    mustAcknowledge: z.boolean().default(false),
    /** Forward this message (its text is kept, `text` is ignored when empty). */
    forward: z
      .object({ chatId: Id, seq: Seq.min(1) })
      .strict()
      .optional(),
  })
  .strict();
/** A message to send. */
export type SendMessage = z.infer<typeof SendMessage>;

/** The server stored a send (or had stored it before: a retry). */
export const SendAck = z.object({
  /** Echo of the client id. */
  clientId: z.string(),
  /** The chat. */
  chatId: Id,
  /** The message's position. */
  seq: Seq.min(1),
  /** Message id. */
  id: Id,
  /** Commit time. */
  createdAt: Timestamp,
  /** True when this was a retry of a send already stored. */
  duplicate: z.boolean(),
});
/** The server stored a send. */
export type SendAck = z.infer<typeof SendAck>;

/** `PATCH /api/v1/chats/:id/messages/:seq`. */
export const EditMessageRequest = z.object({ text: MessageText }).strict();

/**
 * The most times one message may be edited: each edit keeps the earlier text for moderators, so the
 * history is bounded; the next edit is refused with `conflict` (`details.limit`).
 */
export const MAX_EDITS_PER_MESSAGE = 50;
/** `POST /api/v1/chats/:id/messages/:seq/reactions`. */
export const ReactRequest = z.object({ emoji: Emoji }).strict();
/** `POST /api/v1/chats/:id/read`. */
export const ReadRequest = z.object({ seq: Seq }).strict();

/** `GET /api/v1/chats/:id/messages`: a page of the log. */
export const MessagePageQuery = z
  .object({
    /** Messages with a position below this (older). */
    before: DecimalParam.pipe(z.number().min(1).max(MAX_SEQ)).optional(),
    /** Messages with a position above this (newer). */
    after: DecimalParam.pipe(z.number().max(MAX_SEQ)).optional(),
    /** Page size. */
    limit: DecimalParam.pipe(z.number().min(1).max(500)).default(50),
  })
  .strict();
/** A page of the log. */
export type MessagePageQuery = z.infer<typeof MessagePageQuery>;

/** A page of messages, in log order. */
export const MessagePage = z.object({
  messages: z.array(Message),
  /** True when more exist in the paged direction. */
  hasMore: z.boolean(),
});
/** A page of messages. */
export type MessagePage = z.infer<typeof MessagePage>;

/**
 * `GET /api/v1/chats/:id/messages/:seq/readers`: who has read a message and who has not. In
 * channels and roster chats a student or parent gets only the persons they may see by name, and
 * the whole counts beside them.
 */
export const Readers = z.object({
  /** Members whose read position is at or past the message (those the caller may see). */
  read: z.array(Id),
  /** Members who have not read it yet (those the caller may see). */
  unread: z.array(Id),
  /** How many members, the author aside, have read it, whether or not the caller may see them. */
  readCount: z.number().int().nonnegative().optional(),
  /** How many members, the author aside, have not read it yet. */
  unreadCount: z.number().int().nonnegative().optional(),
});
/** Who has read a message. */
export type Readers = z.infer<typeof Readers>;

/** An earlier text of an edited message (moderators). */
export const MessageEdit = z.object({ text: z.string(), editedAt: Timestamp });
/** `GET /api/v1/chats/:id/messages/:seq/history`. */
export const EditHistory = z.object({ edits: z.array(MessageEdit) });
/** `GET /api/v1/chats/:id/messages/:seq/history`. */
export type EditHistory = z.infer<typeof EditHistory>;

/** `GET /api/v1/search?q=`. */
export const SearchQuery = z
  .object({
    /** Words to find (Russian stemming: «уроки» finds «урок»). */
    q: z.string().trim().min(2).max(200).superRefine(refuseUnstorable('a search')),
    /** Only this chat. */
    chatId: DecimalParam.pipe(z.number().min(1).max(MAX_SEQ)).optional(),
    /** Page size. */
    limit: DecimalParam.pipe(z.number().min(1).max(100)).default(30),
  })
  .strict();
/** `GET /api/v1/search`. */
export type SearchQuery = z.infer<typeof SearchQuery>;

/** Search results, newest first. */
export const SearchResults = z.object({ messages: z.array(Message) });
/** Search results. */
export type SearchResults = z.infer<typeof SearchResults>;
