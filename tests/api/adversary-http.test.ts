import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@parta/testkit';
import {
  CHATS,
  type ChatName,
  leaked,
  PEOPLE,
  type Person,
  type School,
  attackWorld,
  snapshot,
  Watchers,
  type Who,
} from '../support/two-schools.js';

/*
 * The adversarial suite over HTTP: everyone of school A (student, parent, teacher, school admin, staff, and an
 * official of A's municipality) acts with every id of school B on every route the server serves — each chat of
 * every kind, each message, person, class, report, session and the school itself. Beyond what
 * tests/api/enumeration.test.ts asks (status, code and message alike for one id of each kind), every answer here
 * must be a refusal whose whole body equals the answer for an id that exists nowhere (the id itself aside), no
 * answer may show a name, title or text of B, nothing may be written anywhere (every table compared before and
 * after), and no socket of B's people may hear a thing. The same holds inside school A for the chats a student or a
 * parent is not in: a teacher's private group, the staff room, another class's chats, a child's direct chat.
 * A route the table does not cover fails the suite: a new route must be added here.
 */

const P = '/api/v1';
const UNKNOWN = 1_900_000_000;
/** High limits: the suite makes hundreds of refused calls per account, and a limit must not decide an answer. */
const ENV = Object.fromEntries(
  ['SEND_RATE_PER_SEC', 'REACTION_RATE_PER_MIN', 'EDIT_RATE_PER_MIN', 'REPORT_RATE_PER_MIN', 'LOGIN_RATE_PER_MIN'].map((k) => [
    `PARTA_${k}`,
    '1000000',
  ]),
);

/** What an id stands for; `own` probes take none of another school's (listings, and signing oneself out). */
type Kind = 'chat' | 'message' | 'person' | 'org' | 'class' | 'report' | 'session' | 'own';
/** A request; `token` replaces the attacker's own. */
interface Req {
  method: string;
  path: string;
  body?: unknown;
  token?: string;
}
/** Someone of school A acting on another's ids. */
interface Attacker {
  name: string;
  person: Person;
  /** A group of school A they own (for the routes that name a person or a message inside one's own chat). */
  own: number;
  /** Extra sessions of theirs, for signing out without losing the main one. */
  spare: string[];
}
/** One way of using an id on a route. */
interface Probe {
  /** `METHOD url-pattern`, as the server lists its routes. */
  route: string;
  kind: Kind;
  request: (id: number, me: Attacker) => Req;
}

let server: TestServer;
let A: School;
let B: School;
let watchers: Watchers;
const attackers: Attacker[] = [];
let before = '';
let sends = 0;

const get = (path: string): Req => ({ method: 'GET', path });
const del = (path: string): Req => ({ method: 'DELETE', path });
const post = (path: string, body?: unknown): Req => ({ method: 'POST', path, ...(body !== undefined ? { body } : {}) });
const patch = (path: string, body: unknown): Req => ({ method: 'PATCH', path, body });
const chat = (id: number) => `${P}/chats/${id}`;
const msg = (id: number) => `${chat(id)}/messages/1`;
const send = (extra: Record<string, unknown>) => ({ clientId: `adversary-http-${++sends}`, text: 'Привет', ...extra });
const probe = (route: string, kind: Kind, request: Probe['request']): Probe => ({
  route: `${route.split(' ')[0]} ${P}${route.split(' ')[1]}`,
  kind,
  request,
});

