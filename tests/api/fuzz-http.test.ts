import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestServer, type TestServer } from '@parta/testkit';
import { Emoji, IdParam, Login } from '@parta/protocol';
import { anyString, arbitraryOf, bodyText, SPECIAL_STRINGS, type Pools } from '../support/fuzz.js';
import { contractBreach, EMOJI, encodeParam, PARAMS, ROUTES, type RouteInput } from '../support/fuzz-routes.js';

/**
 * A property-based fuzzer over every HTTP route of one running server: bodies, path parameters and
 * query strings shaped by the protocol's schemas (with the server's real ids) and hostile ones
 * (arbitrary JSON and text, prototype keys, huge numbers, unicode), sent by signed-in people of
 * several roles, by an outsider and without a token. Every answer must be below 500, every error an
 * `ErrorBody` whose code travels with its status; afterwards the server still serves.
 * `PARTA_FUZZ_RUNS` raises the runs per route, `PARTA_FUZZ_SEED` replays another seed.
 */

const RUNS = Number(process.env.PARTA_FUZZ_RUNS ?? 40);
const SEED = Number(process.env.PARTA_FUZZ_SEED ?? 10_2026);
const METRICS_TOKEN = 'fuzz-metrics-token-0123456789';
/** Time for one route's property: runs add up on a busy machine and on PostgreSQL. */
const TIMEOUT_MS = 30_000 + RUNS * 300;

let server: TestServer;
let pools: Pools;
/** Signed-in people of several roles, an outsider from another school, and nobody. */
const actors: { name: string; login: string | null; token: string | null }[] = [];
/** Real ids by what a path's `:id` names (the segment before it), so that valid-shaped paths name real things. */
const known: Record<'chats' | 'organizations' | 'classes' | 'reports' | 'sessions' | 'persons', number[]> = {
  chats: [],
  organizations: [],
  classes: [],
  reports: [],
  sessions: [],
  persons: [],
};
/** The seeded data that `refresh` tops up between routes. */
let fx: { school: number; teacher: string; student: string; members: number[]; foreign: number };
/** Every failure, for the summary test. */
const failures: string[] = [];
const unhandled: unknown[] = [];
/** Answers per route and status: the fuzzer must get past validation, not only be refused by it. */
const statuses: Record<string, Record<number, number>> = {};
const onUnhandled = (reason: unknown) => unhandled.push(reason);
let sent = 0;

async function signIn(actor: (typeof actors)[number]): Promise<void> {
  if (actor.login) actor.token = (await server.login(actor.login)).token!;
}

async function signInAll(): Promise<void> {
  for (const a of actors) await signIn(a);
}

/**
 * Undoes what earlier routes' fuzzing used up, so that every route meets live data: members back
 * in the group, fresh messages (their positions join the pool), a fresh report, fresh sessions.
 */
async function refresh(): Promise<void> {
  await signInAll();
  const t = await server.login(fx.teacher);
  const s = await server.login(fx.student);
  // Fresh chats each time: earlier routes may have removed the teacher from the old ones.
  const group = await t.createChat({
    kind: 'group',
    organizationId: fx.school,
    title: `Фаззинг ${++sent}`,
    personIds: fx.members,
  });
  const channel = await t.createChat({
    kind: 'channel',
    organizationId: fx.school,
    title: `Канал ${sent}`,
    personIds: [fx.members[0]!],
    allowComments: true,
  });
  // (A failure to open the direct chat is the fuzzer's finding on its own route, not this one's.)
  const direct = await t.openDirect(fx.members[0]!).catch(() => null);
  const live = [group.id, channel.id, ...(direct ? [direct.id] : [])];
  const seqs = new Set<number>();
  for (const chat of live) {
    for (let i = 0; i < 2; i++) {
      seqs.add((await t.sendMessage(chat, { clientId: `fuzz-seed-${++sent}`, text: `Сообщение ${sent}` })).seq);
    }
  }
  const own = (await s.sendMessage(group.id, { clientId: `fuzz-seed-${++sent}`, text: `Ответ ${sent}` })).seq;
  await t.react(group.id, own, '👍');
  known.reports = [...known.reports.slice(-3), (await s.report(group.id, own, 'Спам')).reportId];
  known.sessions = (await t.sessions()).sessions.map((x) => x.id);
  known.chats = [...new Set([...live, fx.foreign, ...known.chats])].slice(0, 8);
  pools.seqs = [1, 2, 3, ...seqs, own];
  pools.byField = {
    organizationId: known.organizations,
    chatId: known.chats,
    personId: known.persons,
    personIds: known.persons,
    mentions: known.persons,
    classIds: known.classes,
    seq: pools.seqs,
    replyToSeq: pools.seqs,
  };
}

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  // Limits are not what this file is about: the fuzzer must reach the code behind them.
  const high = '1000000';
  server = await startTestServer({
    PARTA_SEND_RATE_PER_SEC: high,
    PARTA_LOGIN_RATE_PER_MIN: high,
    PARTA_REACTION_RATE_PER_MIN: high,
    PARTA_EDIT_RATE_PER_MIN: high,
    PARTA_REPORT_RATE_PER_MIN: high,
    PARTA_METRICS_TOKEN: METRICS_TOKEN,
  });
  const b = server.build;
  const school = await b.school();
  const cls = await b.schoolClass({ organizationId: school.id });
  const teacher = await b.teacher(school.id, [{ id: cls.id, homeroom: true }]);
  await b.membership({ personId: teacher.id, role: 'school_admin', organizationId: school.id });
  const student = await b.student(cls);
  const other = await b.student(cls);
  const parent = await b.parent(school.id, [student]);
  const elsewhere = await b.school();
  const outsider = await b.teacher(elsewhere.id);
  const members = [student.id, other.id, parent.id];
  const foreign = await b.chat({ organizationId: elsewhere.id, members: [{ personId: outsider.id }] });
  fx = { school: school.id, teacher: teacher.login!, student: student.login!, members, foreign: foreign.id };
  known.chats.push(foreign.id);
  known.organizations.push(school.id, elsewhere.id);
  known.classes.push(cls.id);
  known.persons.push(teacher.id, student.id, other.id, parent.id, outsider.id);
  actors.push(
    { name: 'homeroom teacher and school admin', login: teacher.login!, token: null },
    { name: 'student', login: student.login!, token: null },
    { name: 'parent', login: parent.login!, token: null },
    { name: 'teacher of another school', login: outsider.login!, token: null },
    { name: 'nobody', login: null, token: null },
    { name: 'a forged token', login: null, token: 'forged-token-that-no-session-has' },
  );
  pools = {
    ids: Object.values(known).flat(),
    seqs: [1, 2, 3],
    overrides: new Map<z.ZodType, fc.Arbitrary<unknown>>([
      [Emoji, fc.constantFrom(...EMOJI)],
      [Login, fc.constantFrom(teacher.login!, student.login!, parent.login!, outsider.login!)],
    ]),
  };
  await refresh();
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await server?.close();
});

