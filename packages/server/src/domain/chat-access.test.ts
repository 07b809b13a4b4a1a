import { describe, expect, it } from 'vitest';
import type { ChatKind, ChatPurpose, MemberRole } from '@parta/protocol';
import {
  mayAddressAll,
  mayBeAddedTo,
  mayCreateChat,
  mayCreateRosterChat,
  mayDeleteMessage,
  mayLeave,
  mayManageMembers,
  mayModerate,
  mayPin,
  mayStartDirect,
  postRefusal,
  type Actor,
  type ChatFacts,
  type MemberFacts,
} from './chat-access.js';
import { A, B, S1, S2, actors, chat } from '../../../../tests/support/chat-actors.js';
import { DIRECT_GRID } from '../../../../tests/support/direct-chat-grid.js';

// The actors and chats are those of tests/support/chat-actors.ts. Expectations below are written from DESIGN.md
// ("The closed contour") and the JSDoc of each rule, not computed from the implementation.

/** Parses a 0/1 grid with a header row of column names into rows of { column: boolean }. */
function parseGrid(grid: string): { columns: string[]; rows: Map<string, Record<string, boolean>> } {
  const lines = grid
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/));
  const [columns = [], ...body] = lines;
  const rows = new Map<string, Record<string, boolean>>();
  for (const [name = '', ...cells] of body) {
    if (cells.length !== columns.length) throw new Error(`row ${name}: ${cells.length} cells for ${columns.length} columns`);
    if (rows.has(name)) throw new Error(`row ${name} appears twice`);
    const row: Record<string, boolean> = {};
    cells.forEach((c, i) => {
      if (c !== '0' && c !== '1') throw new Error(`row ${name}: cell "${c}" is not 0 or 1`);
      row[columns[i]!] = c === '1';
    });
    rows.set(name, row);
  }
  return { columns, rows };
}

const direct = parseGrid(DIRECT_GRID);
const names = Object.keys(actors);

describe('mayStartDirect matrix', () => {
  it('covers every ordered pair of actors exactly once', () => {
    expect(direct.columns).toEqual(names);
    expect([...direct.rows.keys()]).toEqual(names);
    const pairs = [...direct.rows.values()].reduce((n, row) => n + Object.keys(row).length, 0);
    expect(pairs).toBe(names.length * names.length);
    expect(new Set(names.map((n) => actors[n]!.personId)).size).toBe(names.length);
  });

  for (const initiator of names) {
    it(`${initiator} → every target`, () => {
      const got: Record<string, boolean> = {};
      for (const target of names) got[target] = mayStartDirect(actors[initiator]!, actors[target]!);
      expect(got).toEqual(direct.rows.get(initiator));
    });
  }

  it('never lets anyone start a chat with themselves, whatever their roles', () => {
    for (const n of names) expect(mayStartDirect(actors[n]!, actors[n]!)).toBe(false);
  });
});

describe('creating chats and joining them', () => {
  /** [group/channel in A, group/channel in B, roster chat in A, roster chat in B, may be added to A, to B]. */
  const expected: Record<string, [boolean, boolean, boolean, boolean, boolean, boolean]> = {
    S1: [false, false, false, false, true, false],
    S2: [false, false, false, false, true, false],
    S3: [false, false, false, false, true, false],
    SB: [false, false, false, false, false, true],
    T1: [true, false, false, false, true, false],
    T2: [true, false, false, false, true, false],
    TB: [false, true, false, false, false, true],
    P1: [false, false, false, false, true, false],
    P2: [false, false, false, false, true, false],
    P3: [false, false, false, false, true, false],
    A1: [true, false, true, false, true, false],
    ST1: [false, false, false, false, true, false],
    AB: [false, true, false, true, false, true],
    MO: [false, false, false, false, false, false],
    RO: [false, false, false, false, false, false],
    TP: [true, false, false, false, true, false],
  };

  it('covers every actor', () => {
    expect(Object.keys(expected)).toEqual(names);
  });

  for (const name of names) {
    it(name, () => {
      const a = actors[name]!;
      expect([
        mayCreateChat(a, A),
        mayCreateChat(a, B),
        mayCreateRosterChat(a, A),
        mayCreateRosterChat(a, B),
        mayBeAddedTo(a, A),
        mayBeAddedTo(a, B),
      ]).toEqual(expected[name]);
    });
  }
});