/** Every route, with every way it takes an id of another school. */
const PROBES: Probe[] = [
  probe('GET /chats/:id', 'chat', (id) => get(chat(id))),
  probe('GET /chats/:id/members', 'chat', (id) => get(`${chat(id)}/members`)),
  probe('POST /chats/:id/members', 'chat', (id, me) => post(`${chat(id)}/members`, { personIds: [me.person.id] })),
  probe('POST /chats/:id/members', 'chat', (id) => post(`${chat(id)}/members`, { personIds: [A.people.P2.id] })),
  probe('DELETE /chats/:id/members/:personId', 'chat', (id) => del(`${chat(id)}/members/${B.people.S1.id}`)),
  probe('DELETE /chats/:id/members/:personId', 'chat', (id, me) => del(`${chat(id)}/members/${me.person.id}`)),
  probe('PATCH /chats/:id/members/:personId', 'chat', (id) => patch(`${chat(id)}/members/${B.people.S1.id}`, { role: 'admin' })),
  probe('PATCH /chats/:id/members/:personId', 'chat', (id, me) =>
    patch(`${chat(id)}/members/${me.person.id}`, { role: 'owner' }),
  ),
  probe('PATCH /chats/:id/members/:personId', 'chat', (id) =>
    patch(`${chat(id)}/members/${B.people.T1.id}`, { mutedUntil: Date.now() + 3_600_000 }),
  ),
  probe('GET /chats/:id/messages', 'chat', (id) => get(`${chat(id)}/messages?after=0&limit=500`)),
  probe('POST /chats/:id/messages', 'chat', (id) => post(`${chat(id)}/messages`, send({}))),
  probe('POST /chats/:id/messages', 'chat', (id) => post(`${chat(id)}/messages`, send({ replyToSeq: 1 }))),
  probe('POST /chats/:id/messages', 'chat', (id, me) =>
    post(`${chat(me.own)}/messages`, send({ forward: { chatId: id, seq: 1 } })),
  ),
  probe('POST /chats/:id/read', 'chat', (id) => post(`${chat(id)}/read`, { seq: 1 })),
  probe('GET /search', 'chat', (id) => get(`${P}/search?q=${encodeURIComponent('секрет')}&chatId=${id}`)),
  probe('PATCH /chats/:id/messages/:seq', 'message', (id) => patch(msg(id), { text: 'Исправлено' })),
  probe('DELETE /chats/:id/messages/:seq', 'message', (id) => del(msg(id))),
  probe('POST /chats/:id/messages/:seq/reactions', 'message', (id) => post(`${msg(id)}/reactions`, { emoji: '👍' })),
  probe('DELETE /chats/:id/messages/:seq/reactions/:emoji', 'message', (id) =>
    del(`${msg(id)}/reactions/${encodeURIComponent('👍')}`),
  ),
  probe('PUT /chats/:id/messages/:seq/pin', 'message', (id) => ({ method: 'PUT', path: `${msg(id)}/pin` })),
  probe('DELETE /chats/:id/messages/:seq/pin', 'message', (id) => del(`${msg(id)}/pin`)),
  probe('GET /chats/:id/messages/:seq/readers', 'message', (id) => get(`${msg(id)}/readers`)),
  probe('GET /chats/:id/messages/:seq/history', 'message', (id) => get(`${msg(id)}/history`)),
  probe('POST /chats/:id/messages/:seq/report', 'message', (id) => post(`${msg(id)}/report`, { reason: 'спам' })),
  probe('POST /chats/direct', 'person', (id) => post(`${P}/chats/direct`, { personId: id })),
  probe('POST /chats', 'person', (id) =>
    post(`${P}/chats`, { kind: 'group', organizationId: A.org, title: 'Кружок', personIds: [id] }),
  ),
  probe('POST /chats/:id/members', 'person', (id, me) => post(`${chat(me.own)}/members`, { personIds: [id] })),
  probe('DELETE /chats/:id/members/:personId', 'person', (id, me) => del(`${chat(me.own)}/members/${id}`)),
  probe('PATCH /chats/:id/members/:personId', 'person', (id, me) => patch(`${chat(me.own)}/members/${id}`, { role: 'admin' })),
  probe('POST /chats/:id/messages', 'person', (id, me) => post(`${chat(me.own)}/messages`, send({ mentions: [id] }))),
  ...['', '/classes', '/people', '/people?role=student', '/reports', '/reports?all=1', '/community'].map((tail) =>
    probe(`GET /organizations/:id${tail.split('?')[0]}`, 'org', (id) => get(`${P}/organizations/${id}${tail}`)),
  ),
  probe('POST /organizations/:id/roster-sync', 'org', (id) => post(`${P}/organizations/${id}/roster-sync`)),
  probe('POST /chats', 'org', (id) => post(`${P}/chats`, { kind: 'channel', organizationId: id, title: 'Новости' })),
  probe('POST /chats', 'org', (id) =>
    post(`${P}/chats`, { kind: 'group', organizationId: id, title: 'Класс', purpose: 'class' }),
  ),
  probe('GET /classes/:id/members', 'class', (id) => get(`${P}/classes/${id}/members`)),
  probe('POST /chats', 'class', (id) =>
    post(`${P}/chats`, { kind: 'group', organizationId: A.org, title: 'Класс', classIds: [id] }),
  ),
  ...(['deleted', 'muted', 'removed', 'dismissed'] as const).map((action) =>
    probe('POST /reports/:id/resolve', 'report', (id) => post(`${P}/reports/${id}/resolve`, { action })),
  ),
  probe('DELETE /sessions/:id', 'session', (id) => del(`${P}/sessions/${id}`)),
  // What one sees of one's own: nothing of B in any of it.
  ...['/me', '/chats', '/organizations', '/sessions', '/auth/options', '/health'].map((path) =>
    probe(`GET ${path}`, 'own', () => get(`${P}${path}`)),
  ),
  probe('GET /search', 'own', () => get(`${P}/search?q=${encodeURIComponent(`${B.tag} секрет`)}&limit=100`)),
  probe('GET /search', 'own', () => get(`${P}/search?q=${encodeURIComponent('секрет')}&limit=100`)),
  ...['', '/classes', '/people', '/reports', '/community'].map((tail) =>
    probe(`GET /organizations/:id${tail}`, 'own', () => get(`${P}/organizations/${A.org}${tail}`)),
  ),
  { route: 'GET /metrics', kind: 'own', request: () => get('/metrics') },
  // Signing oneself out ends one's own sessions only (B's are in the snapshot); last, as it ends the main one too.
  probe('POST /auth/logout', 'own', (_, me) => ({ ...post(`${P}/auth/logout`), token: me.spare[0]! })),
  probe('POST /auth/logout-all', 'own', () => post(`${P}/auth/logout-all`)),
];

