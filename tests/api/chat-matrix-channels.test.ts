import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '@parta/testkit';

import { matrixWorld, outcome, parseGrid, post, type Name } from '../support/chat-matrix.js';

/*
 * The chat matrix, channels: who posts and who replies, with comments and without. The world, its actors and how an answer is read are in tests/support/chat-matrix.ts.
 */

const w = matrixWorld();
const { id, as } = w;

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

beforeAll(async () => {
  // The matrix seeds many messages from the same accounts at once; the send rate limit is not under test.
  await w.seed(await startTestServer({ PARTA_SEND_RATE_PER_SEC: '100000' }));

  // Channels.
  for (const [name, allowComments] of [
    ['plain', false],
    ['comments', true],
  ] as const) {
    const ch = await w.server.build.chat({
      organizationId: w.orgA,
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
});

afterAll(async () => {
  await w.server?.close();
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
    const ch = await as.T1.createChat({ kind: 'channel', organizationId: w.orgA, title: 'Расписание', allowComments: true });
    expect(ch).toMatchObject({ kind: 'channel', allowComments: true, myRole: 'owner', canPost: true });
    expect((await as.T1.addMembers(ch.id, [id.P1, id.S1])).added.sort((p, q) => p - q)).toEqual(
      [id.P1, id.S1].sort((p, q) => p - q),
    );
    const roles = Object.fromEntries((await as.T1.members(ch.id)).members.map((m) => [m.personId, m.role]));
    expect(roles).toEqual({ [id.T1]: 'owner', [id.P1]: 'readonly', [id.S1]: 'readonly' });
    expect(await outcome(post(as.P1, ch.id, 'Вопрос'))).toBe('403');
  });
});
