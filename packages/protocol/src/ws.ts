import { z } from 'zod';
import { ErrorCode } from './errors.js';
import { Id, Seq, Timestamp } from './common.js';
import { ChatSummary, Presence } from './chat.js';
import { Message, SendAck, SendMessage } from './message.js';

/**
 * WebSocket frames on `/api/v1/ws`. Every frame is one JSON object with a `type` of the form
 * `area.name`; the endpoint's `v1` and `FEATURE_LEVEL` version the set.
 */

/** The largest text frame the server accepts, in bytes. */
export const MAX_WS_FRAME_BYTES = 64 * 1024;

/** Catch-up positions per frame: 1,000 fit well inside `MAX_WS_FRAME_BYTES`; send more in further `chat.sync` frames. */
export const MAX_SYNC_POSITIONS = 1000;

/** First frame a client sends: authenticate the socket. */
export const HelloFrame = z
  .object({
    type: z.literal('session.hello'),
    /** Bearer token from a sign-in. */
    token: z.string().min(1).max(200),
    /** The feature level the client was built against. */
    featureLevel: z.number().int().nonnegative().optional(),
    /**
     * Chats to catch up, as in `chat.sync`. Given here, live messages of these chats wait for the
     * catch-up, so nothing arrives twice or out of order after a reconnect.
     */
    sync: z
      .array(z.object({ chatId: Id, version: Seq }).strict())
      .max(MAX_SYNC_POSITIONS)
      .optional(),
  })
  .strict();

/** Application-level ping; the server answers `session.pong` with the same `nonce`. */
export const PingFrame = z
  .object({
    type: z.literal('session.ping'),
    /** Echoed back. */
    nonce: z.string().max(64).optional(),
  })
  .strict();

/** Send a message; answered by `message.ack` (after commit) or `message.rejected`. */
export const SendFrame = SendMessage.extend({
  type: z.literal('message.send'),
  /** The chat. */
  chatId: Id,
}).strict();

/**
 * After (re)connecting: the last log version seen per chat. The server sends every message created
 * or changed since, in log order, once each, then `chat.synced`. Chats the caller is not in (or that
 * do not exist) are answered together by one `session.error` `not_found` whose `details.chatIds`
 * lists them. A socket's `chat.sync` frames are served one after another, in order.
 */
export const SyncFrame = z
  .object({
    type: z.literal('chat.sync'),
    /** Last seen version per chat; chats not listed are not synced (fetch them with GET /chats). */
    positions: z.array(z.object({ chatId: Id, version: Seq }).strict()).max(MAX_SYNC_POSITIONS),
  })
  .strict();

/** Move the caller's read position forward. */
export const ReadFrame = z
  .object({
    type: z.literal('chat.read'),
    chatId: Id,
    /** Read up to and including this position. */
    seq: Seq,
  })
  .strict();

/** The caller is typing in a chat (send at most every 3 s). */
export const TypingFrame = z.object({ type: z.literal('chat.typing'), chatId: Id }).strict();

/** The most persons one `presence.query` may ask about (a client asks for what is on screen). */
export const MAX_PRESENCE_IDS = 200;

/**
 * Ask for the presence of persons. Answered only for those the caller may see in some chat they
 * share (in channels and roster chats students and parents see only whom the directory shows
 * them); the others are left out of the answer.
 */
export const PresenceQueryFrame = z
  .object({ type: z.literal('presence.query'), personIds: z.array(Id).min(1).max(MAX_PRESENCE_IDS) })
  .strict();

/** Every frame a client may send. */
export const ClientFrame = z.discriminatedUnion('type', [
  HelloFrame,
  PingFrame,
  SendFrame,
  SyncFrame,
  ReadFrame,
  TypingFrame,
  PresenceQueryFrame,
]);
/** Every frame a client may send. */
export type ClientFrame = z.infer<typeof ClientFrame>;
/** Frame types a client may send. */
export const CLIENT_FRAME_TYPES = ClientFrame.options.map((o) => o.shape.type.value);

/** The server accepted `session.hello`. */
export const WelcomeFrame = z.object({
  type: z.literal('session.welcome'),
  /** The authenticated account. */
  accountId: Id,
  /** The session the token belongs to. */
  sessionId: Id,
  /** The server's feature level. */
  featureLevel: z.number().int(),
  /** Server time, for clock-skew correction. */
  serverTime: Timestamp,
});