/** Routes no probe takes: why. */
const EXEMPT: Record<string, string> = {
  'POST /api/v1/auth/dev-login': 'the development sign-in takes a login, not an id, and is off in production',
};

/** The status and body of an answer, with `id` written as `<id>` (an answer may name the id asked). */
async function call(req: Req, token: string, id: number): Promise<string> {
  const res = await fetch(server.url + req.path, {
    method: req.method,
    headers: {
      authorization: `Bearer ${req.token ?? token}`,
      ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
  });
  return `${res.status} ${(await res.text()).replace(new RegExp(`\\b${id}\\b`, 'g'), '<id>')}`;
}

/** B's ids of a kind, named. */
function idsOf(s: School, kind: Kind): [string, number][] {
  switch (kind) {
    case 'chat':
    case 'message':
      return CHATS.map((c) => [c, s.chats[c]]);
    case 'person':
      return PEOPLE.map((w) => [w, s.people[w].id]);
    case 'org':
      return [['school', s.org]];
    case 'class':
      return Object.entries(s.classes);
    case 'report':
      return [['report', s.report]];
    case 'session':
      return s.sessions.map((id, i) => [`session ${i}`, id]);
    case 'own':
      return [['own', 0]];
  }
}

/**
 * Runs the probes of `kinds` with `targets` as `me`: every refusal must equal the unknown id's answer (but those in
 * `expected`, answered as given there) and show none of `secrets`. Answers what differed and what leaked.
 */
async function attack(
  me: Attacker,
  targets: (kind: Kind) => [string, number][],
  secrets: string[],
  expected: Record<string, string> = {},
) {
  const differs: string[] = [];
  const shown: string[] = [];
  for (const p of PROBES) {
    if (p.kind === 'own') {
      if (targets('own').length === 0) continue;
      const answer = await call(p.request(0, me), me.person.token, 0);
      for (const s of leaked(answer, secrets)) shown.push(`${p.route} shows «${s}»`);
      continue;
    }
    const list = targets(p.kind);
    if (list.length === 0) continue;
    const unknown = await call(p.request(UNKNOWN, me), me.person.token, UNKNOWN);
    for (const [label, id] of list) {
      const real = await call(p.request(id, me), me.person.token, id);
      for (const s of leaked(real, secrets)) shown.push(`${p.route} on ${label} shows «${s}»`);
      const want = expected[`${p.route} ${label}`];
      if (want !== undefined ? !real.startsWith(want) : real !== unknown || !/^4\d\d /.test(real))
        differs.push(`${p.route} on ${label}: ${real.slice(0, 160)} ≠ ${(want ?? unknown).slice(0, 160)}`);
    }
  }
  return { differs, shown };
}

beforeAll(async () => {
  server = await startTestServer(ENV);
  const world = await attackWorld(server);
  ({ A, B } = world);
  for (const a of world.attackers) {
    const spare = [(await server.client().devLogin({ login: a.person.login, deviceName: 'spare' })).token];
    attackers.push({ ...a, spare });
  }
  await server.parta.search.drain();
  // B's people, and the people of A whose chats the inside attacks aim at (none of them attacks).
  const watched: [string, Person][] = [
    ...PEOPLE.map((w): [string, Person] => [`${B.tag} ${w}`, B.people[w]]),
    ...(['T2', 'S3', 'P3'] as const).map((w): [string, Person] => [`${A.tag} ${w}`, A.people[w]]),
  ];
  watchers = await Watchers.of(server, Object.fromEntries(watched));
  before = await snapshot(
    server,
    attackers.map((a) => a.person.accountId),
  );
});

afterAll(async () => {
  watchers?.close();
  await server?.close();
});

/** The chats of A, and what they hold, that `who` is not in. */
function notIn(who: Who, chats: ChatName[]): { targets: (kind: Kind) => [string, number][]; secrets: string[] } {
  const list = chats.map((c): [string, number] => [c, A.chats[c]]);
  return {
    targets: (kind) =>
      kind === 'chat' || kind === 'message' ? list : kind === 'person' && who === 'P1' ? [['S3', A.people.S3.id]] : [],
    secrets: [
      ...chats.map((c) => A.text[c]),
      ...(chats.includes('group') ? [`${A.tag} черновик`, `${A.tag} правка`] : []),
      ...(chats.includes('class5') ? [`${A.tag} ответ`, `${A.tag} жалоба`] : []),
      ...(['S3', 'P3'] as const).flatMap((w) => [`${A.tag}-${w}`, `${A.tag}имя${w}`]),
    ],
  };
}

describe('inside one school', () => {
  it('a student on a teacher’s private group, the staff room, another class’s chats and a classmate’s direct chat', async () => {
    const { targets, secrets } = notIn('S1', ['group', 'staffRoom', 'class6', 'parents5', 'parents6', 'direct6']);
    const me = attackers.find((a) => a.name === 'S1')!;
    expect(await attack(me, targets, secrets)).toEqual({ differs: [], shown: [] });
  });

  it('a parent on another parent’s child, and on their own child’s chats they are not in', async () => {
    const { targets, secrets } = notIn('P1', ['class5', 'direct5', 'group', 'staffRoom', 'class6', 'parents6', 'channel']);
    const me = attackers.find((a) => a.name === 'P1')!;
    // The answers that differ from an unknown id's, by the contour's rule for people of one school (see
    // chat-matrix.test.ts): reaching someone of one's school whom the rules keep one from is a 403.
    const expected = {
      'POST /api/v1/chats/direct S3': '403 {"error":{"code":"forbidden"',
      'POST /api/v1/chats/:id/members S3': '403 {"error":{"code":"forbidden"',
    };
    expect(await attack(me, targets, secrets, expected)).toEqual({ differs: [], shown: [] });
  });
});

describe('another school’s ids, on every route', () => {
  it('every route the server serves is probed', () => {
    const served = server.parta.routes.filter((r) => r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`);
    const covered = new Set([...PROBES.map((p) => p.route), ...Object.keys(EXEMPT)]);
    expect(served.filter((r) => !covered.has(r))).toEqual([]);
  });

  for (const name of ['S1', 'P1', 'T1', 'AD', 'ST', 'official']) {
    it(`${name} of school A: refused as for an unknown id, shown nothing of B`, async () => {
      const me = attackers.find((a) => a.name === name)!;
      expect(await attack(me, (kind) => idsOf(B, kind), B.secrets)).toEqual({ differs: [], shown: [] });
    });
  }

  it('wrote nothing, and neither B’s people nor those of A whose chats were aimed at heard anything', async () => {
    expect(await watchers.heard()).toEqual({});
    expect(
      await snapshot(
        server,
        attackers.map((a) => a.person.accountId),
      ),
    ).toBe(before);
  });
});

describe('a parent or a student who runs a group', () => {
  it('brings in only those they may reach: not another parent’s child, not a parent of another child', async () => {
    const { T1, P1, P2, S1, S2, S3, P3, ST } = A.people;
    // A fresh sign-in each: the suite above signed the attackers out everywhere.
    const [t1, p1, s1] = await Promise.all([T1, P1, S1].map((p) => server.login(p.login)));
    const committee = await t1!.createChat({ kind: 'group', organizationId: A.org, title: 'Комитет', personIds: [P1.id, S1.id] });
    await t1!.updateMember(committee.id, P1.id, { role: 'admin' });
    await t1!.updateMember(committee.id, S1.id, { role: 'admin' });
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: { status: number; code: string }) => `${e.status} ${e.code}`,
      );
    expect({
      parentAddsAnotherParentsChild: await outcome(p1!.addMembers(committee.id, [S3.id])),
      studentAddsAnotherChildsParent: await outcome(s1!.addMembers(committee.id, [P3.id])),
      parentAddsTheirChildsClassmatesParent: await outcome(p1!.addMembers(committee.id, [P2.id])),
      studentAddsAClassmate: await outcome(s1!.addMembers(committee.id, [S2.id])),
      parentAddsTheSchoolsStaff: await outcome(p1!.addMembers(committee.id, [ST.id])),
    }).toEqual({
      parentAddsAnotherParentsChild: '403 forbidden',
      studentAddsAnotherChildsParent: '403 forbidden',
      parentAddsTheirChildsClassmatesParent: 'ok',
      studentAddsAClassmate: 'ok',
      parentAddsTheSchoolsStaff: 'ok',
    });
    expect((await t1!.members(committee.id)).members.map((m) => m.personId).sort((a, b) => a - b)).toEqual(
      [T1.id, P1.id, S1.id, P2.id, S2.id, ST.id].sort((a, b) => a - b),
    );
  });
});
