import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@parta/testkit';
import { PartaError, type PartaClient } from '@parta/sdk';
import type { ChatSummary, MemberRole } from '@parta/protocol';
import { DIRECT_GRID } from '../support/direct-chat-grid.js';

/*
 * The closed contour for conversations, through the real HTTP API and the SDK (which validates every
 * answer against the protocol). The actors are those of the pure matrix in
 * packages/server/src/domain/chat-access.test.ts; expectations are written from DESIGN.md ("The closed
 * contour") and the JSDoc of chat-access.ts, and — for how a refusal is answered — from chat.service.ts:
 * a caller who is not a member of the chat gets 404 not_found (the chat "does not exist" for them), a member
 * or creator refused by a rule gets 403 forbidden.
 *
 * The world: school A with classes 5А and 6Б, school B with one class, in one municipality each of one region.
 */

const ACTORS = ['S1', 'S2', 'S3', 'SB', 'T1', 'T2', 'TB', 'P1', 'P2', 'P3', 'A1', 'ST1', 'AB', 'MO', 'RO', 'TP'] as const;
type Name = (typeof ACTORS)[number];

let server: TestServer;
/** Person id of each actor. */
const id = {} as Record<Name, number>;
/** A signed-in client of each actor. */
const as = {} as Record<Name, PartaClient>;
let orgA = 0;
let orgB = 0;
let classB = 0;
/** A person of school A with no role left anywhere (a roster person whose memberships are gone). */
let roleless = 0;

const HOUR = 60 * 60 * 1000;
let sent = 0;
const clientId = () => `matrix-${process.pid}-${++sent}`;

/** Sends a message and answers its position in the log. */
async function post(c: PartaClient, chatId: number, text: string, extra: { replyToSeq?: number } = {}): Promise<number> {
  return (await c.sendMessage(chatId, { clientId: clientId(), text, ...extra })).seq;
}

/** 'ok' with the answer, or '403' (forbidden), '404' (not_found), or the unexpected status, code and message. */
async function attempt<T>(p: Promise<T>): Promise<{ outcome: string; value?: T }> {
  try {
    return { outcome: 'ok', value: await p };
  } catch (err) {
    if (!(err instanceof PartaError)) throw err;
    if (err.status === 403 && err.code === 'forbidden') return { outcome: '403' };
    if (err.status === 404 && err.code === 'not_found') return { outcome: '404' };
    return { outcome: `${err.status} ${err.code}: ${err.message}` };
  }
}

/** 'ok', '403', '404', or the unexpected status, code and message. */
async function outcome(p: Promise<unknown>): Promise<string> {
  return (await attempt(p)).outcome;
}

/** Parses a grid with a header row of column names into rows of { column: cell }, in order. */
function parseGrid(text: string, allowed: readonly string[]): { columns: string[]; rows: [string, Record<string, string>][] } {
  const [columns = [], ...body] = text
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/));
  const rows: [string, Record<string, string>][] = [];
  for (const [name = '', ...cells] of body) {
    if (cells.length !== columns.length) throw new Error(`row ${name}: ${cells.length} cells for ${columns.length} columns`);
    if (rows.some(([n]) => n === name)) throw new Error(`row ${name} appears twice`);
    const row: Record<string, string> = {};
    cells.forEach((c, i) => {
      if (!allowed.includes(c)) throw new Error(`row ${name}: cell "${c}" is not one of ${allowed.join(', ')}`);
      row[columns[i]!] = c;
    });
    rows.push([name, row]);
  }
  return { columns, rows };
}

type MemberSpec = { personId: number; role?: MemberRole };

