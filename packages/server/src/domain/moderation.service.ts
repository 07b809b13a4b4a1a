import type { Report } from '@parta/protocol';
import type { ChatContext } from './chat-context.js';
import type { Sender } from './delivery.js';
import { AppError, forbidden, notFound } from './errors.js';
import { spend } from './rate-limit.js';
import { toMessage } from '../storage/message.store.js';

/** How long a moderator's mute lasts when resolving a report with `muted`. */
const REPORT_MUTE_MS = 24 * 60 * 60 * 1000;

/** Moderation: members report messages, a school's admins work through the queue. */
export function moderationService(ctx: ChatContext) {
  const { deps, now, memberChat, actorIn, existingMessage, broadcastUpdate, announceRemoved } = ctx;
  const { repo, messageRepo, reportRepo, cache, limits } = deps;

  return {
    /**
     * Reports a message to the school's moderators. While the reporter's report on it is open, reporting
     * it again answers that report's id: one person's complaint is one entry in the queue.
     */
    async report(sender: Sender, chatId: number, seq: number, reason: string): Promise<number> {
      // Limits first (repeats count too): a refused call costs no lookup.
      spend(limits.report, sender.accountId, now(), 'reports');
      const { chat, me } = await memberChat(sender, chatId);
      const row = await existingMessage(chatId, seq);
      return reportRepo.insertReport({
        organizationId: chat.organizationId,
        chatId,
        messageId: row.id,
        reporterPersonId: me.personId,
        reason,
        createdAt: now(),
      });
    },

    /** The school's moderation queue (school admins). */
    async reports(sender: Sender, organizationId: number, includeResolved: boolean): Promise<Report[]> {
      const actor = actorIn(sender, organizationId);
      // Standing first, before any lookup: to a caller with none there, a school that exists and
      // one that does not answer alike.
      if (!actor) throw notFound('organization');
      if (!actor || !actor.roles.some((r) => r.role === 'school_admin' && r.organizationId === organizationId))
        throw forbidden('only school admins see the moderation queue');
      const rows = await reportRepo.reports(organizationId, includeResolved);
      const messages = new Map((await messageRepo.messagesByIds(rows.map((r) => r.messageId))).map((m) => [m.id, m]));
      return rows.map((r) => ({
        id: r.id,
        chatId: r.chatId,
        organizationId: r.organizationId,
        message: toMessage(messages.get(r.messageId)!),
        reporterPersonId: r.reporterPersonId,
        reason: r.reason,
        createdAt: r.createdAt,
        resolvedAt: r.resolvedAt,
        resolution: r.resolution as Report['resolution'],
      }));
    },

    /** Resolves a report: delete the message, mute or remove its author, or dismiss. */
    async resolveReport(sender: Sender, reportId: number, action: 'deleted' | 'dismissed' | 'muted' | 'removed'): Promise<void> {
      const report = await reportRepo.report(reportId);
      if (!report) throw notFound('report');
      const actor = actorIn(sender, report.organizationId);
      if (!actor || !actor.roles.some((r) => r.role === 'school_admin' && r.organizationId === report.organizationId))
        throw notFound('report');
      if (report.resolvedAt !== null) throw new AppError('conflict', 'the report is already resolved');
      const msg = (await messageRepo.messageById(report.messageId))!;
      const chat = await cache.get(report.chatId);
      const t = now();
      if (chat) {
        if (action === 'deleted' && msg.deletedAt === null) {
          const row = await messageRepo.changeMessage(
            chat.id,
            msg.seq,
            () => ({ text: '', deletedAt: t, reactions: '{}', pinned: 0, mentions: '[]', mentionAll: 0 }),
            { text: msg.text, at: t },
          );
          broadcastUpdate(chat, row!);
        } else if (action === 'muted' && chat.members.has(msg.senderPersonId)) {
          await repo.updateMember(chat.id, msg.senderPersonId, { mutedUntil: t + REPORT_MUTE_MS });
          cache.invalidate(chat.id);
        } else if (action === 'removed' && chat.members.has(msg.senderPersonId)) {
          await repo.removeMembers(chat.id, [msg.senderPersonId]);
          await announceRemoved(chat, [msg.senderPersonId]);
        }
      }
      await reportRepo.resolveReport(reportId, actor.personId, action, t);
    },
  };
}

/** Reports and their resolution. */
export type ModerationService = ReturnType<typeof moderationService>;
