import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@parta/testkit';
import { PartaError, type PartaClient, type Realtime } from '@parta/sdk';
import type { Presence, ServerFrame } from '@parta/protocol';

/*
 * The closed contour inside large chats (issue 10, items 2 and 6), through the real HTTP API and WebSocket:
 * - in channels and roster chats, students and parents see by name (members, readers, presence) only whom the
 *   directory shows them — the school's staff, their own class, their children's classes, their family, and a
 *   parent the parents of their children's classmates; counts stay whole; teachers, admins and staff see all;
 * - a school admin manages the members of a teacher's group without being in it, but cannot add themselves (nor
 *   another person of their account) and reads nothing there until its owner adds them.
 *
 * The world: school A with classes 5А (homeroom T1; students S1, S2) and 6Б (homeroom T2; student S3); parents P1
 * (of S1), P2 (of S2), P3 (of S3); school admin A1 (whose account also holds a parent profile, A1p) and staff ST1.
 * A1 brings the roster chats in step: class chats, parents' chats, the staff room and the news channel.
 */

const NAMES = ['S1', 'S2', 'S3', 'P1', 'P2', 'P3', 'T1', 'T2', 'A1', 'ST1'] as const;
type Name = (typeof NAMES)[number];

let server: TestServer;
const id = {} as Record<Name | 'A1p', number>;
const as = {} as Record<Name, PartaClient>;
let orgA = 0;
let news = 0;
let parents5A = 0;
/** The message A1 posted to the news channel; S2 and P3 have read it. */
let post = 0;

let sent = 0;
const clientId = () => `contour-${process.pid}-${++sent}`;

/** Names of persons by id, for readable failures. */
function who(ids: readonly number[]): string[] {
  const byId = new Map(Object.entries(id).map(([n, p]) => [p, n]));
  return ids.map((p) => byId.get(p) ?? `person ${p}`).sort();
}

/** 'ok', or the status and code of the refusal. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof PartaError) return `${err.status} ${err.code}`;
    throw err;
  }
}

const sockets: Realtime[] = [];
afterEach(() => {
  for (const rt of sockets.splice(0)) rt.close();
});

/** An authenticated socket that keeps every frame it receives. */
async function connect(c: PartaClient): Promise<{ rt: Realtime; frames: ServerFrame[] }> {
  const rt = c.connect({ reconnect: false });
  sockets.push(rt);
  const frames: ServerFrame[] = [];
  rt.on('frame', (f) => frames.push(f));
  await rt.once('welcome');
  return { rt, frames };
}

