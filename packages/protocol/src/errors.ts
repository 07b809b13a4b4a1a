import { z } from 'zod';

/**
 * Every error code the API can answer with, and the HTTP status it travels with.
 * Codes are stable: clients branch on them, so a code is never renamed or reused.
 */
export const ERROR_STATUS = {
  /** The body or query did not match the route's schema; `details` lists each problem. */
  validation_failed: 400,
  /** The body is not parseable JSON. */
  malformed_json: 400,
  /** The body is not valid UTF-8. */
  invalid_utf8: 400,
  /** The request's Content-Type is not one the route accepts. */
  unsupported_media_type: 415,
  /** No valid bearer token was presented. */
  unauthenticated: 401,
  /** The caller is authenticated but the closed contour does not allow this. */
  forbidden: 403,
  /** The development login is switched off on this server. */
  dev_login_disabled: 403,
  /** The resource does not exist, or the caller may not know it exists. */
  not_found: 404,
  /** The HTTP method is not defined for this path. */
  method_not_allowed: 405,
  /** The request conflicts with the current state (for example a duplicate). */
  conflict: 409,
  /** The body, frame or field is larger than allowed. */
  payload_too_large: 413,
  /** Too many requests; retry after `details.retryAfterSeconds`. */
  rate_limited: 429,
  /** Something failed on the server; it is logged, the client may retry. */
  internal: 500,
  /** A dependency (the database) is not answering. */
  unavailable: 503,
} as const;

/** A stable, machine-readable error code. */
export const ErrorCode = z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]]);
/** A stable, machine-readable error code. */
export type ErrorCode = z.infer<typeof ErrorCode>;

/** One problem found while validating input. */
export const ValidationIssue = z.object({
  /** Dotted path of the offending field; empty for the whole input. */
  path: z.string(),
  /** Human-readable description in English. */
  message: z.string(),
});
/** One problem found while validating input. */
export type ValidationIssue = z.infer<typeof ValidationIssue>;

/** The body of every error answer: `{"error":{"code","message","details"}}`. */
export const ErrorBody = z.object({
  error: z.object({
    /** Stable code; see `ERROR_STATUS`. */
    code: ErrorCode,
    /** English message for developers and logs; clients translate by `code`. */
    message: z.string(),
    /** Structured context: validation issues, limits, retry hints. */
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
/** The body of every error answer. */
export type ErrorBody = z.infer<typeof ErrorBody>;

/** The HTTP status an error code is answered with. */
export function statusOf(code: ErrorCode): number {
  return ERROR_STATUS[code];
}
