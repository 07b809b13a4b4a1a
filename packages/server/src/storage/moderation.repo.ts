import type { Store } from './store.js';

/** Queries over reports of messages to a school's moderators. */
export function moderationRepo(store: Store) {
  const { db } = store;

  /** The reporter's open report on a message, if any. */
  async function openReport(messageId: number, reporterPersonId: number) {
    return db
      .selectFrom('reports')
      .select('id')
      .where('messageId', '=', messageId)
      .where('reporterPersonId', '=', reporterPersonId)
      .where('resolvedAt', 'is', null)
      .executeTakeFirst();
  }

  return {
    /**
     * Files a report, unless the reporter has an open one on that message already: then that one's
     * id (a unique index keeps two at once from both landing).
     */
    async insertReport(r: {
      organizationId: number;
      chatId: number;
      messageId: number;
      reporterPersonId: number;
      reason: string;
      createdAt: number;
    }): Promise<number> {
      const inserted = await db
        .insertInto('reports')
        .values({ ...r, resolvedAt: null, resolvedByPersonId: null, resolution: null })
        .onConflict((oc) => oc.columns(['messageId', 'reporterPersonId']).where('resolvedAt', 'is', null).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted) return inserted.id;
      return (await openReport(r.messageId, r.reporterPersonId))!.id;
    },

    openReport,

    /** Open (or all) reports of an organization, newest first. */
    async reports(organizationId: number, includeResolved: boolean) {
      return db
        .selectFrom('reports')
        .selectAll()
        .where('organizationId', '=', organizationId)
        .$if(!includeResolved, (q) => q.where('resolvedAt', 'is', null))
        .orderBy('id', 'desc')
        .limit(200)
        .execute();
    },

    /** One report. */
    async report(id: number) {
      return db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /** Marks a report resolved. */
    async resolveReport(id: number, by: number, resolution: string, at: number) {
      await db.updateTable('reports').set({ resolvedAt: at, resolvedByPersonId: by, resolution }).where('id', '=', id).execute();
    },
  };
}

/** Queries over reports. */
export type ModerationRepo = ReturnType<typeof moderationRepo>;