/** One request as the fuzzer sends it. */
interface Request {
  actor: number;
  path: string;
  query: string;
  body: string | null;
  contentType: string | null;
}

/** A path parameter: a valid-shaped one (real ids among them) or any text, percent-encoded. */
function paramArbitrary(name: string): fc.Arbitrary<string> {
  const schema = PARAMS[name] ?? IdParam;
  return fc
    .oneof(
      { arbitrary: arbitraryOf(schema, pools).map(String), weight: 4 },
      { arbitrary: anyString(30), weight: 2 },
      {
        arbitrary: fc.constantFrom('0', '-1', '1.5', '1e3', '0x10', '99999999999999999999', '9007199254740993', '2147483648'),
        weight: 1,
      },
    )
    .map(encodeParam);
}

/** A query string shaped by the route's schema. */
function shapedQuery(schema: z.ZodType): fc.Arbitrary<string> {
  return arbitraryOf(schema, pools).map((v) =>
    new URLSearchParams(Object.entries(v as object).map(([k, x]) => [k, String(x)])).toString(),
  );
}

/** A query string: valid-shaped, hostile keys and values, or none. */
function queryArbitrary(schema: z.ZodType | undefined): fc.Arbitrary<string> {
  const shaped = schema ? shapedQuery(schema) : fc.constant('');
  const hostile = fc.oneof(
    fc.constantFrom(
      '__proto__=1',
      '__proto__[admin]=1',
      'constructor[prototype][admin]=1',
      'limit=1&limit=2',
      'limit=1e3',
      'limit=-0',
      'a=%zz',
      '%',
      '&&&=',
      'q',
    ),
    fc
      .tuple(
        fc.constantFrom(...SPECIAL_STRINGS.slice(0, 20), 'limit', 'after', 'before', 'q', 'role', 'chatId', 'all'),
        anyString(20),
      )
      .map(([k, v]) => new URLSearchParams([[k, v]]).toString()),
  );
  return fc.oneof({ arbitrary: shaped, weight: 3 }, { arbitrary: hostile, weight: 2 }, { arbitrary: fc.constant(''), weight: 1 });
}

/** What a request gets wrong, if anything: one part at a time, so that the rest reaches the code behind it. */
type Mode = 'shaped' | 'params' | 'query' | 'body' | 'headers';

/** A path parameter as a client would send it: a real id, a real position, a real emoji. */
function shapedParam(name: string, before: string): fc.Arbitrary<string> {
  if (name === 'seq') return fc.constantFrom(...pools.seqs.map(String));
  if (name === 'emoji') return fc.constantFrom(...EMOJI).map(encodeParam);
  const ids = name === 'personId' ? known.persons : (known[before as keyof typeof known] ?? pools.ids);
  return fc.constantFrom(...ids.map(String));
}

