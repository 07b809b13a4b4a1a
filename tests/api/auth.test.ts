import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@parta/testkit';
import { PartaError } from '@parta/sdk';
import { hashToken, seedDemo } from '@parta/server';
import { sql } from 'kysely';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

async function rejection(p: Promise<unknown>): Promise<PartaError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PartaError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

describe('accounts and sessions', () => {
  it('signs in a seeded account and stores only the hash of its token', async () => {
    const p = await server.build.person();
    const c = server.client();
    const res = await c.devLogin({ login: p.login!, deviceName: 'Телефон' });
    expect(res.token).toMatch(/^pt_/);
    const rows = await server.store.db
      .selectFrom('sessions')
      .select(['tokenHash', 'deviceName'])
      .where('id', '=', res.sessionId)
      .execute();
    expect(rows).toEqual([{ tokenHash: hashToken(res.token), deviceName: 'Телефон' }]);
    const dump = await sql<{ n: number }>`select count(*) as n from sessions where token_hash = ${res.token}`.execute(
      server.store.db,
    );
    expect(Number(dump.rows[0]!.n)).toBe(0);
    expect((await c.me()).accountId).toBe(p.accountId);
  });

  it('refuses an unknown login and a missing or forged token', async () => {
    const err = await rejection(server.client().devLogin({ login: 'nobody-here' }));
    expect([err.status, err.code]).toEqual([401, 'unauthenticated']);
    expect((await rejection(server.client().me())).code).toBe('unauthenticated');
    const forged = server.client();
    forged.token = 'pt_' + 'A'.repeat(43);
    expect((await rejection(forged.me())).status).toBe(401);
  });

  it('lists own devices, revokes one, and logs out everywhere', async () => {
    const p = await server.build.person();
    const phone = server.client();
    const laptop = server.client();
    await phone.devLogin({ login: p.login!, deviceName: 'phone' });
    await laptop.devLogin({ login: p.login!, deviceName: 'laptop' });
    const list = await laptop.sessions();
    expect(list.sessions.map((s) => [s.deviceName, s.current])).toEqual([
      ['laptop', true],
      ['phone', false],
    ]);
    const phoneId = list.sessions[1]!.id;
    expect(await laptop.revokeSession(phoneId)).toEqual({ revoked: 1 });
    expect((await rejection(phone.me())).code).toBe('unauthenticated');
    expect((await rejection(laptop.revokeSession(phoneId))).code).toBe('not_found');

    const third = server.client();
    await third.devLogin({ login: p.login! });
    expect(await laptop.logoutEverywhere()).toEqual({ revoked: 2 });
    expect((await rejection(third.me())).code).toBe('unauthenticated');
  });

  it("cannot revoke another account's session", async () => {
    const a = await server.login((await server.build.person()).login!);
    const b = await server.login((await server.build.person()).login!);
    const bSession = (await b.sessions()).sessions[0]!.id;
    expect((await rejection(a.revokeSession(bSession))).code).toBe('not_found');
    expect((await b.me()).login).toBeTruthy();
  });

  it('logs out the current session only', async () => {
    const p = await server.build.person();
    const one = await server.login(p.login!);
    const two = await server.login(p.login!);
    const token = one.token;
    expect(await one.logout()).toEqual({ revoked: 1 });
    const stale = server.client();
    stale.token = token;
    expect((await rejection(stale.me())).code).toBe('unauthenticated');
    expect((await two.sessions()).sessions).toHaveLength(1);
  });

  it('closes a live socket when its session is revoked', async () => {
    const p = await server.build.person();
    const c = await server.login(p.login!);
    const rt = c.connect({ reconnect: false });
    await rt.once('welcome');
    const closed = rt.once('disconnected');
    const other = await server.login(p.login!);
    const mine = (await other.sessions()).sessions.find((s) => !s.current)!;
    await other.revokeSession(mine.id);
    const [info] = await closed;
    expect(info.code).toBe(4403);
    expect(info.reconnecting).toBe(false);
  });
});

describe('sign-in options', () => {
  it('offer the development login, not ESIA yet, and the demo logins once the demo is seeded', async () => {
    expect(await server.client().authOptions()).toEqual({ devLogin: true, esia: false, demoLogins: [] });
    const summary = await seedDemo(server.store);
    const options = await server.client().authOptions();
    expect(options).toMatchObject({ devLogin: true, esia: false });
    expect(options.demoLogins).toEqual(summary.logins);
    expect(options.demoLogins.map((l) => l.role)).toEqual(
      expect.arrayContaining(['admin', 'homeroom_teacher', 'teacher', 'student', 'parent']),
    );
    for (const l of options.demoLogins) {
      expect(l.name.split(' ').length, l.login).toBeGreaterThanOrEqual(2);
      expect(l.detail, l.login).not.toBe('');
    }
    // Every listed login signs in, and is who the list says.
    for (const l of options.demoLogins) {
      const c = server.client();
      await c.devLogin({ login: l.login });
      const me = await c.me();
      expect(me.login).toBe(l.login);
    }
  });

  it('leave out an account that was disabled since the demo was seeded', async () => {
    const [first, ...rest] = (await server.client().authOptions()).demoLogins;
    expect(first).toBeDefined();
    await server.store.db.updateTable('accounts').set({ disabledAt: Date.now() }).where('login', '=', first!.login).execute();
    try {
      expect((await server.client().authOptions()).demoLogins).toEqual(rest);
    } finally {
      await server.store.db.updateTable('accounts').set({ disabledAt: null }).where('login', '=', first!.login).execute();
    }
  });
});

describe('development login switch', () => {
  it('is refused with dev_login_disabled when PARTA_DEV_LOGIN is off, and neither it nor demo logins are offered', async () => {
    const off = await startTestServer({ PARTA_DEV_LOGIN: '0' });
    try {
      const p = await off.build.person();
      const err = await rejection(off.client().devLogin({ login: p.login! }));
      expect([err.status, err.code]).toEqual([403, 'dev_login_disabled']);
      await seedDemo(off.store);
      expect(await off.client().authOptions()).toEqual({ devLogin: false, esia: false, demoLogins: [] });
    } finally {
      await off.close();
    }
  });

  it('answers 429 with retry-after when sign-ins come too fast', async () => {
    const limited = await startTestServer({ PARTA_LOGIN_RATE_PER_MIN: '3' });
    try {
      const p = await limited.build.person();
      for (let i = 0; i < 3; i++) await limited.client().devLogin({ login: p.login! });
      const res = await fetch(`${limited.url}/api/v1/auth/dev-login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login: p.login }),
      });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      const body = (await res.json()) as { error: { code: string } };
      expect(body.error.code).toBe('rate_limited');
    } finally {
      await limited.close();
    }
  });
});
