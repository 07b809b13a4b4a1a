import { z } from 'zod';

/** `GET /api/v1/health`: `ok` only when the database answers. */
export const HealthResponse = z.object({
  /** `ok`, or `unavailable` with status 503. */
  status: z.enum(['ok', 'unavailable']),
});
/** `GET /api/v1/health`. */
export type HealthResponse = z.infer<typeof HealthResponse>;
