import { z } from 'zod';

/** A database identifier: a positive safe integer. */
export const Id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** A database identifier. */
export type Id = z.infer<typeof Id>;

/** A non-negative decimal integer as it appears in a URL (no signs, hex, exponents or fractions). */
export const DecimalParam = z
  .string()
  .regex(/^\d{1,16}$/, 'expected a decimal integer')
  .transform(Number)
  .pipe(z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER));

/** An identifier as it appears in a URL path segment. */
export const IdParam = DecimalParam.pipe(z.number().positive('expected a positive id'));

/** The largest position or version in a chat log (a 32-bit column on both engines). */
export const MAX_SEQ = 2_147_483_647;

/** A position or version in a chat log. */
export const Seq = z.number().int().nonnegative().max(MAX_SEQ);

/** A log position as it appears in a URL: 1 or more. */
export const SeqParam = DecimalParam.pipe(z.number().min(1).max(MAX_SEQ));

/** Milliseconds since the Unix epoch, UTC. */
export const Timestamp = z.number().int().nonnegative();

/** A calendar date, `YYYY-MM-DD`. */
export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD');

/** An IANA time zone name such as `Europe/Moscow`. */
export const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'unknown IANA time zone');

/** Query parameters for paged lists. */
export const PageQuery = z
  .object({
    /** How many items to return, 1–500. */
    limit: DecimalParam.pipe(z.number().min(1).max(500)).default(100),
    /** Return items with an id greater than this one. */
    after: DecimalParam.default(0),
  })
  .strict();
/** Query parameters for paged lists. */
export type PageQuery = z.infer<typeof PageQuery>;
