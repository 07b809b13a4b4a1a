import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@parta/testkit';
import type { PartaClient } from '@parta/sdk';
import { ErrorBody } from '@parta/protocol';

/**
 * Reactions are one emoji of the Unicode emoji set, and a message's reactions are a map no key can
 * break: prototype keys (`__proto__`, `constructor`, `toString`) once answered 500, and stored rows
 * written before these rules (or damaged) must neither break reading a chat nor reacting in it.
 */

let server: TestServer;
let teacher: PartaClient;
let student: PartaClient;
let people: { teacher: number; student: number };
let chat: number;
let sequence = 0;

beforeAll(async () => {
  server = await startTestServer({ PARTA_REACTION_RATE_PER_MIN: '100000' });
  const b = server.build;
  const school = await b.school();
  const cls = await b.schoolClass({ organizationId: school.id });
  const t = await b.teacher(school.id, [{ id: cls.id, homeroom: true }]);
  const s = await b.student(cls);
  people = { teacher: t.id, student: s.id };
  teacher = await server.login(t.login!);
  student = await server.login(s.login!);
  chat = (await teacher.createChat({ kind: 'group', organizationId: school.id, title: 'Реакции', personIds: [s.id] })).id;
});

afterAll(async () => {
  await server?.close();
});

/** A fresh message of the teacher's in the chat. */
async function message(): Promise<number> {
  return (await teacher.sendMessage(chat, { clientId: `reactions-${++sequence}`, text: `Сообщение ${sequence}` })).seq;
}

/** A raw HTTP call, so that the answer is seen as it travels (the SDK's own parsing would hide keys). */
async function raw(client: PartaClient, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${client.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

describe('a reaction is one emoji', () => {
  it.each(['👍', '❤️', '👨‍👩‍👧', '🇷🇺', '1️⃣', '👍🏽'])('accepts %s and shows it on the message', async (emoji) => {
    const seq = await message();
    const reacted = await student.react(chat, seq, emoji);
    expect(reacted.reactions).toEqual({ [emoji]: [people.student] });
    expect((await student.unreact(chat, seq, emoji)).reactions).toEqual({});
  });

  it.each(['__proto__', 'constructor', 'toString', 'a', '1', ' ', '', '👍👍', '\u200b'])(
    'refuses %j with validation_failed naming the emoji, adding or taking back',
    async (emoji) => {
      const seq = await message();
      const add = await raw(student, 'POST', `/chats/${chat}/messages/${seq}/reactions`, { emoji });
      expect(add.status, add.text).toBe(400);
      const error = ErrorBody.parse(JSON.parse(add.text)).error;
      expect(error.code).toBe('validation_failed');
      expect(error.details?.issues).toEqual([expect.objectContaining({ path: 'emoji' })]);
      if (emoji === '') return; // An empty path segment is another route.
      const remove = await raw(student, 'DELETE', `/chats/${chat}/messages/${seq}/reactions/${encodeURIComponent(emoji)}`);
      expect(remove.status, remove.text).toBe(400);
    },
  );

  it('counts a heart typed without its variation selector as the same reaction as ❤️', async () => {
    const seq = await message();
    await teacher.react(chat, seq, '❤️');
    const both = await student.react(chat, seq, '❤');
    expect(both.reactions).toEqual({ '❤️': [people.teacher, people.student] });
    expect((await student.unreact(chat, seq, '❤')).reactions).toEqual({ '❤️': [people.teacher] });
  });
});

describe('stored reactions that break the rules', () => {
  /** Writes a message's reactions straight into its row, as an older server (or a damaged row) left them. */
  async function store(seq: number, reactions: string): Promise<void> {
    await server.store.db.updateTable('messages').set({ reactions }).where('chatId', '=', chat).where('seq', '=', seq).execute();
  }

  it('keeps legacy prototype keys as plain keys while people react beside them', async () => {
    const seq = await message();
    await store(seq, `{"__proto__":[${people.teacher}],"constructor":[${people.teacher}],"toString":[${people.teacher}]}`);
    const page = await raw(student, 'GET', `/chats/${chat}/messages?before=${seq + 1}&limit=1`);
    expect(page.status, page.text).toBe(200);
    const added = await raw(student, 'POST', `/chats/${chat}/messages/${seq}/reactions`, { emoji: '👍' });
    expect(added.status, added.text).toBe(200);
    const body = JSON.parse(added.text) as { reactions: Record<string, number[]> };
    expect(Object.keys(body.reactions)).toEqual(['__proto__', 'constructor', 'toString', '👍']);
    expect(body.reactions['👍']).toEqual([people.student]);
    const removed = await raw(student, 'DELETE', `/chats/${chat}/messages/${seq}/reactions/${encodeURIComponent('👍')}`);
    expect(Object.keys((JSON.parse(removed.text) as typeof body).reactions)).toEqual(['__proto__', 'constructor', 'toString']);
  });

  it.each([
    ['not JSON', 'oops'],
    ['null', 'null'],
    ['a list', '[1]'],
    ['a number where persons belong', '{"👍":5}'],
  ])('reads and reacts on a message whose stored reactions are %s', async (_, reactions) => {
    const seq = await message();
    await store(seq, reactions);
    const page = await student.messages(chat, { before: seq + 1, limit: 1 });
    expect(page.messages[0]!.reactions).toEqual({});
    expect((await student.react(chat, seq, '👍')).reactions).toEqual({ '👍': [people.student] });
  });
});
