import { createHash, randomBytes } from 'node:crypto';
import type { AuthOptions, DemoLogin, LoginResponse, SessionInfo } from '@parta/protocol';
import { AppError, notFound } from './errors.js';
import type { SessionRepo } from '../storage/session.repo.js';
import type { DomainEvents } from './events.js';

/** Prefix that makes Parta tokens recognisable in logs and secret scanners. */
const TOKEN_PREFIX = 'pt_';
/** A session's last-seen time is written at most this often. */
const TOUCH_EVERY_MS = 60_000;

/** The one refusal of a development login, whatever the reason, so that it reveals nothing about the login. */
const DEV_LOGIN_REFUSED = 'this login cannot sign in here';

/** Hash under which a token is stored; the token itself is never stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Who a valid token belongs to. */
export interface Authenticated {
  accountId: number;
  sessionId: number;
}

/**
 * Accounts and sessions. Sign-in methods (the development login now, ESIA later) end in
 * `openSession`; everything after that is the same for all of them.
 */
export function authService(deps: {
  repo: SessionRepo;
  events: DomainEvents;
  devLogin: boolean;
  /** The demo region's sample logins; empty when the demo is not seeded. */
  demoLogins: () => Promise<DemoLogin[]>;
  now?: () => number;
}) {
  const { repo, events } = deps;
  const now = deps.now ?? Date.now;

  async function openSession(accountId: number, deviceName: string): Promise<LoginResponse> {
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const sessionId = await repo.insertSession(accountId, hashToken(token), deviceName, now());
    return { token, sessionId, accountId };
  }

  return {
    openSession,

    /**
     * The ways to sign in, for a sign-in screen. The demo's logins are listed only while the
     * development login is on: they are of no use, and no one's business, without it.
     */
    async options(): Promise<AuthOptions> {
      return { devLogin: deps.devLogin, esia: false, demoLogins: deps.devLogin ? await deps.demoLogins() : [] };
    },

    /**
     * Signs in as a seeded account by login alone. Only when the server runs with PARTA_DEV_LOGIN=1.
     * An unknown login and a disabled account are refused alike, by the same one query, with the
     * same answer that does not repeat the login: the refusal tells nobody which logins exist.
     */
    async devLogin(login: string, deviceName: string): Promise<LoginResponse> {
      if (!deps.devLogin) throw new AppError('dev_login_disabled', 'the development login is disabled on this server');
      const account = await repo.accountByLogin(login);
      if (!account) throw new AppError('unauthenticated', DEV_LOGIN_REFUSED);
      return openSession(account.id, deviceName);
    },

    /** The account and session a bearer token belongs to, or null. */
    async authenticate(token: string): Promise<Authenticated | null> {
      if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
      const row = await repo.liveSessionByHash(hashToken(token));
      if (!row) return null;
      const t = now();
      if (t - row.lastSeenAt > TOUCH_EVERY_MS) await repo.touchSession(row.sessionId, t);
      return { accountId: row.accountId, sessionId: row.sessionId };
    },

    /** The account's signed-in devices. */
    async listSessions(auth: Authenticated): Promise<SessionInfo[]> {
      const rows = await repo.liveSessions(auth.accountId);
      return rows.map((r) => ({ ...r, current: r.id === auth.sessionId }));
    },

    /** Ends one of the account's own sessions. */
    async revokeSession(auth: Authenticated, sessionId: number): Promise<number> {
      const revoked = await repo.revoke(auth.accountId, now(), sessionId);
      if (revoked.length === 0) throw notFound('session');
      events.emit('sessionsRevoked', { accountId: auth.accountId, sessionIds: revoked });
      return revoked.length;
    },

    /** Ends the current session. */
    async logout(auth: Authenticated): Promise<number> {
      const revoked = await repo.revoke(auth.accountId, now(), auth.sessionId);
      events.emit('sessionsRevoked', { accountId: auth.accountId, sessionIds: revoked });
      return revoked.length;
    },

    /** Ends every session of the account, this one included. */
    async logoutEverywhere(auth: Authenticated): Promise<number> {
      const revoked = await repo.revoke(auth.accountId, now());
      events.emit('sessionsRevoked', { accountId: auth.accountId, sessionIds: revoked });
      return revoked.length;
    },
  };
}

/** Accounts and sessions. */
export type AuthService = ReturnType<typeof authService>;
