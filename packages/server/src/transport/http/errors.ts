import type { FastifyError } from 'fastify';
import { ZodError } from 'zod';
import { type ErrorBody, type ErrorCode, MAX_MESSAGE_CHARS, type ValidationIssue, statusOf } from '@parta/protocol';
import { AppError } from '../../domain/errors.js';

/** An error as answered on the wire: its status and its body. */
export interface WireError {
  status: number;
  body: ErrorBody;
  /** True when nothing the client did explains it: log it. */
  reportable: boolean;
}

function wire(code: ErrorCode, message: string, details?: Record<string, unknown>, reportable = false): WireError {
  return { status: statusOf(code), body: { error: { code, message, ...(details ? { details } : {}) } }, reportable };
}

/** The validation issues of a zod error, as `path: message`. */
export function issuesOf(error: ZodError): ValidationIssue[] {
  return error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

/**
 * A message text over the limit is a size problem, answered 413 `payload_too_large` (with the
 * limit), not a malformed request; any other problem in the same input makes it a 400.
 */
export function messageTooLong(error: ZodError): AppError | null {
  const all = error.issues;
  if (all.length === 0 || !all.every((i) => i.code === 'too_big' && i.path.length === 1 && i.path[0] === 'text')) return null;
  return new AppError('payload_too_large', `a message holds at most ${MAX_MESSAGE_CHARS} characters`, {
    limitChars: MAX_MESSAGE_CHARS,
    issues: issuesOf(error),
  });
}

/** A zod error as a `validation_failed` answer naming every problem. */
export function validationError(error: ZodError, where: string): AppError {
  const tooLong = messageTooLong(error);
  if (tooLong) return tooLong;
  const issues = issuesOf(error);
  const first = issues[0];
  const summary = first ? `${first.path || where}: ${first.message}` : 'invalid input';
  return new AppError('validation_failed', `invalid ${where}: ${summary}`, { issues });
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_failed',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_BAD_URL: 'validation_failed',
  FST_ERR_ASYNC_CONSTRAINT: 'validation_failed',
};

/**
 * Maps anything thrown while answering to a wire error. Domain errors keep their code; known
 * framework errors get precise codes; everything else is a reportable `internal`.
 */
export function toWireError(error: unknown): WireError {
  if (error instanceof AppError) return wire(error.code, error.message, error.details);
  if (error instanceof ZodError) {
    const e = validationError(error, 'input');
    return wire(e.code, e.message, e.details);
  }
  const fe = error as Partial<FastifyError>;
  if (typeof fe.code === 'string' && fe.code in FASTIFY_CODES) {
    const code = FASTIFY_CODES[fe.code]!;
    const details = code === 'payload_too_large' ? { limitBytes: BODY_LIMIT_BYTES } : undefined;
    return wire(code, fe.message ?? code, details);
  }
  if (fe.statusCode === 429) {
    const retry = Number((fe as { retryAfterSeconds?: number }).retryAfterSeconds ?? 60);
    return wire('rate_limited', 'too many requests; slow down', { retryAfterSeconds: retry });
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return wire('validation_failed', fe.message ?? 'bad request');
  }
  return wire('internal', 'internal error; it has been logged', undefined, true);
}

/** The largest HTTP body the API accepts. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
