import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '@parta/testkit';
import type { PartaClient } from '@parta/sdk';
import { HOUR, clientId, matrixWorld, outcome, parseGrid, post, type MemberSpec, type Name } from '../support/chat-matrix.js';

/*
 * The chat matrix, group chats: what each viewer may do in a group chat of school A, and what the allowed
 * actions do. The world, its actors and how an answer is read are in tests/support/chat-matrix.ts.
 */

const w = matrixWorld();
const { id, as } = w;

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

/** Chats for the tests of what allowed actions do. */
const fx = {
  mute: 0,
  delete: 0,
  history: 0,
  owner: 0,
  kick: 0,
  leave: 0,
};

beforeAll(async () => {
  // The matrix seeds many messages from the same accounts at once; the send rate limit is not under test.
  await w.seed(await startTestServer({ PARTA_SEND_RATE_PER_SEC: '100000' }));

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
      const chat = await w.classGroup(...extra);
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

  // Chats for the effect tests.
  fx.mute = (await w.classGroup()).id;
  fx.delete = (await w.classGroup({ personId: id.A1 })).id;
  fx.history = (await w.classGroup({ personId: id.ST1, role: 'admin' })).id;
  fx.owner = (await w.classGroup({ personId: id.ST1, role: 'admin' }, { personId: id.A1 })).id;
  fx.kick = (await w.classGroup()).id;
  fx.leave = (await w.classGroup()).id;
});

afterAll(async () => {
  await w.server?.close();
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
      organizationId: w.orgA,
      title: '5А',
      personIds: [id.S1, id.T1],
    });
    expect(roster).toMatchObject({ kind: 'group', purpose: 'class', myRole: 'owner', memberCount: 3 });
    const news = await as.A1.createChat({
      kind: 'channel',
      purpose: 'news',
      organizationId: w.orgA,
      title: 'Новости школы',
      personIds: [id.S1],
    });
    expect(news).toMatchObject({ kind: 'channel', purpose: 'news', myRole: 'owner' });
    const plain = await as.A1.createChat({ kind: 'group', organizationId: w.orgA, title: 'Кружок', personIds: [id.S1] });
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
