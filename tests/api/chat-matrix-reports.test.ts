import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '@parta/testkit';

import { matrixWorld, outcome, parseGrid, post, type Name } from '../support/chat-matrix.js';

/*
 * The chat matrix, reports and search: who sees and resolves a school's reports, and whose messages a
 * search finds. The world, its actors and how an answer is read are in tests/support/chat-matrix.ts.
 */

const w = matrixWorld();
const { id, as } = w;

/** Chats for the report and search tests. */
const fx = {
  report: 0,
  searchA: 0,
  searchB: 0,
};

beforeAll(async () => {
  // The matrix seeds many messages from the same accounts at once; the send rate limit is not under test.
  await w.seed(await startTestServer({ PARTA_SEND_RATE_PER_SEC: '100000' }));

  fx.report = (await w.classGroup()).id;
  fx.searchA = (
    await w.server.build.chat({
      organizationId: w.orgA,
      title: '5А',
      members: [{ personId: id.T1, role: 'owner' }, { personId: id.S1 }, { personId: id.S2 }],
    })
  ).id;
  fx.searchB = (
    await w.server.build.chat({
      organizationId: w.orgA,
      title: '6Б',
      members: [{ personId: id.T2, role: 'owner' }, { personId: id.S3 }],
    })
  ).id;
  await post(as.T1, fx.searchA, 'Экскурсия в планетарий в пятницу');
  await post(as.T2, fx.searchB, 'Экскурсия в зоопарк в субботу');
  await w.server.parta.search.drain();
});

afterAll(async () => {
  await w.server?.close();
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
      expect({ queue: await outcome(c.reports(w.orgA)), resolve: await outcome(c.resolveReport(reportId, 'dismissed')) }).toEqual(
        expected,
      );
    });
  }

  it('school B’s admin sees their own queue, without school A’s reports', async () => {
    expect((await as.AB.reports(w.orgB, true)).reports.map((r) => r.organizationId).filter((o) => o !== w.orgB)).toEqual([]);
  });

  it('school A’s admin sees the report and resolves it once', async () => {
    const open = (await as.A1.reports(w.orgA)).reports.find((r) => r.id === reportId);
    expect(open).toMatchObject({
      chatId: fx.report,
      organizationId: w.orgA,
      reporterPersonId: id.S1,
      reason: 'оскорбление',
      resolvedAt: null,
      resolution: null,
      message: { seq, senderPersonId: id.S2, text: 'Оскорбительное сообщение' },
    });
    await as.A1.resolveReport(reportId, 'deleted');
    expect((await outcome(as.A1.resolveReport(reportId, 'dismissed'))).startsWith('409 conflict')).toBe(true);
    expect((await as.A1.reports(w.orgA)).reports.map((r) => r.id)).not.toContain(reportId);
    expect((await as.A1.reports(w.orgA, true)).reports.find((r) => r.id === reportId)).toMatchObject({ resolution: 'deleted' });
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