/** Waits for the first frame from `from` on that matches. */
async function nextFrame<T extends ServerFrame>(
  frames: ServerFrame[],
  match: (f: ServerFrame) => f is T,
  from: number,
  what: string,
): Promise<T> {
  const start = Date.now();
  for (;;) {
    const found = frames.slice(from).find(match);
    if (found) return found;
    if (Date.now() - start > 5_000) throw new Error(`no ${what} within 5 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Asks for presence over the socket and answers whom the server told about. */
async function presenceOf(c: PartaClient, personIds: number[]): Promise<string[]> {
  const { rt, frames } = await connect(c);
  rt.sendFrame({ type: 'presence.query', personIds });
  const f = await nextFrame(
    frames,
    (x): x is Extract<ServerFrame, { type: 'presence.update' }> => x.type === 'presence.update',
    0,
    'presence.update',
  );
  rt.close();
  return who(f.presence.map((p: Presence) => p.personId));
}

beforeAll(async () => {
  server = await startTestServer();
  const b = server.build;
  const school = await b.school();
  orgA = school.id;
  const c5A = await b.schoolClass({ organizationId: orgA, grade: 5, letter: 'А' });
  const c6B = await b.schoolClass({ organizationId: orgA, grade: 6, letter: 'Б' });
  const S1 = await b.student(c5A);
  const S2 = await b.student(c5A);
  const S3 = await b.student(c6B);
  const withRole = async (role: 'school_admin' | 'staff') => {
    const p = await b.person();
    await b.membership({ personId: p.id, role, organizationId: orgA });
    return p;
  };
  const people: Record<Name, { id: number; login: string | null }> = {
    S1,
    S2,
    S3,
    P1: await b.parent(orgA, [S1]),
    P2: await b.parent(orgA, [S2]),
    P3: await b.parent(orgA, [S3]),
    T1: await b.teacher(orgA, [{ id: c5A.id, homeroom: true }]),
    T2: await b.teacher(orgA, [{ id: c6B.id, homeroom: true }]),
    A1: await withRole('school_admin'),
    ST1: await withRole('staff'),
  };
  for (const n of NAMES) {
    id[n] = people[n].id;
    as[n] = await server.login(people[n].login!);
  }
  await as.A1.syncRoster(orgA);
  news = (await as.A1.chats()).chats.find((c) => c.purpose === 'news')!.id;
  // Then A1's account gains a parent profile too (a roster person linked to the same account, signed in afresh);
  // it is in no chat.
  const A1p = await b.person({ login: null });
  await b.membership({ personId: A1p.id, role: 'parent', organizationId: orgA });
  const a1Account = (await as.A1.me()).accountId;
  await server.store.db.updateTable('persons').set({ accountId: a1Account }).where('id', '=', A1p.id).execute();
  id.A1p = A1p.id;
  as.A1 = await server.login(people.A1.login!);
  parents5A = (await as.P1.chats()).chats.find((c) => c.purpose === 'class_parents')!.id;
  post = (await as.A1.sendMessage(news, { clientId: clientId(), text: 'Завтра линейка в 9:00' })).seq;
  await as.S2.markRead(news, post);
  await as.P3.markRead(news, post);
});

afterAll(async () => {
  for (const rt of sockets.splice(0)) rt.close();
  await server?.close();
});

describe('the news channel’s members', () => {
  /** Whom each viewer sees in the school's news channel (everyone of the school is in it). */
  const expected: Record<Name, Name[]> = {
    S1: ['A1', 'P1', 'S1', 'S2', 'ST1', 'T1', 'T2'],
    S2: ['A1', 'P2', 'S1', 'S2', 'ST1', 'T1', 'T2'],
    S3: ['A1', 'P3', 'S3', 'ST1', 'T1', 'T2'],
    P1: ['A1', 'P1', 'P2', 'S1', 'S2', 'ST1', 'T1', 'T2'],
    P3: ['A1', 'P3', 'S3', 'ST1', 'T1', 'T2'],
    T1: [...NAMES].sort(),
    T2: [...NAMES].sort(),
    A1: [...NAMES].sort(),
    ST1: [...NAMES].sort(),
    P2: ['A1', 'P1', 'P2', 'S1', 'S2', 'ST1', 'T1', 'T2'],
  };
  for (const n of NAMES) {
    it(`${n} sees ${expected[n].length === NAMES.length ? 'everyone' : 'staff, their class and family only'}`, async () => {
      expect(who((await as[n].members(news)).members.map((m) => m.personId))).toEqual(expected[n]);
    });
  }

  it('the member count stays the whole count for a student', async () => {
    expect((await as.S1.chat(news)).memberCount).toBe(NAMES.length);
    expect((await as.S1.chats()).chats.find((c) => c.id === news)!.memberCount).toBe(NAMES.length);
  });

  it('in the parents’ chat of 5А the parents see each other and the homeroom teacher', async () => {
    expect(who((await as.P1.members(parents5A)).members.map((m) => m.personId))).toEqual(['P1', 'P2', 'T1']);
  });
});

describe('who has read a news post', () => {
  it('a student gets the names they may see and the whole counts', async () => {
    const r = await as.S1.readers(news, post);
    expect({ read: who(r.read), unread: who(r.unread), readCount: r.readCount, unreadCount: r.unreadCount }).toEqual({
      read: ['S2'],
      unread: ['P1', 'S1', 'ST1', 'T1', 'T2'],
      readCount: 2,
      unreadCount: 7,
    });
  });

  it('a parent of 6Б gets their own class’s side and the same counts', async () => {
    const r = await as.P3.readers(news, post);
    expect({ read: who(r.read), unread: who(r.unread), readCount: r.readCount, unreadCount: r.unreadCount }).toEqual({
      read: ['P3'],
      unread: ['S3', 'ST1', 'T1', 'T2'],
      readCount: 2,
      unreadCount: 7,
    });
  });

  it('a teacher gets everyone', async () => {
    const r = await as.T1.readers(news, post);
    expect({ read: who(r.read), unread: who(r.unread), readCount: r.readCount, unreadCount: r.unreadCount }).toEqual({
      read: ['P3', 'S2'],
      unread: ['P1', 'P2', 'S1', 'S3', 'ST1', 'T1', 'T2'],
      readCount: 2,
      unreadCount: 7,
    });
  });
});

describe('presence', () => {
  const asked: Name[] = ['S3', 'P3', 'P2', 'S2', 'T2', 'P1'];

  it('a student learns it only for those they may see in a chat they share', async () => {
    expect(
      await presenceOf(
        as.S1,
        asked.map((n) => id[n]),
      ),
    ).toEqual(['P1', 'S2', 'T2']);
  });

  it('a parent likewise', async () => {
    expect(
      await presenceOf(
        as.P1,
        asked.map((n) => id[n]),
      ),
    ).toEqual(['P1', 'P2', 'S2', 'T2']);
  });

  it('a teacher learns it for everyone of the school they share a chat with', async () => {
    expect(
      await presenceOf(
        as.T1,
        asked.map((n) => id[n]),
      ),
    ).toEqual(['P1', 'P2', 'P3', 'S2', 'S3', 'T2']);
  });

  it('a student is not told when a hidden person comes online', async () => {
    const s1 = await connect(as.S1);
    s1.rt.sendFrame({ type: 'presence.query', personIds: [id.S3, id.S2] });
    await nextFrame(s1.frames, (x): x is ServerFrame => x.type === 'presence.update', 0, 'presence.update');
    const from = s1.frames.length;
    await connect(as.S3);
    await connect(as.S2);
    const online = await nextFrame(
      s1.frames,
      (x): x is Extract<ServerFrame, { type: 'presence.update' }> =>
        x.type === 'presence.update' && x.presence.some((p) => p.personId === id.S2 && p.online),
      from,
      'S2 coming online',
    );
    expect(online.presence.map((p) => p.personId)).toEqual([id.S2]);
    const told = s1.frames.slice(from).flatMap((f) => (f.type === 'presence.update' ? f.presence.map((p) => p.personId) : []));
    expect(who(told)).not.toContain('S3');
  });

  it('asks about at most 200 persons in one frame', async () => {
    const { rt, frames } = await connect(as.T1);
    const many = (n: number) => Array.from({ length: n }, (_, i) => 1_000_000 + i);
    rt.sendFrame({ type: 'presence.query', personIds: [...many(200), id.S1] });
    const err = await nextFrame(
      frames,
      (x): x is Extract<ServerFrame, { type: 'session.error' }> => x.type === 'session.error',
      0,
      'session.error',
    );
    expect(err.code).toBe('validation_failed');
    expect(err.message + JSON.stringify(err.details ?? {})).toContain('personIds');
    const from = frames.length;
    rt.sendFrame({ type: 'presence.query', personIds: [...many(199), id.S1] });
    const answer = await nextFrame(
      frames,
      (x): x is Extract<ServerFrame, { type: 'presence.update' }> => x.type === 'presence.update',
      from,
      'presence.update',
    );
    expect(who(answer.presence.map((p) => p.personId))).toEqual(['S1']);
  });

  it('a group a teacher made with a child of another class lets the student see that child', async () => {
    const g = await as.T2.createChat({ kind: 'group', organizationId: orgA, title: 'Шахматы', personIds: [id.S1, id.S3] });
    expect(who((await as.S1.members(g.id)).members.map((m) => m.personId))).toEqual(['S1', 'S3', 'T2']);
    expect(await presenceOf(as.S1, [id.S3, id.P3])).toEqual(['S3']);
    await as.T2.removeMember(g.id, id.S1);
    expect(await presenceOf(as.S1, [id.S3])).toEqual([]);
  });
});

describe('a school admin outside a teacher’s group', () => {
  let group = 0;
  let seq = 0;

  beforeAll(async () => {
    group = (await as.T1.createChat({ kind: 'group', organizationId: orgA, title: 'Олимпиада', personIds: [id.S1, id.S2] })).id;
    seq = (await as.S1.sendMessage(group, { clientId: clientId(), text: 'Секретный план олимпиады' })).seq;
    await as.T1.pin(group, seq);
    await as.S1.editMessage(group, seq, 'План олимпиады');
    await server.parta.search.drain();
  });

  it('adds others, but neither themselves nor another profile of their account', async () => {
    expect({
      self: await outcome(as.A1.addMembers(group, [id.A1])),
      ownParentProfile: await outcome(as.A1.addMembers(group, [id.A1p])),
      selfAmongOthers: await outcome(as.A1.addMembers(group, [id.P2, id.A1])),
      another: await outcome(as.A1.addMembers(group, [id.ST1])),
    }).toEqual({ self: '403 forbidden', ownParentProfile: '403 forbidden', selfAmongOthers: '403 forbidden', another: 'ok' });
    expect(who((await as.T1.members(group)).members.map((m) => m.personId))).toEqual(['S1', 'S2', 'ST1', 'T1']);
  });

  it('reads nothing of it over HTTP: messages, the chat, members, readers, pins, edit history, search', async () => {
    expect({
      chat: await outcome(as.A1.chat(group)),
      messages: await outcome(as.A1.messages(group)),
      members: await outcome(as.A1.members(group)),
      readers: await outcome(as.A1.readers(group, seq)),
      pin: await outcome(as.A1.pin(group, seq, false)),
      history: await outcome(as.A1.editHistory(group, seq)),
      searchInChat: await outcome(as.A1.search({ q: 'олимпиады', chatId: group })),
    }).toEqual({
      chat: '404 not_found',
      messages: '404 not_found',
      members: '404 not_found',
      readers: '404 not_found',
      pin: '404 not_found',
      history: '404 not_found',
      searchInChat: '404 not_found',
    });
    expect((await as.A1.search({ q: 'олимпиады' })).messages.filter((m) => m.chatId === group)).toEqual([]);
    expect((await as.A1.chats()).chats.map((c) => c.id)).not.toContain(group);
  });

  it('reads nothing of it over the WebSocket: catching up on it is refused and carries no message', async () => {
    const { rt, frames } = await connect(as.A1);
    rt.sendFrame({ type: 'chat.sync', positions: [{ chatId: group, version: 0 }] });
    const err = await nextFrame(
      frames,
      (x): x is Extract<ServerFrame, { type: 'session.error' }> => x.type === 'session.error',
      0,
      'session.error',
    );
    expect(err.code).toBe('not_found');
    const leaked = frames.filter(
      (f) =>
        ((f.type === 'message.new' || f.type === 'message.updated') && f.message.chatId === group) ||
        (f.type === 'chat.synced' && f.chatId === group),
    );
    expect(leaked).toEqual([]);
  });

  it('reads it once the owner adds them', async () => {
    await as.T1.addMembers(group, [id.A1]);
    expect((await as.A1.messages(group)).messages.map((m) => m.text)).toEqual(['План олимпиады']);
  });
});
