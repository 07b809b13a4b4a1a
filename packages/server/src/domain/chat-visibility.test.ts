import { describe, expect, it } from 'vitest';
import type { Actor, ChatFacts, MemberFacts } from './chat-access.js';
import { mayAddMember, maySeeMember, maySeePresence, onlookerOf, seesEveryMember } from './chat-access.js';
import type { MemberRole } from '@parta/protocol';
import { S1, S2, S3, actors, chat } from '../../../../tests/support/chat-actors.js';

// Who may add whom, and who sees whom by name in a chat: the rules of issue 10 (items 2 and 6), over the actors of
// the chat-rule matrix. Expectations are written from the README's closed contour, not computed from the rules.

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
