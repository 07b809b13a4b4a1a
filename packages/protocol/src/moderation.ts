/** Moderation: reports on messages and a school's queue of them. */
import { z } from 'zod';
import { Id, Timestamp } from './common.js';
import { Message } from './message.js';
import { refuseBlank } from './text.js';

/** `POST /api/v1/chats/:id/messages/:seq/report`. */
export const ReportRequest = z
  .object({ reason: z.string().trim().min(1).max(1000).superRefine(refuseBlank('a report reason')) })
  .strict();

/** A report in a school's moderation queue. */
export const Report = z.object({
  id: Id,
  chatId: Id,
  organizationId: Id,
  message: Message,
  reporterPersonId: Id,
  reason: z.string(),
  createdAt: Timestamp,
  resolvedAt: Timestamp.nullable(),
  resolution: z.enum(['deleted', 'dismissed', 'muted', 'removed']).nullable(),
});
/** A report. */
export type Report = z.infer<typeof Report>;

/** `GET /api/v1/organizations/:id/reports`. */
export const ReportList = z.object({ reports: z.array(Report) });
/** `GET /api/v1/organizations/:id/reports`. */
export type ReportList = z.infer<typeof ReportList>;

/** `POST /api/v1/reports/:id/resolve`. */
export const ResolveReportRequest = z
  .object({
    /** What to do: delete the message, dismiss the report, mute the author for a day, or remove them from the chat. */
    action: z.enum(['deleted', 'dismissed', 'muted', 'removed']),
  })
  .strict();
