import { expect, it } from 'vitest';
import { main, fx } from './state.js';
import { type Route } from './routes.js';
import { BODIES, HOSTILE_FIELDS } from './bodies.js';
import { valid, call, expectError, firstIssuePath, invalidUtf8Body, chunkedOversizedBody, OVERSIZED } from './http.js';

/* The body tests of tests/api/bad-input.test.ts: malformed, mistyped, oversized and unwanted bodies */

/** The body tests of tests/api/bad-input.test.ts for one route (inside its describe). */
export function bodyTests(route: Route): void {
  if (route.body === 'login') {
    it('refuses a malformed JSON body with malformed_json', async () => {
      expectError(await call(route, { body: '{"login":' }), 'malformed_json');
    });

    it('refuses an empty JSON body with malformed_json', async () => {
      expectError(await call(route, { body: '' }), 'malformed_json');
      expectError(await call(route, { contentType: 'application/json' }), 'malformed_json');
    });

    it('refuses wrong types with validation_failed naming the field', async () => {
      const error = expectError(await call(route, { body: '{"login":42}' }), 'validation_failed');
      expect(firstIssuePath(error)).toBe('login');
      expect(firstIssuePath(expectError(await call(route, { body: '{}' }), 'validation_failed'))).toBe('login');
      expect(firstIssuePath(expectError(await call(route, { body: '{"login":null}' }), 'validation_failed'))).toBe('login');
      const device = expectError(
        await call(route, { body: JSON.stringify({ login: main.login, deviceName: 7 }) }),
        'validation_failed',
      );
      expect(firstIssuePath(device)).toBe('deviceName');
      for (const body of ['[]', '"login"', '42', 'true', 'null']) {
        expectError(await call(route, { body }), 'validation_failed');
      }
    });

    it('refuses a login that breaks the login rules with validation_failed', async () => {
      for (const login of ['', 'UPPER', 'with space', 'кириллица', 'a/b', '../etc']) {
        const error = expectError(await call(route, { body: JSON.stringify({ login }) }), 'validation_failed');
        expect(firstIssuePath(error)).toBe('login');
      }
    });

    it('refuses a 100 KB string field with validation_failed', async () => {
      const error = expectError(
        await call(route, { body: JSON.stringify({ login: 'a'.repeat(100 * 1024) }) }),
        'validation_failed',
      );
      expect(firstIssuePath(error)).toBe('login');
      const device = JSON.stringify({ login: main.login, deviceName: 'x'.repeat(100 * 1024) });
      expect(firstIssuePath(expectError(await call(route, { body: device }), 'validation_failed'))).toBe('deviceName');
    });

    it('refuses unknown fields with validation_failed', async () => {
      expectError(await call(route, { body: JSON.stringify({ login: main.login, admin: true }) }), 'validation_failed');
    });

    it('refuses a body that is not valid UTF-8 with invalid_utf8', async () => {
      expectError(await call(route, { body: invalidUtf8Body('login') }), 'invalid_utf8');
    });

    it('refuses prototype poisoning with malformed_json', async () => {
      expectError(await call(route, { body: `{"login":"${main.login}","__proto__":{"admin":true}}` }), 'malformed_json');
      expectError(
        await call(route, { body: `{"login":"${main.login}","constructor":{"prototype":{"admin":true}}}` }),
        'malformed_json',
      );
    });

    it('refuses a JSON body sent as another media type with unsupported_media_type', async () => {
      const body = JSON.stringify({ login: main.login });
      expectError(await call(route, { body, contentType: 'text/plain' }), 'unsupported_media_type');
      expectError(await call(route, { body, contentType: 'application/x-www-form-urlencoded' }), 'unsupported_media_type');
      expectError(await call(route, { body, contentType: ';;;' }), 'unsupported_media_type');
      expectError(await call(route, { body: new TextEncoder().encode(body), contentType: null }), 'unsupported_media_type');
    });
  }

  if (route.json) {
    const spec = BODIES[route.json];

    it('refuses a malformed or empty JSON body with malformed_json', async () => {
      const { path } = await valid(route);
      const key = Object.keys(spec.valid())[0]!;
      for (const body of [`{"${key}":`, '{', '{"a":1,}', "{'a':1}", '']) {
        expectError(await call(route, { path, body }), 'malformed_json');
      }
      expectError(await call(route, { path, contentType: 'application/json' }), 'malformed_json');
    });

    it('refuses a missing body and bodies that are not objects with validation_failed', async () => {
      const { path } = await valid(route);
      // Every chat body has a required field but one: the member change, whose fields are all optional.
      if (route.json !== 'updateMember') expectError(await call(route, { path }), 'validation_failed');
      for (const body of ['[]', '"text"', '42', 'true', 'null', JSON.stringify([spec.valid()])]) {
        const error = expectError(await call(route, { path, body }), 'validation_failed');
        expect(firstIssuePath(error), body).toBe('');
      }
    });

    it('refuses wrong types and out-of-range values with validation_failed naming the field', async () => {
      const { path } = await valid(route);
      for (const [body, field] of spec.invalid()) {
        const json = JSON.stringify(body);
        const error = expectError(await call(route, { path, body: json }), 'validation_failed');
        expect(firstIssuePath(error), json.slice(0, 200)).toBe(field);
      }
    });

    // Issue 10, items 4 and 7: reactions that are no emoji (prototype keys answered 500) and texts
    // made only of invisible characters are refused like any other bad field.
    const hostile = HOSTILE_FIELDS[route.json];
    if (hostile) {
      it(`refuses ${hostile.what} with validation_failed naming the ${hostile.field}`, async () => {
        const { path } = await valid(route);
        const ok = spec.valid();
        for (const value of hostile.values) {
          const json = JSON.stringify({ ...ok, [hostile.field]: value });
          const error = expectError(await call(route, { path, body: json }), 'validation_failed');
          expect(firstIssuePath(error), json).toBe(hostile.field);
        }
      });
    }

    if (route.json === 'updateMember') {
      it('answers a change of nothing with 200 and changes nothing', async () => {
        const { path } = await valid(route);
        const before = (await main.client.members(fx.chat)).members;
        expect((await call(route, { path, body: '{}' })).status).toBe(200);
        expect((await call(route, { path })).status).toBe(200);
        expect((await main.client.members(fx.chat)).members).toEqual(before);
      });
    }

    if (route.json === 'read') {
      it('keeps a read position within the log: past the last message it stops at the last one', async () => {
        const { path } = await valid(route);
        const { lastSeq } = await main.client.chat(fx.chat);
        for (const seq of [lastSeq + 1, 2147483647]) {
          const answer = await call(route, { path, body: JSON.stringify({ seq }) });
          expect(answer.json, String(seq)).toEqual({ readSeq: lastSeq });
        }
        expect((await main.client.chat(fx.chat)).readSeq).toBe(lastSeq);
      });
    }

    it('refuses unknown fields with validation_failed', async () => {
      const { path } = await valid(route);
      for (const extra of [{ admin: true }, { chatId: fx.chat }, { senderPersonId: fx.other }, { text_: 'x' }]) {
        expectError(await call(route, { path, body: JSON.stringify({ ...spec.valid(), ...extra }) }), 'validation_failed');
      }
    });

    it('refuses a body that is not valid UTF-8 with invalid_utf8', async () => {
      const { path } = await valid(route);
      expectError(await call(route, { path, body: invalidUtf8Body(Object.keys(spec.valid())[0]!) }), 'invalid_utf8');
    });

    it('refuses prototype poisoning with malformed_json', async () => {
      const { path } = await valid(route);
      const inner = JSON.stringify(spec.valid()).slice(1, -1);
      expectError(await call(route, { path, body: `{${inner},"__proto__":{"admin":true}}` }), 'malformed_json');
      expectError(await call(route, { path, body: `{${inner},"constructor":{"prototype":{"admin":true}}}` }), 'malformed_json');
    });

    it('refuses a JSON body sent as another media type with unsupported_media_type', async () => {
      const { path, body } = await valid(route);
      expectError(await call(route, { path, body, contentType: 'text/plain' }), 'unsupported_media_type');
      expectError(await call(route, { path, body, contentType: 'multipart/form-data' }), 'unsupported_media_type');
    });
  }

  if (route.body === 'none') {
    it('refuses a body with validation_failed: it takes none', async () => {
      for (const body of ['{"login":"someone"}', '{"login":42}', '[]', '"text"', '1']) {
        const error = expectError(await call(route, { body }), 'validation_failed');
        expect(firstIssuePath(error)).toBe('');
      }
    });

    it('still refuses a malformed or empty JSON body with malformed_json', async () => {
      expectError(await call(route, { body: '{"login":' }), 'malformed_json');
      expectError(await call(route, { body: '' }), 'malformed_json');
    });

    it('refuses a body that is not valid UTF-8 with invalid_utf8', async () => {
      expectError(await call(route, { body: invalidUtf8Body('login') }), 'invalid_utf8');
    });

    it('refuses prototype poisoning with malformed_json', async () => {
      expectError(await call(route, { body: '{"__proto__":{"admin":true}}' }), 'malformed_json');
    });

    it('refuses another media type with unsupported_media_type', async () => {
      expectError(await call(route, { body: 'hello', contentType: 'text/plain' }), 'unsupported_media_type');
    });
  }

  if (route.body !== 'get') {
    it('refuses a body over 1 MiB with payload_too_large', async () => {
      const error = expectError(await call(route, { body: OVERSIZED }), 'payload_too_large');
      expect(error.details?.limitBytes).toBe(1024 * 1024);
      expectError(await call(route, { body: chunkedOversizedBody() }), 'payload_too_large');
    });
  }
}
