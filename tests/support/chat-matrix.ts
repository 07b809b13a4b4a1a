import type { TestServer } from '@parta/testkit';
import { PartaError, type PartaClient } from '@parta/sdk';
import type { MemberRole } from '@parta/protocol';

/*
 * The world of the chat matrix (tests/api/chat-matrix-*.test.ts): the closed contour for conversations, through
 * the real HTTP API and the SDK (which validates every answer against the protocol). The actors are those of the
 * pure matrix in packages/server/src/domain/chat-access.test.ts; expectations are written from DESIGN.md ("The
 * closed contour") and the JSDoc of chat-access.ts, and — for how a refusal is answered — from chat.service.ts:
 * a caller who is not a member of the chat gets 404 not_found (the chat "does not exist" for them), a member
 * or creator refused by a rule gets 403 forbidden.
 *
 * The world: school A with classes 5А and 6Б, school B with one class, in one municipality each of one region.
 */

/** The sixteen actors, in the order of the grids' rows and columns. */
export const ACTORS = ['S1', 'S2', 'S3', 'SB', 'T1', 'T2', 'TB', 'P1', 'P2', 'P3', 'A1', 'ST1', 'AB', 'MO', 'RO', 'TP'] as const;
/** One actor's name. */
export type Name = (typeof ACTORS)[number];

/** One hour in milliseconds (mutes). */
export const HOUR = 60 * 60 * 1000;
let sent = 0;
/** A client id no other message of this worker has. */
export const clientId = () => `matrix-${process.pid}-${++sent}`;

/** Sends a message and answers its position in the log. */
export async function post(c: PartaClient, chatId: number, text: string, extra: { replyToSeq?: number } = {}): Promise<number> {
  return (await c.sendMessage(chatId, { clientId: clientId(), text, ...extra })).seq;
}

/** 'ok' with the answer, or '403' (forbidden), '404' (not_found), or the unexpected status, code and message. */
export async function attempt<T>(p: Promise<T>): Promise<{ outcome: string; value?: T }> {
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
export async function outcome(p: Promise<unknown>): Promise<string> {
  return (await attempt(p)).outcome;
}

/** Parses a grid with a header row of column names into rows of { column: cell }, in order. */
export function parseGrid(
  text: string,
  allowed: readonly string[],
): { columns: string[]; rows: [string, Record<string, string>][] } {
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

/** A member to put into a chat built for a test. */
export type MemberSpec = { personId: number; role?: MemberRole };

/**
 * The seeded world of one test file. The records are filled in place by `seed`, so a file may destructure
 * `id` and `as` at load time and read them in its tests.
 */
export interface MatrixWorld {
  /** The file's test server (set by `seed`). */
  server: TestServer;
  /** Person id of each actor. */
  id: Record<Name, number>;
  /** A signed-in client of each actor. */
  as: Record<Name, PartaClient>;
  orgA: number;
  orgB: number;
  classB: number;
  /** A person of school A with no role left anywhere (a roster person whose memberships are gone). */
  roleless: number;
  /** Builds the schools, classes and actors on the file's one test server (started in its beforeAll). */
  seed(server: TestServer): Promise<void>;
  /** A group chat of school A made by T1 with S1, S2 and T2, plus `extra`. */
  classGroup(...extra: MemberSpec[]): Promise<{ id: number }>;
}

/** An empty world for one test file; its beforeAll starts a test server and calls `seed`, its afterAll closes it. */
export function matrixWorld(): MatrixWorld {
  const w: MatrixWorld = {
    server: undefined as unknown as TestServer,
    id: {} as Record<Name, number>,
    as: {} as Record<Name, PartaClient>,
    orgA: 0,
    orgB: 0,
    classB: 0,
    roleless: 0,
    async seed(server) {
      w.server = server;
      const b = server.build;
      const region = await b.region();
      const munA = await b.municipality({ regionId: region.id });
      const munB = await b.municipality({ regionId: region.id });
      const a = await b.school({ municipalityId: munA.id });
      const bb = await b.school({ municipalityId: munB.id });
      w.orgA = a.id;
      w.orgB = bb.id;
      const c5A = await b.schoolClass({ organizationId: w.orgA, grade: 5, letter: 'А' });
      const c6B = await b.schoolClass({ organizationId: w.orgA, grade: 6, letter: 'Б' });
      const cB = await b.schoolClass({ organizationId: w.orgB, grade: 5, letter: 'А' });
      w.classB = cB.id;

      const withRole = async (o: Omit<Parameters<typeof b.membership>[0], 'personId'>) => {
        const p = await b.person();
        await b.membership({ personId: p.id, ...o });
        return p;
      };
      const S1 = await b.student(c5A);
      const S2 = await b.student(c5A);
      const S3 = await b.student(c6B);
      const SB = await b.student(cB);
      const TP = await b.teacher(w.orgA, [{ id: c5A.id, subject: 'Физкультура' }]);
      await b.membership({ personId: TP.id, role: 'parent', organizationId: w.orgA });
      await server.store.db.insertInto('guardianships').values({ parentPersonId: TP.id, studentPersonId: S3.id }).execute();
      const people: Record<Name, { id: number; login: string | null }> = {
        S1,
        S2,
        S3,
        SB,
        T1: await b.teacher(w.orgA, [{ id: c5A.id, homeroom: true }]),
        T2: await b.teacher(w.orgA, [{ id: c6B.id }]),
        TB: await b.teacher(w.orgB, [{ id: cB.id, homeroom: true }]),
        P1: await b.parent(w.orgA, [S1]),
        P2: await b.parent(w.orgA, [S2]),
        P3: await b.parent(w.orgA, [S3]),
        A1: await withRole({ role: 'school_admin', organizationId: w.orgA }),
        ST1: await withRole({ role: 'staff', organizationId: w.orgA }),
        AB: await withRole({ role: 'school_admin', organizationId: w.orgB }),
        MO: await withRole({ role: 'municipality_official', municipalityId: munA.id }),
        RO: await withRole({ role: 'region_official', regionId: region.id }),
        TP,
      };
      for (const n of ACTORS) {
        w.id[n] = people[n].id;
        w.as[n] = await server.login(people[n].login!);
      }
      w.roleless = (await b.person({ login: null })).id;
    },
    classGroup(...extra) {
      return w.server.build.chat({
        organizationId: w.orgA,
        kind: 'group',
        title: '5А математика',
        members: [
          { personId: w.id.T1, role: 'owner' },
          { personId: w.id.S1 },
          { personId: w.id.S2 },
          { personId: w.id.T2 },
          ...extra,
        ],
      });
    },
  };
  return w;
}