/** Answer to `session.ping`. */
export const PongFrame = z.object({
  type: z.literal('session.pong'),
  /** The ping's nonce. */
  nonce: z.string().optional(),
  /** Server time. */
  serverTime: Timestamp,
});

/** The server could not act on a frame. The socket stays open unless the code says otherwise. */
export const ErrorFrame = z.object({
  type: z.literal('session.error'),
  /** Stable error code, shared with HTTP. */
  code: ErrorCode,
  /** English message. */
  message: z.string(),
  /** Structured context (validation issues). */
  details: z.record(z.string(), z.unknown()).optional(),
});

/** A send was committed. */
export const AckFrame = SendAck.extend({ type: z.literal('message.ack') });

/** A send was refused; nothing was stored. */
export const RejectedFrame = z.object({
  type: z.literal('message.rejected'),
  clientId: z.string(),
  chatId: Id,
  code: ErrorCode,
  message: z.string(),
  /** For `rate_limited`: when to retry. */
  retryAfterMs: z.number().int().nonnegative().optional(),
});

/** A new message in one of the caller's chats (also replayed by `chat.sync`), in its compact form. */
export const NewMessageFrame = z.object({ type: z.literal('message.new'), message: Message });

/** A message changed: edited, deleted, reacted to, pinned. Carries its whole new state, in its compact form. */
export const UpdatedMessageFrame = z.object({ type: z.literal('message.updated'), message: Message });

/** End of a chat's catch-up. When `hasMore`, sync again from `throughVersion` for the next batch. */
export const SyncedFrame = z.object({
  type: z.literal('chat.synced'),
  chatId: Id,
  /** Every change up to this version was sent. */
  throughVersion: Seq,
  /** More is missing than one sync sends. */
  hasMore: z.boolean(),
});

/** A member's read position moved. */
export const ReadPositionFrame = z.object({
  type: z.literal('chat.read'),
  chatId: Id,
  personId: Id,
  seq: Seq,
});

/** A member is typing. */
export const TypingNotice = z.object({ type: z.literal('chat.typing'), chatId: Id, personId: Id });

/** The caller was added to a chat (or a chat was created with them). */
export const ChatAddedFrame = z.object({ type: z.literal('chat.added'), chat: ChatSummary });

/** The caller left or was removed from a chat. */
export const ChatRemovedFrame = z.object({ type: z.literal('chat.removed'), chatId: Id });

/** A chat's membership or settings changed; refetch its members if shown. */
export const ChatChangedFrame = z.object({ type: z.literal('chat.changed'), chatId: Id });

/** Presence of persons. */
export const PresenceFrame = z.object({ type: z.literal('presence.update'), presence: z.array(Presence) });

/** Every frame the server may send. */
export const ServerFrame = z.discriminatedUnion('type', [
  WelcomeFrame,
  PongFrame,
  ErrorFrame,
  AckFrame,
  RejectedFrame,
  NewMessageFrame,
  UpdatedMessageFrame,
  SyncedFrame,
  ReadPositionFrame,
  TypingNotice,
  ChatAddedFrame,
  ChatRemovedFrame,
  ChatChangedFrame,
  PresenceFrame,
]);
/** Every frame the server may send. */
export type ServerFrame = z.infer<typeof ServerFrame>;

/** WebSocket close codes the server uses. */
export const WS_CLOSE = {
  /** Server is shutting down; reconnect. */
  goingAway: 1001,
  /** Frame was not valid UTF-8 text. */
  invalidPayload: 1007,
  /** Binary frame or protocol misuse. */
  unsupportedData: 1003,
  /** Frame larger than `MAX_WS_FRAME_BYTES`. */
  tooLarge: 1009,
  /** Token missing, unknown or revoked, or no hello in time. */
  unauthenticated: 4401,
  /**
   * The session was revoked while connected. The socket acts on no frame after the revocation and
   * is torn down within a second, whether or not the client answers the close.
   */
  sessionRevoked: 4403,
  /**
   * The socket kept sending past its frame budget after being told (`session.error` `rate_limited`)
   * to slow down. Reconnecting is allowed, after a pause.
   */
  tooManyFrames: 4429,
  /** The client read too slowly and its buffer overflowed: reconnect and sync. */
  tooSlow: 4408,
} as const;