const NOW = 1_700_000_000_000;
const MUTED = 'you are muted in this chat';
const READONLY = 'you may only read this chat';
const COMMENT_ONLY = 'in this channel members may only comment (reply to a post)';
const OWNERS_ONLY = 'only the channel’s owners and admins post here';

describe('postRefusal', () => {
  const chats: Record<string, ChatFacts> = {
    direct: chat('direct'),
    group: chat('group'),
    channel: chat('channel'),
    'channel+comments': chat('channel', { allowComments: true }),
  };
  const mutes: Record<string, number | null> = { none: null, past: NOW - 1, future: NOW + 60_000 };
  const codes: Record<string, string | null> = { ok: null, M: MUTED, R: READONLY, C: COMMENT_ONLY, O: OWNERS_ONLY };

  /**
   * Row = member role / chat; columns = a new post or a reply, each unmuted, muted in the past, muted now.
   * ok = may post; M = muted; R = read-only member; C = channel member may only reply; O = channel without comments.
   */
  const GRID = `
                             post:none  post:past  post:future  reply:none  reply:past  reply:future
    owner/direct             ok         ok         M            ok          ok          M
    owner/group              ok         ok         M            ok          ok          M
    owner/channel            ok         ok         M            ok          ok          M
    owner/channel+comments   ok         ok         M            ok          ok          M
    admin/direct             ok         ok         M            ok          ok          M
    admin/group              ok         ok         M            ok          ok          M
    admin/channel            ok         ok         M            ok          ok          M
    admin/channel+comments   ok         ok         M            ok          ok          M
    member/direct            ok         ok         M            ok          ok          M
    member/group             ok         ok         M            ok          ok          M
    member/channel           O          O          M            O           O           M
    member/channel+comments  C          C          M            ok          ok          M
    readonly/direct          R          R          M            R           R           M
    readonly/group           R          R          M            R           R           M
    readonly/channel         R          R          M            R           R           M
    readonly/channel+comments R         R          M            R           R           M
  `;
  const [header = [], ...rows] = GRID.trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/));
  const roles: readonly MemberRole[] = ['owner', 'admin', 'member', 'readonly'];

  it('covers every member role × chat × reply × mute', () => {
    const cells = rows.flatMap(([rowName = '', ...rest]) => rest.map((_, i) => `${rowName}/${header[i]}`));
    const all = roles.flatMap((r) =>
      Object.keys(chats).flatMap((c) => ['post', 'reply'].flatMap((p) => Object.keys(mutes).map((m) => `${r}/${c}/${p}:${m}`))),
    );
    expect(cells.sort()).toEqual(all.sort());
  });

  for (const [rowName = '', ...cells] of rows) {
    it(rowName, () => {
      const [memberRole, chatName] = rowName.split('/') as [MemberRole, string];
      const got: Record<string, string | null> = {};
      const want: Record<string, string | null> = {};
      header.forEach((col, i) => {
        const [post, mute] = col.split(':') as [string, string];
        const member: MemberFacts = { role: memberRole, mutedUntil: mutes[mute]! };
        got[col] = postRefusal(chats[chatName]!, member, NOW, post === 'reply');
        want[col] = codes[cells[i]!]!;
      });
      expect(got).toEqual(want);
    });
  }
});

describe('addressing everybody', () => {
  const c = chat('group');
  /**
   * Per actor in a chat of school A: [as owner, as admin, as member, as readonly].
   * Chat owners/admins always may; otherwise only teachers and admins of the chat's school.
   * Note: the JSDoc says "the school's staff", but ST1 (role 'staff') is not granted it — pinned as implemented.
   */
  const expected: Record<string, [boolean, boolean, boolean, boolean]> = {
    S1: [true, true, false, false],
    P1: [true, true, false, false],
    T1: [true, true, true, true],
    T2: [true, true, true, true],
    TP: [true, true, true, true],
    A1: [true, true, true, true],
    ST1: [true, true, false, false],
    TB: [true, true, false, false],
    AB: [true, true, false, false],
    MO: [true, true, false, false],
  };
  for (const [name, want] of Object.entries(expected)) {
    it(name, () => {
      const a = actors[name]!;
      const roles: readonly MemberRole[] = ['owner', 'admin', 'member', 'readonly'];
      expect(roles.map((r) => mayAddressAll(a, c, { role: r, mutedUntil: null }))).toEqual(want);
    });
  }
});

