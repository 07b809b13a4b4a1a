import { describe, expect, it } from 'vitest';
import type { ChatKind, ChatPurpose, MemberRole, Role } from '@parta/protocol';
import {
  mayAddMember,
  mayAddressAll,
  mayBeAddedTo,
  mayCreateChat,
  mayCreateRosterChat,
  mayDeleteMessage,
  mayLeave,
  mayManageMembers,
  mayModerate,
  mayPin,
  maySeeMember,
  maySeePresence,
  mayStartDirect,
  onlookerOf,
  seesEveryMember,
  postRefusal,
  type Actor,
  type ChatFacts,
  type MemberFacts,
} from './chat-access.js';
import { DIRECT_GRID } from '../../../../tests/support/direct-chat-grid.js';

// The world: school A (org 100) with classes 1000 ("5А") and 1001 ("6Б"); school B (org 200) with class 2000.
// Officials belong to no organization. Expectations below are written from DESIGN.md ("The closed contour")
// and the JSDoc of each rule, not computed from the implementation.
const A = 100;
const B = 200;
const C5A = 1000;
const C6B = 1001;
const CB = 2000;

type Place = { role: Role; organizationId: number | null; classId: number | null };

function actor(personId: number, o: Partial<Omit<Actor, 'personId'>> = {}): Actor {
  return { personId, roles: [], teaching: [], children: [], ...o };
}

function role(r: Role, organizationId: number | null, classId: number | null = null): Place {
  return { role: r, organizationId, classId };
}

const S1 = actor(1, { roles: [role('student', A, C5A)] });
const S2 = actor(2, { roles: [role('student', A, C5A)] });
const S3 = actor(3, { roles: [role('student', A, C6B)] });
const SB = actor(4, { roles: [role('student', B, CB)] });

/** Every actor, by the short name used in the grids. */
const actors: Record<string, Actor> = {
  /** Student of 5А. */
  S1,
  /** Another student of 5А. */
  S2,
  /** Student of 6Б. */
  S3,
  /** Student of school B. */
  SB,
  /** Homeroom/subject teacher of 5А. */
  T1: actor(5, { roles: [role('teacher', A)], teaching: [{ classId: C5A, organizationId: A }] }),
  /** Teacher of school A teaching only 6Б. */
  T2: actor(6, { roles: [role('teacher', A)], teaching: [{ classId: C6B, organizationId: A }] }),
  /** Teacher of school B. */
  TB: actor(7, { roles: [role('teacher', B)], teaching: [{ classId: CB, organizationId: B }] }),
  /** Parent of S1. */
  P1: actor(8, { roles: [role('parent', A)], children: [{ personId: S1.personId, classId: C5A, organizationId: A }] }),
  /** Parent of S2 (another 5А student). */
  P2: actor(9, { roles: [role('parent', A)], children: [{ personId: S2.personId, classId: C5A, organizationId: A }] }),
  /** Parent of S3 (6Б). */
  P3: actor(10, { roles: [role('parent', A)], children: [{ personId: S3.personId, classId: C6B, organizationId: A }] }),
  /** School admin of A. */
  A1: actor(11, { roles: [role('school_admin', A)] }),
  /** Staff of A (role 'staff'). */
  ST1: actor(12, { roles: [role('staff', A)] }),
  /** School admin of B. */
  AB: actor(13, { roles: [role('school_admin', B)] }),
  /** Municipality official: no organization roles at all. */
  MO: actor(14),
  /** Region official: a role, but in no organization. */
  RO: actor(15, { roles: [role('region_official', null)] }),
  /** Teacher of 5А in school A who is also the parent of S3 (6Б). */
  TP: actor(16, {
    roles: [role('teacher', A), role('parent', A)],
    teaching: [{ classId: C5A, organizationId: A }],
    children: [{ personId: S3.personId, classId: C6B, organizationId: A }],
  }),
};

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

function chat(kind: ChatKind, o: Partial<ChatFacts> = {}): ChatFacts {
  return { kind, purpose: null, organizationId: A, allowComments: false, ...o };
}

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

describe('adding members: a school admin outside a chat adds others, never themselves', () => {
  const member = (r: MemberRole): MemberFacts => ({ role: r, mutedUntil: null });
  /** A1's account also holds a parent profile (person 111): adding it is adding themselves. */
  const A1_PARENT = 111;
  /** Who is asking, their standing in the chat (null = not a member), and their account's persons. */
  const askers: Record<string, [Actor, MemberFacts | null, number[]]> = {
    'chat owner': [actors.T1!, member('owner'), [actors.T1!.personId]],
    'chat admin': [actors.T1!, member('admin'), [actors.T1!.personId]],
    'plain member': [actors.T2!, member('member'), [actors.T2!.personId]],
    'school admin, a member': [actors.A1!, member('member'), [actors.A1!.personId, A1_PARENT]],
    'school admin, not a member': [actors.A1!, null, [actors.A1!.personId, A1_PARENT]],
    'other school’s admin, not a member': [actors.AB!, null, [actors.AB!.personId]],
  };
  /** Per asker: [add S1, add themselves, add their account's other person], in a group and in a channel; never in a direct chat. */
  const expected: Record<string, [boolean, boolean, boolean]> = {
    'chat owner': [true, true, true],
    'chat admin': [true, true, true],
    'plain member': [false, false, false],
    'school admin, a member': [true, true, true],
    'school admin, not a member': [true, false, false],
    'other school’s admin, not a member': [false, false, false],
  };

  it('covers every asker', () => {
    expect(Object.keys(expected)).toEqual(Object.keys(askers));
  });

  for (const [name, [a, m, own]] of Object.entries(askers)) {
    it(name, () => {
      for (const kind of ['group', 'channel'] as const) {
        const c = chat(kind);
        expect({
          kind,
          may: [S1.personId, a.personId, own[1] ?? a.personId].map((t) => mayAddMember(a, c, m, t, own)),
        }).toEqual({ kind, may: expected[name] });
      }
      expect([S1.personId, a.personId].map((t) => mayAddMember(a, chat('direct'), m, t, own))).toEqual([false, false]);
    });
  }

  it('keeps the rule in roster chats: the admin adds a teacher to the staff room, not themselves', () => {
    const staffRoom = chat('group', { purpose: 'staff_room' });
    const own = [actors.A1!.personId];
    expect(mayAddMember(actors.A1!, staffRoom, null, actors.T2!.personId, own)).toBe(true);
    expect(mayAddMember(actors.A1!, staffRoom, null, actors.A1!.personId, own)).toBe(false);
  });
});