function requestArbitrary(method: string, url: string, input: RouteInput): fc.Arbitrary<Request> {
  // Each parameter's name and the path segment before it (`chats` for `/chats/:id`).
  const names = [...url.matchAll(/(\w+)\/:(\w+)/g)].map((m) => ({ before: m[1]!, name: m[2]! }));
  const mode = fc.oneof(
    { arbitrary: fc.constant<Mode>('shaped'), weight: 5 },
    { arbitrary: fc.constantFrom<Mode>('params', 'query', 'body'), weight: 3 },
    { arbitrary: fc.constant<Mode>('headers'), weight: 1 },
  );
  const signedIn = actors.flatMap((a, i) => (a.login ? [i] : []));
  return mode.chain((m) => {
    const params = fc.tuple(...names.map((n) => (m === 'params' ? paramArbitrary(n.name) : shapedParam(n.name, n.before))));
    const query = m === 'query' ? queryArbitrary(input.query) : input.query ? shapedQuery(input.query) : fc.constant('');
    const shapedBody = input.body ? arbitraryOf(input.body, pools).map((v) => JSON.stringify(v)) : fc.constant(null);
    const body =
      method === 'GET'
        ? fc.constant(null)
        : m === 'body'
          ? fc.oneof({ arbitrary: bodyText(input.body, pools), weight: 9 }, { arbitrary: fc.constant(null), weight: 1 })
          : shapedBody;
    const contentType =
      m === 'headers'
        ? fc.constantFrom(null, 'text/plain', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded', ';;')
        : fc.constant('application/json');
    // The teacher (also the school's admin) may do most, so most requests are theirs; then the others.
    const actor =
      m === 'headers'
        ? fc.nat({ max: actors.length - 1 })
        : fc.oneof({ arbitrary: fc.constant(signedIn[0]!), weight: 3 }, { arbitrary: fc.constantFrom(...signedIn), weight: 2 });
    return fc.record({ actor, params, query, body, contentType }).map((r) => {
      let i = 0;
      const path = url.replace(/:\w+/g, () => r.params[i++]!);
      return { actor: r.actor, path, query: r.query, body: r.body, contentType: r.body === null ? null : r.contentType };
    });
  });
}

async function send(method: string, r: Request): Promise<{ status: number; text: string }> {
  const token = r.path === '/metrics' ? METRICS_TOKEN : actors[r.actor]!.token;
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (r.contentType) headers['content-type'] = r.contentType;
  const res = await fetch(`${server.url}${r.path}${r.query ? `?${r.query}` : ''}`, { method, headers, body: r.body });
  return { status: res.status, text: await res.text() };
}

describe('the HTTP fuzzer', () => {
  it('has every route the server defines in its table, and none the server lacks', () => {
    const defined = server.parta.routes.map((r) => `${r.method} ${r.url}`).filter((r) => !r.startsWith('HEAD '));
    expect(
      defined.filter((r) => !(r in ROUTES)),
      'routes the fuzzer does not know: add them to ROUTES',
    ).toEqual([]);
    expect(
      Object.keys(ROUTES).filter((r) => !defined.includes(r)),
      'routes the server no longer has',
    ).toEqual([]);
  });

  describe.each(Object.entries(ROUTES))('%s', (route, input) => {
    const [method, url] = route.split(' ') as [string, string];
    it(
      `answers ${RUNS} generated requests below 500, every error in the protocol's shape`,
      async () => {
        await refresh();
        await fc.assert(
          fc.asyncProperty(requestArbitrary(method, url, input), async (r) => {
            const { status, text } = await send(method, r);
            const counts = (statuses[route] ??= {});
            counts[status] = (counts[status] ?? 0) + 1;
            if (process.env.PARTA_FUZZ_STATS === 'errors' && status >= 400) console.log(route, status, text.slice(0, 200));
            // A route that ends sessions ends only the caller's own: that actor signs in again.
            if (input.revokes && status < 300) await signIn(actors[r.actor]!);
            const breach = contractBreach(status, text, input.answer);
            if (breach) {
              failures.push(`${method} ${r.path}?${r.query} as ${actors[r.actor]!.name}: ${breach}`);
              throw new Error(breach);
            }
          }),
          { seed: SEED, numRuns: RUNS, endOnFailure: true },
        );
      },
      TIMEOUT_MS,
    );
  });

  it('leaves a server that still answers, with no unhandled rejection', async () => {
    await signInAll();
    const health = await fetch(`${server.url}/api/v1/health`);
    expect(health.status).toBe(200);
    const me = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${actors[0]!.token}` } });
    expect(me.status).toBe(200);
    if (process.env.PARTA_FUZZ_STATS) console.log(JSON.stringify(statuses, null, 1));
    const answered = Object.values(statuses).flatMap((c) => Object.entries(c));
    const ok = answered.filter(([s]) => Number(s) < 300).reduce((n, [, k]) => n + k, 0);
    const all = answered.reduce((n, [, k]) => n + k, 0);
    // Valid-shaped input with real ids reaches the domain: a fuzzer refused at the door tests only the door.
    expect(ok / all, `${ok} of ${all} requests succeeded`).toBeGreaterThan(0.1);
    expect(failures).toEqual([]);
    expect(unhandled).toEqual([]);
  });
});
