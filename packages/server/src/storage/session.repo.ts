import type { Store } from './store.js';

/** Queries over accounts and sessions. */
export function sessionRepo(store: Store) {
  const { db } = store;
  return {
    /** An enabled account by login. */
    async accountByLogin(login: string) {
      return db
        .selectFrom('accounts')
        .select(['id', 'login'])
        .where('login', '=', login)
        .where('disabledAt', 'is', null)
        .executeTakeFirst();
    },

    /** Login of an account. */
    async accountById(id: number) {
      return db.selectFrom('accounts').select(['id', 'login']).where('id', '=', id).executeTakeFirst();
    },

    /** Stores a new session and returns its id. */
    async insertSession(accountId: number, tokenHash: string, deviceName: string, now: number): Promise<number> {
      const row = await db
        .insertInto('sessions')
        .values({ accountId, tokenHash, deviceName, createdAt: now, lastSeenAt: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    },

    /** The live session a token hash belongs to, with its account. */
    async liveSessionByHash(tokenHash: string) {
      return db
        .selectFrom('sessions')
        .innerJoin('accounts', 'accounts.id', 'sessions.accountId')
        .select(['sessions.id as sessionId', 'sessions.accountId', 'sessions.lastSeenAt'])
        .where('sessions.tokenHash', '=', tokenHash)
        .where('sessions.revokedAt', 'is', null)
        .where('accounts.disabledAt', 'is', null)
        .executeTakeFirst();
    },

    /** Records use of a session. */
    async touchSession(sessionId: number, now: number): Promise<void> {
      await db.updateTable('sessions').set({ lastSeenAt: now }).where('id', '=', sessionId).execute();
    },

    /** Live sessions of an account, newest first. */
    async liveSessions(accountId: number) {
      return db
        .selectFrom('sessions')
        .select(['id', 'deviceName', 'createdAt', 'lastSeenAt'])
        .where('accountId', '=', accountId)
        .where('revokedAt', 'is', null)
        .orderBy('id', 'desc')
        .execute();
    },

    /** Revokes live sessions of an account (all, or the given one); returns the revoked ids. */
    async revoke(accountId: number, now: number, sessionId?: number): Promise<number[]> {
      let q = db
        .updateTable('sessions')
        .set({ revokedAt: now })
        .where('accountId', '=', accountId)
        .where('revokedAt', 'is', null);
      if (sessionId !== undefined) q = q.where('id', '=', sessionId);
      const rows = await q.returning('id').execute();
      return rows.map((r) => r.id);
    },
  };
}

/** Queries over accounts and sessions. */
export type SessionRepo = ReturnType<typeof sessionRepo>;
