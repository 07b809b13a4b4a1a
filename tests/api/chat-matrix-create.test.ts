import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '@parta/testkit';
import { ACTORS, attempt, matrixWorld, outcome, parseGrid, type Name } from '../support/chat-matrix.js';

/*
 * The chat matrix, creating chats: who may create which chat in which school, and whom they may put in it. The world, its actors and how an answer is read are in tests/support/chat-matrix.ts.
 */

const w = matrixWorld();
const { id, as } = w;

beforeAll(async () => {
  // The matrix seeds many messages from the same accounts at once; the send rate limit is not under test.
  await w.seed(await startTestServer({ PARTA_SEND_RATE_PER_SEC: '100000' }));
});

afterAll(async () => {
  await w.server?.close();
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
    'group@A': () => ({ kind: 'group', org: w.orgA }),
    'channel@A': () => ({ kind: 'channel', org: w.orgA }),
    'group@B': () => ({ kind: 'group', org: w.orgB }),
    'class@A': () => ({ kind: 'group', org: w.orgA, purpose: 'class' }),
    'news@A': () => ({ kind: 'channel', org: w.orgA, purpose: 'news' }),
    'news@B': () => ({ kind: 'channel', org: w.orgB, purpose: 'news' }),
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
    const chat = await as.T1.createChat({ kind: 'group', organizationId: w.orgA, title: 'Проект', personIds: [id.S1] });
    expect(chat.memberCount).toBe(2);
    const adminsChat = await as.A1.createChat({ kind: 'group', organizationId: w.orgA, title: 'Совет' });
    expect({
      'T1 creates with SB': await outcome(
        as.T1.createChat({ kind: 'group', organizationId: w.orgA, title: 'x', personIds: [id.SB] }),
      ),
      'T1 creates with TB': await outcome(
        as.T1.createChat({ kind: 'group', organizationId: w.orgA, title: 'x', personIds: [id.TB] }),
      ),
      'T1 creates with MO': await outcome(
        as.T1.createChat({ kind: 'group', organizationId: w.orgA, title: 'x', personIds: [id.MO] }),
      ),
      'T1 creates with S2 and AB': await outcome(
        as.T1.createChat({ kind: 'group', organizationId: w.orgA, title: 'x', personIds: [id.S2, id.AB] }),
      ),
      'T1 adds SB': await outcome(as.T1.addMembers(chat.id, [id.SB])),
      'T1 adds RO': await outcome(as.T1.addMembers(chat.id, [id.RO])),
      'A1 adds AB': await outcome(as.A1.addMembers(adminsChat.id, [id.AB])),
      'A1 adds P1 and TB': await outcome(as.A1.addMembers(adminsChat.id, [id.P1, id.TB])),
      'TB creates in B with S1': await outcome(
        as.TB.createChat({ kind: 'group', organizationId: w.orgB, title: 'x', personIds: [id.S1] }),
      ),
      // A class of another school is not found in this one.
      'T1 creates with class of B': await outcome(
        as.T1.createChat({ kind: 'group', organizationId: w.orgA, title: 'x', classIds: [w.classB] }),
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
