import { expect, it } from 'vitest';
import { HealthResponse } from '@parta/protocol';
import { fx } from './state.js';
import { type Route } from './routes.js';
import { valid, call, expectError, firstIssuePath } from './http.js';

/* The query tests of tests/api/bad-input.test.ts: unknown, mistyped and out-of-range parameters */

/** The query tests of tests/api/bad-input.test.ts for one route (inside its describe). */
export function queryTests(route: Route): void {
  if (route.query === 'none') {
    it('refuses unknown query parameters with validation_failed', async () => {
      for (const query of ['x=1', 'limit=10', '__proto__=1', 'token=abc', 'a[b]=1']) {
        expectError(await call(route, { ...(await valid(route)), query }), 'validation_failed');
      }
    });
  }

  if (route.query === 'ignored') {
    it('ignores query parameters (a probe may add cache-busters)', async () => {
      const answer = await call(route, { query: 'x=1&_=123' });
      expect(answer.status).toBe(200);
      expect(HealthResponse.parse(answer.json)).toEqual({ status: 'ok' });
    });
  }

  if (route.query === 'page' || route.query === 'people') {
    it('refuses unknown query parameters with validation_failed', async () => {
      expectError(await call(route, { query: 'wat=1' }), 'validation_failed');
      expectError(await call(route, { query: 'limit=10&offset=5' }), 'validation_failed');
    });

    it('refuses bad limit and after values with validation_failed naming the parameter', async () => {
      const cases: [string, string][] = [
        ['limit=0', 'limit'],
        ['limit=abc', 'limit'],
        ['limit=100000', 'limit'],
        ['limit=-5', 'limit'],
        ['limit=1.5', 'limit'],
        ['limit=', 'limit'],
        ['limit=1&limit=2', 'limit'],
        ['after=-1', 'after'],
        ['after=abc', 'after'],
        ['after=99999999999999999999', 'after'],
      ];
      for (const [query, path] of cases) {
        const error = expectError(await call(route, { query }), 'validation_failed');
        expect(firstIssuePath(error), query).toBe(path);
      }
    });

    it('accepts the edges of the limit range', async () => {
      expect((await call(route, { query: 'limit=1' })).status).toBe(200);
      expect((await call(route, { query: 'limit=500&after=0' })).status).toBe(200);
    });
  }

  if (route.query === 'people') {
    it('refuses an unknown role with validation_failed', async () => {
      for (const query of ['role=hacker', 'role=', 'role=TEACHER', 'role=teacher&role=student']) {
        const error = expectError(await call(route, { query }), 'validation_failed');
        expect(firstIssuePath(error), query).toBe('role');
      }
      expect((await call(route, { query: 'role=teacher' })).status).toBe(200);
    });
  }

  if (route.query === 'messages') {
    it('refuses unknown query parameters with validation_failed', async () => {
      for (const query of ['wat=1', 'offset=5', 'seq=1', 'limit=10&q=x']) {
        expectError(await call(route, { query }), 'validation_failed');
      }
    });

    it('refuses bad before, after and limit values with validation_failed naming the parameter', async () => {
      const cases: [string, string][] = [
        ['before=0', 'before'],
        ['before=-1', 'before'],
        ['before=abc', 'before'],
        ['before=2147483648', 'before'],
        ['before=1.5', 'before'],
        ['before=', 'before'],
        ['after=-1', 'after'],
        ['after=2147483648', 'after'],
        ['after=1e3', 'after'],
        ['after=1&after=2', 'after'],
        ['limit=0', 'limit'],
        ['limit=501', 'limit'],
        ['limit=abc', 'limit'],
        ['limit=-1', 'limit'],
      ];
      for (const [query, path] of cases) {
        const error = expectError(await call(route, { query }), 'validation_failed');
        expect(firstIssuePath(error), query).toBe(path);
      }
    });

    it('accepts the edges of each range', async () => {
      for (const query of ['limit=1', 'limit=500', 'before=1', 'before=2147483647', 'after=0', 'after=2147483647']) {
        const answer = await call(route, { query });
        expect(answer.status, query).toBe(200);
      }
      const past = await call(route, { query: 'after=2147483647' });
      expect(past.json).toEqual({ messages: [], hasMore: false });
    });
  }

  if (route.query === 'search') {
    it('refuses a missing, too short or too long q with validation_failed naming q', async () => {
      for (const query of ['', 'q=', 'q=a', 'q=%20a%20', `q=${'%20'.repeat(10)}`, `q=${'а'.repeat(201)}`, 'q=ab&q=cd']) {
        const error = expectError(await call(route, { query }), 'validation_failed');
        expect(firstIssuePath(error), query).toBe('q');
      }
    });

    it('refuses bad chatId and limit values and unknown parameters with validation_failed', async () => {
      const cases: [string, string][] = [
        ['q=урок&chatId=0', 'chatId'],
        ['q=урок&chatId=abc', 'chatId'],
        ['q=урок&chatId=-1', 'chatId'],
        ['q=урок&chatId=2147483648', 'chatId'],
        ['q=урок&limit=0', 'limit'],
        ['q=урок&limit=101', 'limit'],
        ['q=урок&limit=x', 'limit'],
      ];
      for (const [query, path] of cases) {
        const error = expectError(await call(route, { query }), 'validation_failed');
        expect(firstIssuePath(error), query).toBe(path);
      }
      expectError(await call(route, { query: 'q=урок&after=1' }), 'validation_failed');
    });

    it('accepts the edges, and words that look like query syntax', async () => {
      for (const q of [
        'ab',
        'а'.repeat(200),
        'контрольная',
        '"quoted"',
        'a* OR b',
        'NEAR(a b)',
        "'; drop table messages; --",
        '-x:y',
      ]) {
        const answer = await call(route, { query: `q=${encodeURIComponent(q)}` });
        expect(answer.status, q).toBe(200);
      }
      expect((await call(route, { query: `q=урок&chatId=${fx.chat}&limit=100` })).status).toBe(200);
    });

    it('answers a chat the caller is not in, or that does not exist, with not_found', async () => {
      expectError(await call(route, { query: `q=урок&chatId=${fx.foreign}` }), 'not_found');
      expectError(await call(route, { query: 'q=урок&chatId=987654321' }), 'not_found');
    });
  }

  if (route.query === 'reports') {
    it('refuses unknown query parameters and bad values with validation_failed', async () => {
      for (const query of ['x=1', 'all=2', 'all=yes', 'all=', 'all=1&all=0', 'limit=10']) {
        expectError(await call(route, { query }), 'validation_failed');
      }
      expect((await call(route, { query: 'all=1' })).status).toBe(200);
      expect((await call(route, { query: 'all=0' })).status).toBe(200);
    });
  }
}
