import { expect, it } from 'vitest';
import { server, main, victimLogin, fx } from './state.js';
import { type Route, paramKind } from './routes.js';
import { login, paramsOf, valid, call, expectError, firstIssuePath } from './http.js';

/* The path and auth tests of tests/api/bad-input.test.ts: bad path parameters, chats out of reach, missing or bad tokens */

/** The path and auth tests of tests/api/bad-input.test.ts for one route (inside its describe). */
export function pathTests(route: Route): void {
  const okStatus = route.status ?? 200;

  for (const param of paramsOf(route)) {
    const kind = paramKind(param);
    const withParam = async (value: string) => (await valid(route, { [param]: value })).path!;
    const validBodyWith = async (value: string) => valid(route, { [param]: value });

    if (kind === 'id') {
      it(`refuses bad path ${param}s with validation_failed naming the ${param}`, async () => {
        for (const id of ['abc', '-1', '0', '1.5', '99999999999999999999', '%20', 'null', '1;drop']) {
          const error = expectError(await call(route, await validBodyWith(id)), 'validation_failed');
          expect(firstIssuePath(error), id).toBe(param);
        }
      });
    }

    if (kind === 'seq') {
      it('refuses bad path seqs with validation_failed naming the seq', async () => {
        for (const seq of ['0', '-1', 'abc', '2147483648', '1.5', '1e3', '0x10', '99999999999999999999', '%20']) {
          const error = expectError(await call(route, await validBodyWith(seq)), 'validation_failed');
          expect(firstIssuePath(error), seq).toBe('seq');
        }
      });
    }

    if (kind === 'emoji') {
      it('refuses an emoji over 16 characters with validation_failed naming the emoji', async () => {
        for (const emoji of ['x'.repeat(17), 'я'.repeat(17), '👍'.repeat(17)]) {
          const error = expectError(await call(route, await validBodyWith(encodeURIComponent(emoji))), 'validation_failed');
          expect(firstIssuePath(error), emoji).toBe('emoji');
        }
      });

      it('refuses an empty emoji: without its segment the path is another route’s, with it the emoji is too short', async () => {
        const path = (await withParam('')).replace(/\/$/, '');
        // Without the emoji segment, the path is that of adding a reaction, which DELETE does not define.
        expectError(await call(route, { path }), 'method_not_allowed');
        // With the slash, the router hands over an empty emoji, which is too short.
        const error = expectError(await call(route, { path: `${path}/` }), 'validation_failed');
        expect(firstIssuePath(error)).toBe('emoji');
      });

      it('refuses prototype keys and other non-emoji as the removed reaction with validation_failed', async () => {
        for (const emoji of ['__proto__', 'constructor', 'toString', 'a', '👍👍']) {
          const error = expectError(await call(route, await validBodyWith(encodeURIComponent(emoji))), 'validation_failed');
          expect(firstIssuePath(error), emoji).toBe('emoji');
        }
      });

      it('answers a reaction nobody gave with the message as it is', async () => {
        const answer = await call(route, await validBodyWith(encodeURIComponent('🙈')));
        expect(answer.status).toBe(200);
      });
    }

    if (kind !== 'emoji') {
      it(`refuses a ${param} longer than the router allows and a broken percent-encoding with validation_failed`, async () => {
        expectError(await call(route, await validBodyWith('1'.repeat(200))), 'validation_failed');
        expectError(await call(route, await validBodyWith('%E0%A4%A')), 'validation_failed');
      });

      it(`answers a valid ${param} that does not exist with not_found`, async () => {
        const missing = kind === 'seq' ? ['987654', '2147483647'] : ['987654321', String(Number.MAX_SAFE_INTEGER)];
        for (const value of missing) {
          expectError(await call(route, await validBodyWith(value)), 'not_found');
        }
      });
    }
  }

  if (route.id === 'chat') {
    it('answers a chat the caller is not a member of with not_found, as if it did not exist', async () => {
      expectError(await call(route, await valid(route, { id: String(fx.foreign) })), 'not_found');
    });
  }

  if (route.auth) {
    it('refuses a missing, forged or malformed bearer token with unauthenticated', async () => {
      expectError(await call(route, { token: null }), 'unauthenticated');
      expectError(await call(route, { token: 'pt_' + 'A'.repeat(43) }), 'unauthenticated');
      expectError(await call(route, { token: 'x'.repeat(8000) }), 'unauthenticated');
      expectError(await call(route, { token: main.token + 'x' }), 'unauthenticated');
      for (const authorization of [
        'Bearer',
        'Bearer ',
        'Basic dXNlcjpwYXNz',
        main.token,
        `Token ${main.token}`,
        `Bearer ${main.token} extra`,
      ]) {
        expectError(await call(route, { authorization }), 'unauthenticated');
      }
    });

    it('refuses the token of a session that was logged out with unauthenticated', async () => {
      const c = await server.login(victimLogin);
      const token = c.token!;
      await c.logout();
      expectError(await call(route, { token }), 'unauthenticated');
    });

    it('accepts the auth scheme in any letter case (RFC 9110)', async () => {
      const token = route.revokes ? await login(victimLogin) : main.token;
      const answer = await call(route, { ...(await valid(route)), authorization: `bearer ${token}` });
      expect(answer.status, JSON.stringify(answer.json)).toBe(okStatus);
    });
  }
}
