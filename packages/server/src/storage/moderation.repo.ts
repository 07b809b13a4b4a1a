import type { Store } from './store.js';

/** Queries over reports of messages to a school's moderators. */
export function moderationRepo(store: Store) {
  const { db } = store;

  return {
    /** Files a report. */
    async insertReport(r: {
      organizationId: number;
      chatId: number;
      messageId: number;
      reporterPersonId: number;
      reason: string;
      createdAt: number;
    }) {
      return (
        await db
          .insertInto('reports')
          .values({ ...r, resolvedAt: null, resolvedByPersonId: null, resolution: null })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    },

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