/** A group chat of school A made by T1 with S1, S2 and T2, plus `extra`. */
function classGroup(...extra: MemberSpec[]): Promise<{ id: number }> {
  return server.build.chat({
    organizationId: orgA,
    kind: 'group',
    title: '5А математика',
    members: [{ personId: id.T1, role: 'owner' }, { personId: id.S1 }, { personId: id.S2 }, { personId: id.T2 }, ...extra],
  });
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Per chat action × viewer, in a group chat of school A. Each cell runs in a chat of its own (built in
// beforeAll), so that what one cell does (delete, kick, leave) cannot change what another sees. In every cell
// chat S2 has written a message ("other's") and, when a member, the viewer has written one ("own"). A row is
// `viewer:standing`; the chat is T1 (owner), S1, S2, T2 (members), plus the viewer with that standing.
// S3 wrote their own message as a member and was then made read-only by T1.
// ---------------------------------------------------------------------------------------------------------------

/**
 * ok = allowed; 403 = forbidden (a member the rules refuse); 404 = not_found (not a member: the chat is hidden).
 * - read, members, readers, react, report: any member (read-only too: reacting and reporting are not posting);
 * - send: not read-only; @all (mentionAll): chat owners/admins and the school's teachers and admins (not staff);
 * - edit: only the author; delete for everyone: the author or an admin of the chat's school (not the chat owner);
 * - pin, edit history: chat owners/admins and the school's admins when a member;
 * - add/kick/role/mute: chat owners/admins, and the school's admins even when not a member (they run the
 *   school's community); nothing else of a chat is open to a non-member admin: it reads nothing, and it may not
 *   add itself (addSelf: a member adding themselves changes nothing; a non-member admin is refused 403);
 * - leave: any member of a chat that is not a direct or roster chat (the owner too).
 * Read-only S3 may still edit and delete their earlier message: only posting is refused (postRefusal).
 */
const GROUP_GRID = `
               read members send @all editOwn editOther delOwn delOther react pin readers history report add addSelf kick role mute leave
  T1:owner     ok   ok      ok   ok   ok      403       ok     403      ok    ok  ok      ok      ok     ok  ok      ok   ok   ok   ok
  ST1:admin    ok   ok      ok   ok   ok      403       ok     403      ok    ok  ok      ok      ok     ok  ok      ok   ok   ok   ok
  T2:member    ok   ok      ok   ok   ok      403       ok     403      ok    403 ok      403     ok     403 403     403  403  403  ok
  ST1:member   ok   ok      ok   403  ok      403       ok     403      ok    403 ok      403     ok     403 403     403  403  403  ok
  S1:member    ok   ok      ok   403  ok      403       ok     403      ok    403 ok      403     ok     403 403     403  403  403  ok
  S3:readonly  ok   ok      403  403  ok      403       ok     403      ok    403 ok      403     ok     403 403     403  403  403  ok
  A1:member    ok   ok      ok   ok   ok      403       ok     ok       ok    ok  ok      ok      ok     ok  ok      ok   ok   ok   ok
  A1:outsider  404  404     404  404  404     404       404    404      404   404 404     404     404    ok  403     ok   ok   ok   404
  AB:outsider  404  404     404  404  404     404       404    404      404   404 404     404     404    404 404     404  404  404  404
  P1:outsider  404  404     404  404  404     404       404    404      404   404 404     404     404    404 404     404  404  404  404
`;

interface Cell {
  viewer: Name;
  chatId: number;
  /** S2's message. */
  other: number;
  /** The viewer's own message (members only). */
  own: number | null;
}

const GROUP_ACTIONS: Record<string, (c: PartaClient, x: Cell) => Promise<unknown>> = {
  read: (c, x) => c.messages(x.chatId),
  members: (c, x) => c.members(x.chatId),
  send: (c, x) => c.sendMessage(x.chatId, { clientId: clientId(), text: 'Новое сообщение' }),
  '@all': (c, x) => c.sendMessage(x.chatId, { clientId: clientId(), text: 'Внимание, все!', mentionAll: true }),
  editOwn: (c, x) => c.editMessage(x.chatId, x.own ?? x.other, 'Исправленное сообщение'),
  editOther: (c, x) => c.editMessage(x.chatId, x.other, 'Чужое, исправленное'),
  delOwn: (c, x) => c.deleteMessage(x.chatId, x.own ?? x.other),
  delOther: (c, x) => c.deleteMessage(x.chatId, x.other),
  react: (c, x) => c.react(x.chatId, x.other, '👍'),
  pin: (c, x) => c.pin(x.chatId, x.other),
  readers: (c, x) => c.readers(x.chatId, x.other),
  history: (c, x) => c.editHistory(x.chatId, x.other),
  report: (c, x) => c.report(x.chatId, x.other, 'грубость'),
  add: (c, x) => c.addMembers(x.chatId, [id.P2]),
  addSelf: (c, x) => c.addMembers(x.chatId, [id[x.viewer]]),
  kick: (c, x) => c.removeMember(x.chatId, id.S2),
  role: (c, x) => c.updateMember(x.chatId, id.S2, { role: 'admin' }),
  mute: (c, x) => c.updateMember(x.chatId, id.S2, { mutedUntil: Date.now() + HOUR }),
  leave: (c, x) => c.removeMember(x.chatId, id[x.viewer]),
};

const group = parseGrid(GROUP_GRID, ['ok', '403', '404']);
const groupCells = new Map<string, Cell>();

// ---------------------------------------------------------------------------------------------------------------
// Channels: T1 owner, ST1 admin, S1 member, S2 read-only; T1 has posted. One without comments, one with.
// ---------------------------------------------------------------------------------------------------------------

/** The owner and admins post; members only reply, and only where comments are allowed; read-only members never post. */
const CHANNEL_GRID = `
                plain:post plain:reply comments:post comments:reply
  T1:owner      ok         ok          ok            ok
  ST1:admin     ok         ok          ok            ok
  S1:member     403        403         403           ok
  S2:readonly   403        403         403           403
  A1:outsider   404        404         404           404
  P1:outsider   404        404         404           404
`;
const channel = parseGrid(CHANNEL_GRID, ['ok', '403', '404']);
const channels = { plain: { id: 0, post: 0 }, comments: { id: 0, post: 0 } };

// ---------------------------------------------------------------------------------------------------------------
// Direct chats as chats: both sides pin; nobody adds, kicks or leaves; a school admin who is a side moderates.
// Row `viewer>other`: the viewer acts on a fresh message of the other side.
// ---------------------------------------------------------------------------------------------------------------

const DIRECT_ACTIONS_GRID = `
           pin history delOther add kick leave
  S1>T1    ok  403     403      403 403  403
  T1>S1    ok  403     403      403 403  403
  A1>S2    ok  ok      ok       403 403  403
  S2>A1    ok  403     403      403 403  403
`;
const directActions = parseGrid(DIRECT_ACTIONS_GRID, ['ok', '403', '404']);
const directCells = new Map<string, { chatId: number; seq: number; viewer: Name; other: Name }>();

/** Chats for the tests of what allowed actions do. */
const fx = {
  mute: 0,
  delete: 0,
  history: 0,
  owner: 0,
  kick: 0,
  leave: 0,
  report: 0,
  searchA: 0,
  searchB: 0,
};

beforeAll(async () => {
  // The matrix seeds a few hundred messages from the same accounts at once; the send rate limit is not under test.
  server = await startTestServer({ PARTA_SEND_RATE_PER_SEC: '100000' });
  const b = server.build;
  const region = await b.region();
  const munA = await b.municipality({ regionId: region.id });
  const munB = await b.municipality({ regionId: region.id });
  const a = await b.school({ municipalityId: munA.id });
  const bb = await b.school({ municipalityId: munB.id });
  orgA = a.id;
  orgB = bb.id;
  const c5A = await b.schoolClass({ organizationId: orgA, grade: 5, letter: 'А' });
  const c6B = await b.schoolClass({ organizationId: orgA, grade: 6, letter: 'Б' });
  const cB = await b.schoolClass({ organizationId: orgB, grade: 5, letter: 'А' });
  classB = cB.id;

  const withRole = async (o: Omit<Parameters<typeof b.membership>[0], 'personId'>) => {
    const p = await b.person();
    await b.membership({ personId: p.id, ...o });
    return p;
  };
  const S1 = await b.student(c5A);
  const S2 = await b.student(c5A);
  const S3 = await b.student(c6B);
  const SB = await b.student(cB);
  const TP = await b.teacher(orgA, [{ id: c5A.id, subject: 'Физкультура' }]);
  await b.membership({ personId: TP.id, role: 'parent', organizationId: orgA });
  await server.store.db.insertInto('guardianships').values({ parentPersonId: TP.id, studentPersonId: S3.id }).execute();
  const people: Record<Name, { id: number; login: string | null }> = {
    S1,
    S2,
    S3,
    SB,
    T1: await b.teacher(orgA, [{ id: c5A.id, homeroom: true }]),
    T2: await b.teacher(orgA, [{ id: c6B.id }]),
    TB: await b.teacher(orgB, [{ id: cB.id, homeroom: true }]),
    P1: await b.parent(orgA, [S1]),
    P2: await b.parent(orgA, [S2]),
    P3: await b.parent(orgA, [S3]),
    A1: await withRole({ role: 'school_admin', organizationId: orgA }),
    ST1: await withRole({ role: 'staff', organizationId: orgA }),
    AB: await withRole({ role: 'school_admin', organizationId: orgB }),
    MO: await withRole({ role: 'municipality_official', municipalityId: munA.id }),
    RO: await withRole({ role: 'region_official', regionId: region.id }),
    TP,
  };
  for (const n of ACTORS) {
    id[n] = people[n].id;
    as[n] = await server.login(people[n].login!);
  }
  roleless = (await b.person({ login: null })).id;

  // Group cells.
  const base: Name[] = ['T1', 'S1', 'S2', 'T2'];
  for (const [row] of group.rows) {
    const [viewer, standing] = row.split(':') as [Name, 'owner' | 'admin' | 'member' | 'readonly' | 'outsider'];
    if (base.includes(viewer) && standing !== (viewer === 'T1' ? 'owner' : 'member'))
      throw new Error(`row ${row}: ${viewer} is in every cell chat with another standing`);
    const extra: MemberSpec[] =
      base.includes(viewer) || standing === 'outsider'
        ? []
        : [{ personId: id[viewer], role: standing === 'admin' ? 'admin' : 'member' }];
    for (const action of group.columns) {
      const chat = await classGroup(...extra);
      groupCells.set(`${row}|${action}`, { viewer, chatId: chat.id, other: 0, own: null });
    }
  }
  for (const [row] of group.rows) {
    const cells = group.columns.map((action) => groupCells.get(`${row}|${action}`)!);
    await Promise.all(
      cells.map(async (x) => {
        x.other = await post(as.S2, x.chatId, 'Сообщение одноклассника');
        if (!row.endsWith(':outsider')) x.own = await post(as[x.viewer], x.chatId, 'Моё сообщение');
        if (row.endsWith(':readonly')) await as.T1.updateMember(x.chatId, id[x.viewer], { role: 'readonly' });
      }),
    );
  }

  // Channels.
  for (const [name, allowComments] of [
    ['plain', false],
    ['comments', true],
  ] as const) {
    const ch = await server.build.chat({
      organizationId: orgA,
      kind: 'channel',
      title: allowComments ? 'Обсуждения' : 'Объявления',
      allowComments,
      members: [
        { personId: id.T1, role: 'owner' },
        { personId: id.ST1, role: 'admin' },
        { personId: id.S1, role: 'member' },
        { personId: id.S2, role: 'readonly' },
      ],
    });
    channels[name] = { id: ch.id, post: await post(as.T1, ch.id, 'Пост в канале') };
  }

  // Direct chats for the action grid, opened through the API.
  for (const [row] of directActions.rows) {
    const [viewer, other] = row.split('>') as [Name, Name];
    const chat = await as[viewer].openDirect(id[other]);
    for (const action of directActions.columns)
      directCells.set(`${row}|${action}`, {
        chatId: chat.id,
        seq: await post(as[other], chat.id, 'Личное сообщение'),
        viewer,
        other,
      });
  }

  // Chats for the effect tests.
  fx.mute = (await classGroup()).id;
  fx.delete = (await classGroup({ personId: id.A1 })).id;
  fx.history = (await classGroup({ personId: id.ST1, role: 'admin' })).id;
  fx.owner = (await classGroup({ personId: id.ST1, role: 'admin' }, { personId: id.A1 })).id;
  fx.kick = (await classGroup()).id;
  fx.leave = (await classGroup()).id;
  fx.report = (await classGroup()).id;
  fx.searchA = (
    await server.build.chat({
      organizationId: orgA,
      title: '5А',
      members: [{ personId: id.T1, role: 'owner' }, { personId: id.S1 }, { personId: id.S2 }],
    })
  ).id;
  fx.searchB = (
    await server.build.chat({
      organizationId: orgA,
      title: '6Б',
      members: [{ personId: id.T2, role: 'owner' }, { personId: id.S3 }],
    })
  ).id;
  await post(as.T1, fx.searchA, 'Экскурсия в планетарий в пятницу');
  await post(as.T2, fx.searchB, 'Экскурсия в зоопарк в субботу');
  await server.parta.search.drain();
});

afterAll(async () => {
  await server?.close();
});

// ---------------------------------------------------------------------------------------------------------------
// 1. Direct chats: every ordered pair of the 16 actors.
// ---------------------------------------------------------------------------------------------------------------

/**
 * openDirect: row = initiator, column = target; 1 = may start it, 0 = refused: 403 forbidden between people of
 * one school, 404 not_found for anyone outside the initiator's schools (they do not exist for the initiator).
 * The grid is DIRECT_GRID (tests/support/direct-chat-grid.ts), the one the pure matrix checks.
 */

/** The school each actor belongs to (officials to none). */
const SCHOOL: Record<Name, 'A' | 'B' | null> = {
  S1: 'A',
  S2: 'A',
  S3: 'A',
  SB: 'B',
  T1: 'A',
  T2: 'A',
  TB: 'B',
  P1: 'A',
  P2: 'A',
  P3: 'A',
  A1: 'A',
  ST1: 'A',
  AB: 'B',
  MO: null,
  RO: null,
  TP: 'A',
};

describe('direct chats: every ordered pair of actors', () => {
  const direct = parseGrid(DIRECT_GRID, ['0', '1']);
  const may = (a: Name, b: Name) => direct.rows.find(([n]) => n === a)![1][b] === '1';
  // Chats are opened row by row: once `b` opened one with `a`, `a` reaches it too.
  const openedEarlier = (a: Name, b: Name) => ACTORS.indexOf(b) < ACTORS.indexOf(a) && may(b, a);
  // A refusal is 403 between people of one school; anyone outside the caller's schools does not exist (404).
  const want = (a: Name, b: Name) =>
    may(a, b) || openedEarlier(a, b) ? 'ok' : SCHOOL[a] !== null && SCHOOL[a] === SCHOOL[b] ? '403' : '404';
  const got = new Map<string, string>();
  const opened = new Map<string, ChatSummary>();

  beforeAll(async () => {
    // Row by row, so a chat one side opened exists when the other side asks (the answer must not change).
    for (const a of ACTORS)
      for (const b of ACTORS) {
        const r = await attempt(as[a].openDirect(id[b]));
        got.set(`${a}>${b}`, r.outcome);
        if (r.value) opened.set(`${a}>${b}`, r.value);
      }
  });

  it('the grid covers every ordered pair exactly once', () => {
    expect(direct.columns).toEqual([...ACTORS]);
    expect(direct.rows.map(([n]) => n)).toEqual([...ACTORS]);
    expect(got.size).toBe(ACTORS.length * ACTORS.length);
  });

  for (const a of ACTORS) {
    it(`${a} → every target`, () => {
      const row: Record<string, string> = {};
      const expected: Record<string, string> = {};
      for (const b of ACTORS) {
        row[b] = got.get(`${a}>${b}`)!;
        expected[b] = want(a, b);
      }
      expect(row).toEqual(expected);
    });
  }

  it('an opened chat is a two-person direct chat of the school both belong to, seen as the initiator', () => {
    const schoolB: Name[] = ['SB', 'TB', 'AB'];
    for (const [pair, s] of opened) {
      const [a, b] = pair.split('>') as [Name, Name];
      expect({ pair, kind: s.kind, me: s.myPersonId, members: s.memberCount, org: s.organizationId, role: s.myRole }).toEqual({
        pair,
        kind: 'direct',
        me: id[a],
        members: 2,
        org: schoolB.includes(a) && schoolB.includes(b) ? orgB : orgA,
        role: 'member',
      });
    }
  });

  it('a pair allowed both ways shares one chat, whoever opened it first', () => {
    let checked = 0;
    for (const a of ACTORS)
      for (const b of ACTORS) {
        if (a >= b || want(a, b) !== 'ok' || want(b, a) !== 'ok') continue;
        expect({ pair: `${a}↔${b}`, id: opened.get(`${b}>${a}`)?.id }).toEqual({
          pair: `${a}↔${b}`,
          id: opened.get(`${a}>${b}`)!.id,
        });
        checked++;
      }
    expect(checked).toBeGreaterThan(40);
  });

  it('opening again from either side returns the same chat', async () => {
    const pairs: [Name, Name][] = [
      ['S1', 'S2'],
      ['T1', 'P1'],
      ['A1', 'ST1'],
      ['TP', 'P3'],
      ['SB', 'TB'],
    ];
    for (const [a, b] of pairs) {
      const first = opened.get(`${a}>${b}`)!.id;
      expect([(await as[a].openDirect(id[b])).id, (await as[b].openDirect(id[a])).id]).toEqual([first, first]);
    }
  });

  it('a chat a student opened with staff stays usable by both, though staff could not have started it', async () => {
    const chat = opened.get('S1>ST1')!;
    expect((await as.ST1.openDirect(id.S1)).id).toBe(chat.id);
    expect((await as.ST1.chats()).chats.map((c) => c.id)).toContain(chat.id);
    const seq = await post(as.ST1, chat.id, 'Здравствуйте! Зайдите в библиотеку.');
    expect((await as.S1.messages(chat.id)).messages.map((m) => m.seq)).toContain(seq);
  });

  it('answers 404 for a person with no role anywhere, and for no such person', async () => {
    expect(await outcome(as.A1.openDirect(roleless))).toBe('404');
    expect(await outcome(as.S1.openDirect(2_000_000_000))).toBe('404');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 2. Chat actions × viewer.
// ---------------------------------------------------------------------------------------------------------------

describe('group chat actions × viewer', () => {
  it('the grid covers every action the test knows', () => {
    expect(group.columns).toEqual(Object.keys(GROUP_ACTIONS));
  });

  for (const [row, expected] of group.rows) {
    it(row, async () => {
      const got: Record<string, string> = {};
      for (const action of group.columns) {
        const x = groupCells.get(`${row}|${action}`)!;
        got[action] = await outcome(GROUP_ACTIONS[action]!(as[x.viewer], x));
      }
      expect(got).toEqual(expected);
    });
  }
});

describe('what the allowed actions do', () => {
  it('a muted member cannot post until unmuted, and the chat says so', async () => {
    const until = Date.now() + HOUR;
    await as.T1.updateMember(fx.mute, id.S2, { mutedUntil: until });
    expect(await as.S2.chat(fx.mute)).toMatchObject({ mutedUntil: until, canPost: false });
    expect(await outcome(post(as.S2, fx.mute, 'Можно спросить?'))).toBe('403');
    expect(await outcome(as.S2.messages(fx.mute))).toBe('ok');
    await as.T1.updateMember(fx.mute, id.S2, { mutedUntil: null });
    expect(await as.S2.chat(fx.mute)).toMatchObject({ mutedUntil: null, canPost: true });
    expect(await outcome(post(as.S2, fx.mute, 'Можно спросить?'))).toBe('ok');
  });

  it('a school admin’s deletion empties the message for everyone; its author can no longer edit it', async () => {
    const seq = await post(as.S2, fx.delete, 'Неприемлемое сообщение');
    const deleted = await as.A1.deleteMessage(fx.delete, seq);
    expect(deleted).toMatchObject({ seq, text: '', deletedAt: expect.any(Number) as number });
    const seen = (await as.S1.messages(fx.delete)).messages.find((m) => m.seq === seq)!;
    expect(seen).toMatchObject({ text: '', deletedAt: deleted.deletedAt });
    expect((await outcome(as.S2.editMessage(fx.delete, seq, 'Исправил'))).startsWith('409 conflict')).toBe(true);
  });

  it('moderators see the earlier texts of an edited message; members do not', async () => {
    const seq = await post(as.S2, fx.history, 'Домашка: №1');
    await as.S2.editMessage(fx.history, seq, 'Домашка: №2');
    await as.S2.editMessage(fx.history, seq, 'Домашка: №3');
    for (const mod of ['T1', 'ST1'] as const)
      expect((await as[mod].editHistory(fx.history, seq)).edits.map((e) => e.text)).toEqual(['Домашка: №1', 'Домашка: №2']);
    expect(await outcome(as.S1.editHistory(fx.history, seq))).toBe('403');
    expect(await outcome(as.S2.editHistory(fx.history, seq))).toBe('403');
    expect((await as.S1.messages(fx.history)).messages.find((m) => m.seq === seq)!.text).toBe('Домашка: №3');
  });

  it('the owner is protected from chat admins and school admins; only the owner hands over ownership', async () => {
    expect(await outcome(as.ST1.removeMember(fx.owner, id.T1))).toBe('403');
    expect(await outcome(as.A1.removeMember(fx.owner, id.T1))).toBe('403');
    expect(await outcome(as.ST1.updateMember(fx.owner, id.T1, { mutedUntil: Date.now() + HOUR }))).toBe('403');
    expect(await outcome(as.ST1.updateMember(fx.owner, id.S2, { role: 'owner' }))).toBe('403');
    expect(await outcome(as.A1.updateMember(fx.owner, id.S2, { role: 'owner' }))).toBe('403');
    expect(await outcome(as.T1.updateMember(fx.owner, id.S2, { role: 'owner' }))).toBe('ok');
    const roles = Object.fromEntries((await as.S1.members(fx.owner)).members.map((m) => [m.personId, m.role]));
    expect(roles).toMatchObject({ [id.T1]: 'owner', [id.S2]: 'owner', [id.ST1]: 'admin', [id.A1]: 'member' });
  });

  it('a kicked member loses the chat entirely', async () => {
    await as.T1.removeMember(fx.kick, id.S2);
    expect((await as.S2.chats()).chats.map((c) => c.id)).not.toContain(fx.kick);
    expect(await outcome(as.S2.chat(fx.kick))).toBe('404');
    expect(await outcome(as.S2.messages(fx.kick))).toBe('404');
    expect(await outcome(post(as.S2, fx.kick, 'Я ещё здесь?'))).toBe('404');
    expect((await as.T1.members(fx.kick)).members.map((m) => m.personId)).not.toContain(id.S2);
  });

  it('a member who left a group is no longer in it', async () => {
    await as.S1.removeMember(fx.leave, id.S1);
    expect((await as.S1.chats()).chats.map((c) => c.id)).not.toContain(fx.leave);
    expect(await outcome(as.S1.messages(fx.leave))).toBe('404');
  });

  it('roster chats cannot be left by anyone, a group by the same school admin can', async () => {
    const roster = await as.A1.createChat({
      kind: 'group',
      purpose: 'class',
      organizationId: orgA,
      title: '5А',
      personIds: [id.S1, id.T1],
    });
    expect(roster).toMatchObject({ kind: 'group', purpose: 'class', myRole: 'owner', memberCount: 3 });
    const news = await as.A1.createChat({
      kind: 'channel',
      purpose: 'news',
      organizationId: orgA,
      title: 'Новости школы',
      personIds: [id.S1],
    });
    expect(news).toMatchObject({ kind: 'channel', purpose: 'news', myRole: 'owner' });
    const plain = await as.A1.createChat({ kind: 'group', organizationId: orgA, title: 'Кружок', personIds: [id.S1] });
    expect({
      'S1 leaves the class chat': await outcome(as.S1.removeMember(roster.id, id.S1)),
      'T1 leaves the class chat': await outcome(as.T1.removeMember(roster.id, id.T1)),
      'A1 (owner) leaves the class chat': await outcome(as.A1.removeMember(roster.id, id.A1)),
      'S1 leaves the news channel': await outcome(as.S1.removeMember(news.id, id.S1)),
      'S1 leaves a plain group': await outcome(as.S1.removeMember(plain.id, id.S1)),
    }).toEqual({
      'S1 leaves the class chat': '403',
      'T1 leaves the class chat': '403',
      'A1 (owner) leaves the class chat': '403',
      'S1 leaves the news channel': '403',
      'S1 leaves a plain group': 'ok',
    });
  });
});

describe('direct chat actions × viewer', () => {
  const DIRECT_ACTIONS: Record<
    string,
    (c: PartaClient, x: { chatId: number; seq: number; viewer: Name; other: Name }) => Promise<unknown>
  > = {
    pin: (c, x) => c.pin(x.chatId, x.seq),
    history: (c, x) => c.editHistory(x.chatId, x.seq),
    delOther: (c, x) => c.deleteMessage(x.chatId, x.seq),
    add: (c, x) => c.addMembers(x.chatId, [id.P1]),
    kick: (c, x) => c.removeMember(x.chatId, id[x.other]),
    leave: (c, x) => c.removeMember(x.chatId, id[x.viewer]),
  };

  it('the grid covers every action the test knows', () => {
    expect(directActions.columns).toEqual(Object.keys(DIRECT_ACTIONS));
  });

  for (const [row, expected] of directActions.rows) {
    it(row, async () => {
      const got: Record<string, string> = {};
      for (const action of directActions.columns) {
        const x = directCells.get(`${row}|${action}`)!;
        got[action] = await outcome(DIRECT_ACTIONS[action]!(as[x.viewer], x));
      }
      expect(got).toEqual(expected);
    });
  }

  it('a direct chat still has both sides after the refused kicks and leaves', async () => {
    const x = directCells.get('S1>T1|leave')!;
    expect((await as.S1.members(x.chatId)).members.map((m) => m.personId).sort((p, q) => p - q)).toEqual(
      [id.S1, id.T1].sort((p, q) => p - q),
    );
  });
});

describe('channels: who posts', () => {
  for (const [row, expected] of channel.rows) {
    it(row, async () => {
      const viewer = row.split(':')[0] as Name;
      const got: Record<string, string> = {};
      for (const col of channel.columns) {
        const [which, what] = col.split(':') as ['plain' | 'comments', 'post' | 'reply'];
        const ch = channels[which];
        got[col] = await outcome(
          post(as[viewer], ch.id, what === 'reply' ? 'Комментарий' : 'Ещё пост', what === 'reply' ? { replyToSeq: ch.post } : {}),
        );
      }
      expect(got).toEqual(expected);
    });
  }

  it('canPost tells each member whether they may start a post', async () => {
    const canPost: Record<string, boolean[]> = {};
    for (const n of ['T1', 'ST1', 'S1', 'S2'] as const)
      canPost[n] = [(await as[n].chat(channels.plain.id)).canPost, (await as[n].chat(channels.comments.id)).canPost];
    expect(canPost).toEqual({ T1: [true, true], ST1: [true, true], S1: [false, false], S2: [false, false] });
  });

  it('people added to a channel join read-only', async () => {
    const ch = await as.T1.createChat({ kind: 'channel', organizationId: orgA, title: 'Расписание', allowComments: true });
    expect(ch).toMatchObject({ kind: 'channel', allowComments: true, myRole: 'owner', canPost: true });
    expect((await as.T1.addMembers(ch.id, [id.P1, id.S1])).added.sort((p, q) => p - q)).toEqual(
      [id.P1, id.S1].sort((p, q) => p - q),
    );
    const roles = Object.fromEntries((await as.T1.members(ch.id)).members.map((m) => [m.personId, m.role]));
    expect(roles).toEqual({ [id.T1]: 'owner', [id.P1]: 'readonly', [id.S1]: 'readonly' });
    expect(await outcome(post(as.P1, ch.id, 'Вопрос'))).toBe('403');
  });
});

describe('reports and the moderation queue', () => {
  let reportId = 0;
  let seq = 0;

  beforeAll(async () => {
    seq = await post(as.S2, fx.report, 'Оскорбительное сообщение');
    reportId = (await as.S1.report(fx.report, seq, 'оскорбление')).reportId;
  });

  /**
   * [see school A's queue, resolve the report]: only school A's admin does either. School A's other people are
   * refused (403); anyone with no role in school A — another school's admin, officials — gets 404, the answer for a
   * school that does not exist, so that the route tells nobody which schools exist. No report exists for anyone else.
   */
  const QUEUE_GRID = `
          queue resolve
    T1    403   404
    ST1   403   404
    S1    403   404
    P1    403   404
    TP    403   404
    AB    404   404
    MO    404   404
    RO    404   404
  `;
  const queue = parseGrid(QUEUE_GRID, ['ok', '403', '404']);
  for (const [row, expected] of queue.rows) {
    it(row, async () => {
      const c = as[row as Name];
      expect({ queue: await outcome(c.reports(orgA)), resolve: await outcome(c.resolveReport(reportId, 'dismissed')) }).toEqual(
        expected,
      );
    });
  }

  it('school B’s admin sees their own queue, without school A’s reports', async () => {
    expect((await as.AB.reports(orgB, true)).reports.map((r) => r.organizationId).filter((o) => o !== orgB)).toEqual([]);
  });

  it('school A’s admin sees the report and resolves it once', async () => {
    const open = (await as.A1.reports(orgA)).reports.find((r) => r.id === reportId);
    expect(open).toMatchObject({
      chatId: fx.report,
      organizationId: orgA,
      reporterPersonId: id.S1,
      reason: 'оскорбление',
      resolvedAt: null,
      resolution: null,
      message: { seq, senderPersonId: id.S2, text: 'Оскорбительное сообщение' },
    });
    await as.A1.resolveReport(reportId, 'deleted');
    expect((await outcome(as.A1.resolveReport(reportId, 'dismissed'))).startsWith('409 conflict')).toBe(true);
    expect((await as.A1.reports(orgA)).reports.map((r) => r.id)).not.toContain(reportId);
    expect((await as.A1.reports(orgA, true)).reports.find((r) => r.id === reportId)).toMatchObject({ resolution: 'deleted' });
    expect((await as.S1.messages(fx.report)).messages.find((m) => m.seq === seq)).toMatchObject({ text: '' });
  });
});

describe('search finds only messages of chats the viewer is in', () => {
  /** Who finds which of the two «экскурсия» messages: A (T1, S1, S2 are members) and B (T2, S3 are). */
  const expected: Record<string, string[]> = {
    S1: ['A'],
    S2: ['A'],
    T1: ['A'],
    T2: ['B'],
    S3: ['B'],
    P1: [],
    A1: [],
    ST1: [],
    AB: [],
    MO: [],
  };
  for (const [who, want] of Object.entries(expected)) {
    it(who, async () => {
      const found = (await as[who as Name].search({ q: 'экскурсия' })).messages.map((m) =>
        m.chatId === fx.searchA ? 'A' : m.chatId === fx.searchB ? 'B' : `chat ${m.chatId}`,
      );
      expect(found).toEqual(want);
    });
  }

  it('searching one chat answers 404 to a non-member', async () => {
    expect(await outcome(as.S3.search({ q: 'экскурсия', chatId: fx.searchA }))).toBe('404');
    expect(await outcome(as.A1.search({ q: 'экскурсия', chatId: fx.searchA }))).toBe('404');
    expect((await as.S1.search({ q: 'экскурсия', chatId: fx.searchA })).messages).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 3. Creating chats.
// ---------------------------------------------------------------------------------------------------------------

describe('creating chats', () => {
  /**
   * Groups and channels: teachers and school admins of that school. Roster-style chats (`purpose`): school admins of
   * that school only. Everyone else, including officials and the other school's people, gets 403.
   */
  const CREATE_GRID = `
         group@A channel@A group@B class@A news@A news@B
    S1   403     403       403     403     403    403
    S2   403     403       403     403     403    403
    S3   403     403       403     403     403    403
    SB   403     403       403     403     403    403
    T1   ok      ok        403     403     403    403
    T2   ok      ok        403     403     403    403
    TB   403     403       ok      403     403    403
    P1   403     403       403     403     403    403
    P2   403     403       403     403     403    403
    P3   403     403       403     403     403    403
    A1   ok      ok        403     ok      ok     403
    ST1  403     403       403     403     403    403
    AB   403     403       ok      403     403    ok
    MO   403     403       403     403     403    403
    RO   403     403       403     403     403    403
    TP   ok      ok        403     403     403    403
  `;
  const create = parseGrid(CREATE_GRID, ['ok', '403', '404']);
  const attempts: Record<string, () => { kind: 'group' | 'channel'; org: number; purpose?: 'class' | 'news' }> = {
    'group@A': () => ({ kind: 'group', org: orgA }),
    'channel@A': () => ({ kind: 'channel', org: orgA }),
    'group@B': () => ({ kind: 'group', org: orgB }),
    'class@A': () => ({ kind: 'group', org: orgA, purpose: 'class' }),
    'news@A': () => ({ kind: 'channel', org: orgA, purpose: 'news' }),
    'news@B': () => ({ kind: 'channel', org: orgB, purpose: 'news' }),
  };

  it('the grid covers every actor and every attempt', () => {
    expect(create.rows.map(([n]) => n)).toEqual([...ACTORS]);
    expect(create.columns).toEqual(Object.keys(attempts));
  });

  for (const [who, expected] of create.rows) {
    it(who, async () => {
      const got: Record<string, string> = {};
      for (const col of create.columns) {
        const a = attempts[col]!();
        const r = await attempt(
          as[who as Name].createChat({
            kind: a.kind,
            organizationId: a.org,
            title: `${who} ${col}`,
            ...(a.purpose ? { purpose: a.purpose } : {}),
          }),
        );
        got[col] = r.outcome;
        if (r.value)
          expect(r.value).toMatchObject({
            kind: a.kind,
            organizationId: a.org,
            purpose: a.purpose ?? null,
            myPersonId: id[who as Name],
            myRole: 'owner',
            memberCount: 1,
          });
      }
      expect(got).toEqual(expected);
    });
  }

  it('nobody of another school, or of no school, can be put into a chat', async () => {
    const chat = await as.T1.createChat({ kind: 'group', organizationId: orgA, title: 'Проект', personIds: [id.S1] });
    expect(chat.memberCount).toBe(2);
    const adminsChat = await as.A1.createChat({ kind: 'group', organizationId: orgA, title: 'Совет' });
    expect({
      'T1 creates with SB': await outcome(
        as.T1.createChat({ kind: 'group', organizationId: orgA, title: 'x', personIds: [id.SB] }),
      ),
      'T1 creates with TB': await outcome(
        as.T1.createChat({ kind: 'group', organizationId: orgA, title: 'x', personIds: [id.TB] }),
      ),
      'T1 creates with MO': await outcome(
        as.T1.createChat({ kind: 'group', organizationId: orgA, title: 'x', personIds: [id.MO] }),
      ),
      'T1 creates with S2 and AB': await outcome(
        as.T1.createChat({ kind: 'group', organizationId: orgA, title: 'x', personIds: [id.S2, id.AB] }),
      ),
      'T1 adds SB': await outcome(as.T1.addMembers(chat.id, [id.SB])),
      'T1 adds RO': await outcome(as.T1.addMembers(chat.id, [id.RO])),
      'A1 adds AB': await outcome(as.A1.addMembers(adminsChat.id, [id.AB])),
      'A1 adds P1 and TB': await outcome(as.A1.addMembers(adminsChat.id, [id.P1, id.TB])),
      'TB creates in B with S1': await outcome(
        as.TB.createChat({ kind: 'group', organizationId: orgB, title: 'x', personIds: [id.S1] }),
      ),
      // A class of another school is not found in this one.
      'T1 creates with class of B': await outcome(
        as.T1.createChat({ kind: 'group', organizationId: orgA, title: 'x', classIds: [classB] }),
      ),
    }).toEqual({
      'T1 creates with SB': '403',
      'T1 creates with TB': '403',
      'T1 creates with MO': '403',
      'T1 creates with S2 and AB': '403',
      'T1 adds SB': '403',
      'T1 adds RO': '403',
      'A1 adds AB': '403',
      'A1 adds P1 and TB': '403',
      'TB creates in B with S1': '403',
      'T1 creates with class of B': '404',
    });
    // Nothing was added by the refused attempts.
    expect((await as.T1.members(chat.id)).members).toHaveLength(2);
    expect((await as.A1.members(adminsChat.id)).members).toHaveLength(1);
  });
});
