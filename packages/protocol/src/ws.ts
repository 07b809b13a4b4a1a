import { z } from 'zod';
import { ErrorCode } from './errors.js';
import { Id, Timestamp } from './common.js';

/**
 * WebSocket frames on `/api/v1/ws`. Every frame is one JSON object with a `type` of the form
 * `area.name`; the endpoint's `v1` and `FEATURE_LEVEL` version the set.
 */

/** The largest text frame the server accepts, in bytes. */
export const MAX_WS_FRAME_BYTES = 64 * 1024;

/** First frame a client sends: authenticate the socket. */
export const HelloFrame = z
  .object({
    type: z.literal('session.hello'),
    /** Bearer token from a sign-in. */
    token: z.string().min(1).max(200),
    /** The feature level the client was built against. */
    featureLevel: z.number().int().nonnegative().optional(),
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

/** Every frame a client may send. */
export const ClientFrame = z.discriminatedUnion('type', [HelloFrame, PingFrame]);
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

/** Every frame the server may send. */
export const ServerFrame = z.discriminatedUnion('type', [WelcomeFrame, PongFrame, ErrorFrame]);
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
  /** The session was revoked while connected. */
  sessionRevoked: 4403,
} as const;
