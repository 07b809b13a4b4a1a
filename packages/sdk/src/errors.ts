import type { ErrorCode } from '@parta/protocol';

/** An error answered by the server, or a failure to reach it (`code` = `network`). */
export class PartaError extends Error {
  /** The server's stable error code, or `network` / `protocol` for client-side failures. */
  readonly code: ErrorCode | 'network' | 'protocol';
  /** HTTP status, 0 when the server was not reached. */
  readonly status: number;
  /** The server's structured details. */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode | 'network' | 'protocol',
    message: string,
    status: number,
    details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PartaError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}
