import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * One open report per reporter and message: a partial unique index, so that a repeated report
 * (even two at the same moment) finds the first instead of piling up in the moderators' queue.
 * Open duplicates already stored are folded into the earliest one first.
 */
export function reportOnceMigration(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`delete from reports
        where resolved_at is null
          and exists (select 1 from reports earlier
            where earlier.message_id = reports.message_id
              and earlier.reporter_person_id = reports.reporter_person_id
              and earlier.resolved_at is null
              and earlier.id < reports.id)`.execute(db);
      await sql`create unique index reports_open_once on reports (message_id, reporter_person_id) where resolved_at is null`.execute(
        db,
      );
    },
  };
}
