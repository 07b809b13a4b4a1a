import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '@parta/testkit';
import type { PartaClient } from '@parta/sdk';
import type { ChatSummary } from '@parta/protocol';
import { DIRECT_GRID } from '../support/direct-chat-grid.js';
import { ACTORS, attempt, matrixWorld, outcome, parseGrid, post, type Name } from '../support/chat-matrix.js';

/*
 * The chat matrix, direct chats: who may open one with whom (every ordered pair of the 16 actors), and what
 * each side may do in one. The world, its actors and how an answer is read are in tests/support/chat-matrix.ts.
 */

const w = matrixWorld();
const { id, as } = w;

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

beforeAll(async () => {
  // The matrix seeds many messages from the same accounts at once; the send rate limit is not under test.
  await w.seed(await startTestServer({ PARTA_SEND_RATE_PER_SEC: '100000' }));

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
});

afterAll(async () => {
  await w.server?.close();
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
        org: schoolB.includes(a) && schoolB.includes(b) ? w.orgB : w.orgA,
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
    expect(await outcome(as.A1.openDirect(w.roleless))).toBe('404');
    expect(await outcome(as.S1.openDirect(2_000_000_000))).toBe('404');
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