describe('deleting a message for everyone', () => {
  // A message written by S1 in a group of school A.
  const c = chat('group');
  const author = S1.personId;
  const expected: [string, Actor, boolean][] = [
    ['the author', S1, true],
    ['a school admin of the chat’s school', actors.A1!, true],
    ['an admin of another school', actors.AB!, false],
    ['another member (a student)', S2, false],
    ['another member (a teacher of the class)', actors.T1!, false],
    ['another member (staff)', actors.ST1!, false],
    ['the author’s parent', actors.P1!, false],
  ];
  for (const [who, a, want] of expected) {
    it(who, () => {
      expect(mayDeleteMessage(a, c, author)).toBe(want);
    });
  }
  it('lets a school B admin delete in a school B chat but not in school A', () => {
    expect(mayDeleteMessage(actors.AB!, chat('group', { organizationId: B }), author)).toBe(true);
    expect(mayDeleteMessage(actors.A1!, chat('group', { organizationId: B }), author)).toBe(false);
  });
});

describe('moderating, pinning and managing members', () => {
  const member = (r: MemberRole): MemberFacts => ({ role: r, mutedUntil: null });
  /** Who is asking, and their standing in the chat (null = not a member). */
  const askers: Record<string, [Actor, MemberFacts | null]> = {
    owner: [actors.T1!, member('owner')],
    admin: [actors.T1!, member('admin')],
    member: [actors.T1!, member('member')],
    readonly: [actors.T1!, member('readonly')],
    'school admin, not a member': [actors.A1!, null],
    'other school’s admin, not a member': [actors.AB!, null],
    'null member': [actors.T1!, null],
  };
  const kinds: readonly ChatKind[] = ['direct', 'group', 'channel'];
  /** Per asker, per chat kind (direct, group, channel): [moderate, pin, manage members]. */
  const expected: Record<string, Record<ChatKind, [boolean, boolean, boolean]>> = {
    owner: { direct: [true, true, false], group: [true, true, true], channel: [true, true, true] },
    admin: { direct: [true, true, false], group: [true, true, true], channel: [true, true, true] },
    member: { direct: [false, true, false], group: [false, false, false], channel: [false, false, false] },
    readonly: { direct: [false, true, false], group: [false, false, false], channel: [false, false, false] },
    'school admin, not a member': {
      direct: [true, false, false],
      group: [true, true, true],
      channel: [true, true, true],
    },
    'other school’s admin, not a member': {
      direct: [false, false, false],
      group: [false, false, false],
      channel: [false, false, false],
    },
    'null member': { direct: [false, false, false], group: [false, false, false], channel: [false, false, false] },
  };

  it('covers every asker', () => {
    expect(Object.keys(expected)).toEqual(Object.keys(askers));
  });

  for (const [name, [a, m]] of Object.entries(askers)) {
    it(name, () => {
      const got: Record<string, [boolean, boolean, boolean]> = {};
      for (const k of kinds) {
        const c = chat(k);
        got[k] = [mayModerate(a, c, m), mayPin(a, c, m), mayManageMembers(a, c, m)];
      }
      expect(got).toEqual(expected[name]);
    });
  }
});

describe('leaving a chat', () => {
  const expected: [ChatKind, ChatPurpose | null, boolean][] = [
    ['direct', null, false],
    ['group', null, true],
    ['channel', null, true],
    ['group', 'class', false],
    ['group', 'class_parents', false],
    ['group', 'staff_room', false],
    ['channel', 'news', false],
  ];
  for (const [kind, purpose, want] of expected) {
    it(`${kind}${purpose === null ? '' : ` (${purpose})`}`, () => {
      expect(mayLeave(chat(kind, { purpose }))).toBe(want);
    });
  }
});