describe('who sees whom in a chat (members, readers, presence)', () => {
  const chats: Record<string, ChatFacts> = {
    direct: chat('direct'),
    group: chat('group'),
    class: chat('group', { purpose: 'class' }),
    parents: chat('group', { purpose: 'class_parents' }),
    staff: chat('group', { purpose: 'staff_room' }),
    channel: chat('channel'),
    news: chat('channel', { purpose: 'news' }),
  };
  /**
   * Viewer → target, per chat of school A (direct, group, class, parents, staff, channel, news). In direct chats
   * and plain groups everyone sees everyone; in roster chats and channels students and parents see only whom the
   * directory lets them see (staff, their class, their children's class, their own family; a parent also the
   * parents of their children's classmates); teachers, admins and staff see all.
   */
  const ROWS: [string, string, string][] = [
    ['S1', 'S2', '1111111'],
    ['S1', 'S3', '1100000'],
    ['S1', 'P1', '1111111'],
    ['S1', 'P2', '1100000'],
    ['S1', 'T2', '1111111'],
    ['S1', 'ST1', '1111111'],
    ['S1', 'A1', '1111111'],
    ['S3', 'TP', '1111111'],
    ['P1', 'S2', '1111111'],
    ['P1', 'S3', '1100000'],
    ['P1', 'P2', '1111111'],
    ['P1', 'P3', '1100000'],
    ['P3', 'TP', '1111111'],
    ['T1', 'S3', '1111111'],
    ['T1', 'P3', '1111111'],
    ['T2', 'S1', '1111111'],
    ['A1', 'P2', '1111111'],
    ['ST1', 'S3', '1111111'],
    ['TP', 'S1', '1111111'],
    ['SB', 'S1', '1100000'],
    ['AB', 'P1', '1100000'],
    ['MO', 'S1', '1100000'],
  ];
  for (const [v, t, want] of ROWS) {
    it(`${v} → ${t}`, () => {
      const viewer = onlookerOf([actors[v]!.personId], [actors[v]!]);
      const got = Object.values(chats)
        .map((c) => (maySeeMember(viewer, c, actors[t]!) ? '1' : '0'))
        .join('');
      expect(got).toBe(want);
      // Seeing everyone is the shortcut of seeing each: where it holds, every target is seen.
      for (const c of Object.values(chats))
        if (seesEveryMember(viewer, c)) expect(Object.values(actors).every((t) => maySeeMember(viewer, c, t))).toBe(true);
    });
  }

  it('sees every member: in direct chats and plain groups everyone, elsewhere the school’s staff only', () => {
    const every = (n: string) =>
      Object.values(chats)
        .map((c) => (seesEveryMember(onlookerOf([actors[n]!.personId], [actors[n]!]), c) ? '1' : '0'))
        .join('');
    expect(Object.fromEntries(['S1', 'P1', 'T1', 'A1', 'ST1', 'TP', 'AB', 'MO'].map((n) => [n, every(n)]))).toEqual({
      S1: '1100000',
      P1: '1100000',
      T1: '1111111',
      A1: '1111111',
      ST1: '1111111',
      TP: '1111111',
      AB: '1100000',
      MO: '1100000',
    });
  });

  it('presence: only through a chat that shows the person, or of oneself', () => {
    const s1 = onlookerOf([S1.personId], [S1]);
    expect(maySeePresence(s1, S3, [chats.news!])).toBe(false);
    expect(maySeePresence(s1, S3, [chats.news!, chats.class!])).toBe(false);
    expect(maySeePresence(s1, S3, [chats.news!, chats.group!])).toBe(true);
    expect(maySeePresence(s1, S2, [chats.news!])).toBe(true);
    expect(maySeePresence(s1, S3, [])).toBe(false);
    expect(maySeePresence(s1, S1, [])).toBe(true);
    expect(maySeePresence(onlookerOf([actors.T1!.personId], [actors.T1!]), S3, [chats.news!])).toBe(true);
    expect(maySeePresence(onlookerOf([actors.T1!.personId], [actors.T1!]), S3, [])).toBe(false);
  });
});
