import type { ErrorCode } from '@parta/protocol';

/**
 * An error the domain throws on purpose. Its code is answered to the client as is; anything
 * else that escapes is logged and answered as `internal`.
 */
export class AppError extends Error {
  /** Stable code from the protocol package. */
  readonly code: ErrorCode;
  /** Structured context for the client. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
}

/** Shorthand for the 404 that hides whether something exists. */
export function notFound(what: string): AppError {
  return new AppError('not_found', `${what} not found`);
}

/** Shorthand for a closed-contour refusal. */
export function forbidden(message: string): AppError {
  return new AppError('forbidden', message);
}
