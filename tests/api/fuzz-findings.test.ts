import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@parta/testkit';
import type { PartaClient } from '@parta/sdk';
import { ErrorBody } from '@parta/protocol';

/**
 * What the fast-check fuzzer (fuzz-http.test.ts, fuzz-ws.test.ts) found, one regression test each,
 * so that a finding stays fixed whatever seed the fuzzer runs with.
 */

let server: TestServer;
let teacher: PartaClient;
let student: PartaClient;
let people: { teacher: number; student: number };
let schoolId: number;

beforeAll(async () => {
  server = await startTestServer();
  const b = server.build;
  const school = await b.school();
  const cls = await b.schoolClass({ organizationId: school.id });
  const t = await b.teacher(school.id, [{ id: cls.id, homeroom: true }]);
  await b.membership({ personId: t.id, role: 'school_admin', organizationId: school.id });
  const s = await b.student(cls);
  people = { teacher: t.id, student: s.id };
  schoolId = school.id;
  teacher = await server.login(t.login!);
  student = await server.login(s.login!);
});

afterAll(async () => {
  await server?.close();
});

describe('a direct chat a moderator removed one side from (POST /chats/direct answered 200 with an empty body)', () => {
  it('refuses to open it again for the one removed, with forbidden, and keeps it open for the other', async () => {
    const direct = await student.openDirect(people.teacher);
    const { seq } = await student.sendMessage(direct.id, { clientId: 'finding-direct-1', text: 'Плохое слово' });
    const { reportId } = await teacher.report(direct.id, seq, 'Оскорбление');
    // The teacher is also the school's admin: they resolve the report by removing the author.
    await teacher.resolveReport(reportId, 'removed');
    expect((await student.chats()).chats.map((c) => c.id)).not.toContain(direct.id);

    const res = await fetch(`${server.url}/api/v1/chats/direct`, {
      method: 'POST',
      headers: { authorization: `Bearer ${student.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ personId: people.teacher }),
    });
    const text = await res.text();
    expect(res.status, text).toBe(403);
    expect(ErrorBody.parse(JSON.parse(text)).error.code).toBe('forbidden');
    expect((await student.chats()).chats.map((c) => c.id)).not.toContain(direct.id);
    expect((await teacher.openDirect(people.student)).id).toBe(direct.id);
  });
});

describe('the NUL character in stored text (PostgreSQL answered 500: invalid byte sequence 0x00)', () => {
  /** A raw call whose answer is checked as it travels. */
  async function call(method: string, path: string, body?: unknown, token?: string | null) {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as unknown };
  }

  it('is refused with validation_failed naming the field, in every text that is stored or searched', async () => {
    const chat = await teacher.createChat({ kind: 'group', organizationId: schoolId, title: 'NUL' });
    const seq = (await teacher.sendMessage(chat.id, { clientId: 'finding-nul-0', text: 'Без NUL' })).seq;
    const cases: [string, string, unknown, string, string | null][] = [
      ['POST', `/chats/${chat.id}/messages`, { clientId: 'finding-nul-1', text: 'до\u0000после' }, 'text', teacher.token],
      ['PATCH', `/chats/${chat.id}/messages/${seq}`, { text: '\u0000' }, 'text', teacher.token],
      ['POST', '/chats', { kind: 'group', organizationId: schoolId, title: 'Группа\u0000' }, 'title', teacher.token],
      ['POST', `/chats/${chat.id}/messages/${seq}/report`, { reason: 'спам\u0000' }, 'reason', teacher.token],
      ['GET', `/search?q=${encodeURIComponent('урок\u0000')}`, undefined, 'q', teacher.token],
      ['POST', '/auth/dev-login', { login: 'nobody', deviceName: 'Телефон\u0000' }, 'deviceName', null],
    ];
    for (const [method, path, body, field, token] of cases) {
      const answer = await call(method, path, body, token);
      expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.json)}`).toBe(400);
      const error = ErrorBody.parse(answer.json).error;
      expect(error.code).toBe('validation_failed');
      const issues = error.details?.issues as { path: string; message: string }[];
      expect(issues.map((i) => i.path)).toEqual([field]);
      expect(issues[0]!.message).toContain('U+0000');
    }
  });
});
