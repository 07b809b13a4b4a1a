/**
 * The port through which the domain reaches connected clients. The WebSocket gateway implements it;
 * in a cluster a bus adapter forwards to the nodes holding the sockets.
 */
export interface Outbox {
  /**
   * Sends one serialized server frame (JSON text) to every open socket of the accounts. `chatId`
   * and `version` order it against a catch-up in progress (0 for frames outside a chat log).
   */
  deliver(accountIds: Iterable<number>, frame: OutFrame): void;
  /** Pushes out everything written since the last flush (one syscall per socket). */
  flush(): void;
  /** True when the account has at least one open, authenticated socket. */
  isOnline(accountId: number): boolean;
}

/** A frame serialized once for all its recipients. */
export interface OutFrame {
  /** The JSON text. */
  readonly json: string;
  /** The chat log this frame belongs to, or 0. */
  readonly chatId: number;
  /** Its version in that log, or 0. */
  readonly version: number;
  /** Transport-specific cache (the gateway keeps the encoded WebSocket frame here). */
  encoded?: unknown;
}

/** Wraps a frame object for delivery. */
export function outFrame(frame: object, chatId = 0, version = 0): OutFrame {
  return { json: JSON.stringify(frame), chatId, version };
}
