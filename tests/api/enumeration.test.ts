import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@parta/testkit';
import type { PartaClient } from '@parta/sdk';
import { type ClientFrame, ErrorBody, type ServerFrame } from '@parta/protocol';

/*
 * Unknown and forbidden look the same (issue 10, item 5): for every route that takes an id — in its path or in its
 * body — a caller from another school gets exactly the same status, code and message for an id that exists in
 * school A as for an id that exists nowhere. Otherwise probing ids one by one tells an outsider which schools,
 * classes, chats, messages, reports and people exist. The callers are every kind of person of school B, and an
 * official of another municipality. Numbers in a message are compared as `#` (an answer may name the id asked).
 * The WebSocket frames that name a chat or a person are held to the same.
 */

let server: TestServer;
/** Ids in school A. */
const a = { org: 0, cls: 0, chat: 0, seq: 0, report: 0, person: 0, session: 0 };
/** A chat of school B each caller is the owner of (for routes that name a person or message inside one's own chat). */
const ownChat = new Map<string, number>();
const UNKNOWN = 1_900_000_000;
let forwards = 0;
const callers: Record<string, { client: PartaClient; token: string; personId: number }> = {};
let orgB = 0;

/** One request as a probe: what the id stands for in school A, and how to ask with a given id. */
interface Probe {
  /** `METHOD url-pattern` of the route, as the server lists it. */
  route: string;
  /** A readable name of the probe. */
  name: string;
  /** The id of school A to try. */
  real: () => number;
  /** Method, path and body for an id, as this caller. */
  request: (id: number, caller: string) => { method: string; path: string; body?: unknown };
}

const P = '/api/v1';
const chatPath = (id: number) => `${P}/chats/${id}`;

/** Every route that takes an id, and the body ids of the routes that name persons, classes, chats or messages. */
const PROBES: Probe[] = [
  { route: 'DELETE /api/v1/sessions/:id', name: 'a session', real: () => a.session, request: (id) => del(`${P}/sessions/${id}`) },
  ...['', '/classes', '/people', '/reports', '/community'].map((tail): Probe => ({
    route: `GET /api/v1/organizations/:id${tail}`,
    name: `an organization${tail}`,
    real: () => a.org,
    request: (id) => get(`${P}/organizations/${id}${tail}`),
  })),
  {
    route: 'POST /api/v1/organizations/:id/roster-sync',
    name: 'roster sync of an organization',
    real: () => a.org,
    request: (id) => post(`${P}/organizations/${id}/roster-sync`),
  },
  {
    route: 'GET /api/v1/classes/:id/members',
    name: 'a class',
    real: () => a.cls,
    request: (id) => get(`${P}/classes/${id}/members`),
  },
  { route: 'GET /api/v1/chats/:id', name: 'a chat', real: () => a.chat, request: (id) => get(chatPath(id)) },
  {
    route: 'GET /api/v1/chats/:id/members',
    name: 'chat members',
    real: () => a.chat,
    request: (id) => get(`${chatPath(id)}/members`),
  },
  {
    route: 'POST /api/v1/chats/:id/members',
    name: 'adding to a chat',
    real: () => a.chat,
    request: (id, c) => post(`${chatPath(id)}/members`, { personIds: [callers[c]!.personId] }),
  },
  {
    route: 'DELETE /api/v1/chats/:id/members/:personId',
    name: 'removing from a chat',
    real: () => a.chat,
    request: (id) => del(`${chatPath(id)}/members/${a.person}`),
  },
  {
    route: 'PATCH /api/v1/chats/:id/members/:personId',
    name: 'changing a member of a chat',
    real: () => a.chat,
    request: (id) => ({ method: 'PATCH', path: `${chatPath(id)}/members/${a.person}`, body: { role: 'admin' } }),
  },
  {
    route: 'DELETE /api/v1/chats/:id/members/:personId',
    name: 'removing a person from one’s own chat',
    real: () => a.person,
    request: (id, c) => del(`${chatPath(ownChat.get(c)!)}/members/${id}`),
  },
  {
    route: 'PATCH /api/v1/chats/:id/members/:personId',
    name: 'changing a person in one’s own chat',
    real: () => a.person,
    request: (id, c) => ({ method: 'PATCH', path: `${chatPath(ownChat.get(c)!)}/members/${id}`, body: { role: 'admin' } }),
  },
  {
    route: 'GET /api/v1/chats/:id/messages',
    name: 'messages',
    real: () => a.chat,
    request: (id) => get(`${chatPath(id)}/messages`),
  },
  {
    route: 'POST /api/v1/chats/:id/messages',
    name: 'sending',
    real: () => a.chat,
    request: (id) => post(`${chatPath(id)}/messages`, { clientId: `enumeration-${id}`, text: 'Привет' }),
  },
  ...messageProbes(),
  {
    route: 'POST /api/v1/chats/:id/read',
    name: 'reading',
    real: () => a.chat,
    request: (id) => post(`${chatPath(id)}/read`, { seq: 1 }),
  },
  {
    route: 'POST /api/v1/reports/:id/resolve',
    name: 'a report',
    real: () => a.report,
    request: (id) => post(`${P}/reports/${id}/resolve`, { action: 'dismissed' }),
  },
  // Ids inside bodies and queries.
  {
    route: 'POST /api/v1/chats/direct',
    name: 'a direct chat with a person',
    real: () => a.person,
    request: (id) => post(`${P}/chats/direct`, { personId: id }),
  },
  {
    route: 'POST /api/v1/chats',
    name: 'a chat in an organization',
    real: () => a.org,
    request: (id) => post(`${P}/chats`, { kind: 'group', organizationId: id, title: 'Кружок' }),
  },
  {
    route: 'POST /api/v1/chats',
    name: 'a chat of one’s school with a person',
    real: () => a.person,
    request: (id) => post(`${P}/chats`, { kind: 'group', organizationId: orgB, title: 'Кружок', personIds: [id] }),
  },
  {
    route: 'POST /api/v1/chats',
    name: 'a chat of one’s school with a class',
    real: () => a.cls,
    request: (id) => post(`${P}/chats`, { kind: 'group', organizationId: orgB, title: 'Кружок', classIds: [id] }),
  },
  {
    route: 'POST /api/v1/chats/:id/members',
    name: 'adding a person to one’s own chat',
    real: () => a.person,
    request: (id, c) => post(`${chatPath(ownChat.get(c)!)}/members`, { personIds: [id] }),
  },
  {
    route: 'POST /api/v1/chats/:id/messages',
    name: 'forwarding a message of a chat',
    real: () => a.chat,
    request: (id, c) =>
      post(`${chatPath(ownChat.get(c)!)}/messages`, {
        clientId: `forward-${id}-${++forwards}`,
        text: 'Смотрите',
        forward: { chatId: id, seq: a.seq },
      }),
  },
  {
    route: 'GET /api/v1/search',
    name: 'searching a chat',
    real: () => a.chat,
    request: (id) => get(`${P}/search?q=${encodeURIComponent('линейка')}&chatId=${id}`),
  },
];

function get(path: string) {
  return { method: 'GET', path };
}
function del(path: string) {
  return { method: 'DELETE', path };
}
function post(path: string, body?: unknown) {
  return { method: 'POST', path, ...(body !== undefined ? { body } : {}) };
}

/** The routes under a message: edit, delete, reactions, pin, readers, history, report. */
function messageProbes(): Probe[] {
  const m = (id: number) => `${chatPath(id)}/messages/${a.seq}`;
  const list: [string, string, (id: number) => { method: string; path: string; body?: unknown }][] = [
    ['PATCH', '', (id) => ({ method: 'PATCH', path: m(id), body: { text: 'Исправлено' } })],
    ['DELETE', '', (id) => del(m(id))],
    ['POST', '/reactions', (id) => post(`${m(id)}/reactions`, { emoji: '👍' })],
    ['DELETE', '/reactions/:emoji', (id) => del(`${m(id)}/reactions/${encodeURIComponent('👍')}`)],
    ['PUT', '/pin', (id) => ({ method: 'PUT', path: `${m(id)}/pin` })],
    ['DELETE', '/pin', (id) => del(`${m(id)}/pin`)],
    ['GET', '/readers', (id) => get(`${m(id)}/readers`)],
    ['GET', '/history', (id) => get(`${m(id)}/history`)],
    ['POST', '/report', (id) => post(`${m(id)}/report`, { reason: 'спам' })],
  ];
  return list.map(([method, tail, request]) => ({
    route: `${method} /api/v1/chats/:id/messages/:seq${tail}`,
    name: `${method} a message${tail}`,
    real: () => a.chat,
    request,
  }));
}

/** The status, code and message (numbers as `#`) of an answer. */
async function answer(probe: Probe, id: number, caller: string): Promise<string> {
  const req = probe.request(id, caller);
  const res = await fetch(server.url + req.path, {
    method: req.method,
    headers: {
      authorization: `Bearer ${callers[caller]!.token}`,
      ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
  });
  const text = await res.text();
  if (res.ok) return `${res.status} ok`;
  const err = ErrorBody.parse(JSON.parse(text)).error;
  return `${res.status} ${err.code}: ${err.message.replace(/\d+/g, '#')}`;
}

beforeAll(async () => {
  server = await startTestServer();
  const b = server.build;
  const region = await b.region();
  const munA = await b.municipality({ regionId: region.id });
  const munB = await b.municipality({ regionId: region.id });
  const schoolA = await b.school({ municipalityId: munA.id });
  const schoolB = await b.school({ municipalityId: munB.id });
  a.org = schoolA.id;
  orgB = schoolB.id;
  const clsA = await b.schoolClass({ organizationId: a.org });
  const clsB = await b.schoolClass({ organizationId: orgB });
  a.cls = clsA.id;
  const teacherA = await b.teacher(a.org, [{ id: clsA.id, homeroom: true }]);
  const studentA = await b.student(clsA);
  a.person = studentA.id;
  const adminA = await b.person();
  await b.membership({ personId: adminA.id, role: 'school_admin', organizationId: a.org });
  const tA = await server.login(teacherA.login!);
  const sA = await server.login(studentA.login!);
  a.session = (await sA.sessions()).sessions[0]!.id;
  a.chat = (await tA.createChat({ kind: 'group', organizationId: a.org, title: '5А', personIds: [studentA.id] })).id;
  a.seq = (await sA.sendMessage(a.chat, { clientId: 'enumeration-a', text: 'Завтра линейка' })).seq;
  a.report = (await tA.report(a.chat, a.seq, 'проверка')).reportId;
  await server.parta.search.drain();

  const studentB = await b.student(clsB);
  const people: Record<string, { id: number; login: string | null }> = {
    'student of B': studentB,
    'parent of B': await b.parent(orgB, [studentB]),
    'teacher of B': await b.teacher(orgB, [{ id: clsB.id, homeroom: true }]),
    'admin of B': await b.person(),
    'staff of B': await b.person(),
    'official of B’s municipality': await b.person(),
  };
  await b.membership({ personId: people['admin of B']!.id, role: 'school_admin', organizationId: orgB });
  await b.membership({ personId: people['staff of B']!.id, role: 'staff', organizationId: orgB });
  await b.membership({
    personId: people['official of B’s municipality']!.id,
    role: 'municipality_official',
    municipalityId: munB.id,
  });
  for (const [name, p] of Object.entries(people)) {
    const client = server.client();
    const { token } = await client.devLogin({ login: p.login! });
    callers[name] = { client, token, personId: p.id };
    // Each caller's own chat of school B (the official has none: they are in no school).
    if (name !== 'official of B’s municipality')
      ownChat.set(
        name,
        (
          await server.build.chat({
            organizationId: orgB,
            members: [
              { personId: p.id, role: 'owner' },
              { personId: studentB.id === p.id ? people['teacher of B']!.id : studentB.id },
            ],
          })
        ).id,
      );
    else ownChat.set(name, UNKNOWN - 1);
  }
});

afterAll(async () => {
  await server?.close();
});

describe('unknown and another school’s look the same', () => {
  it('every served route that takes an id in its path is probed', () => {
    const withId = server.parta.routes
      .filter((r) => r.method !== 'HEAD' && r.url.includes(':'))
      .map((r) => `${r.method} ${r.url}`);
    const probed = new Set(PROBES.map((p) => p.route));
    expect(withId.filter((r) => !probed.has(r))).toEqual([]);
  });

  for (const caller of [
    'student of B',
    'parent of B',
    'teacher of B',
    'admin of B',
    'staff of B',
    'official of B’s municipality',
  ]) {
    it(caller, async () => {
      const real: Record<string, string> = {};
      const unknown: Record<string, string> = {};
      for (const probe of PROBES) {
        real[probe.name] = await answer(probe, probe.real(), caller);
        unknown[probe.name] = await answer(probe, UNKNOWN, caller);
      }
      expect(real).toEqual(unknown);
      // And nothing of school A was acted on or shown.
      expect(Object.entries(real).filter(([, v]) => !/^4\d\d /.test(v))).toEqual([]);
    });
  }
});

describe('the same over the WebSocket', () => {
  /** Frames that name a chat or a person, for an id. */
  const FRAMES: Record<string, [() => number, (id: number) => ClientFrame]> = {
    'message.send': [
      () => a.chat,
      (id) => ({
        type: 'message.send',
        chatId: id,
        clientId: `ws-send-${id}`,
        text: 'Привет',
        mentions: [],
        mentionAll: false,
        mustAcknowledge: false,
      }),
    ],
    'chat.read': [() => a.chat, (id) => ({ type: 'chat.read', chatId: id, seq: 1 })],
    'chat.typing': [() => a.chat, (id) => ({ type: 'chat.typing', chatId: id })],
    'chat.sync': [() => a.chat, (id) => ({ type: 'chat.sync', positions: [{ chatId: id, version: 0 }] })],
    'presence.query': [() => a.person, (id) => ({ type: 'presence.query', personIds: [id] })],
  };
  const ANSWERS: ServerFrame['type'][] = ['session.error', 'message.rejected', 'presence.update', 'chat.synced', 'message.new'];

  /** The first answer to a frame: its type, and code and message (numbers as `#`) where it has them. */
  async function answerOf(caller: string, frame: ClientFrame): Promise<string> {
    const rt = callers[caller]!.client.connect({ reconnect: false });
    const frames: ServerFrame[] = [];
    rt.on('frame', (f) => frames.push(f));
    try {
      await rt.once('welcome');
      rt.sendFrame(frame);
      const start = Date.now();
      for (;;) {
        const f = frames.find((x) => ANSWERS.includes(x.type));
        if (f) {
          if (f.type === 'session.error' || f.type === 'message.rejected')
            return `${f.type} ${f.code}: ${f.message.replace(/\d+/g, '#')}`;
          return f.type === 'presence.update' ? `${f.type} ${f.presence.length}` : f.type;
        }
        if (Date.now() - start > 5_000) return 'no answer';
        await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      rt.close();
    }
  }

  for (const caller of ['student of B', 'teacher of B', 'admin of B', 'official of B’s municipality']) {
    it(caller, async () => {
      const real: Record<string, string> = {};
      const unknown: Record<string, string> = {};
      for (const [name, [id, frame]] of Object.entries(FRAMES)) {
        real[name] = await answerOf(caller, frame(id()));
        unknown[name] = await answerOf(caller, frame(UNKNOWN));
      }
      expect(real).toEqual(unknown);
      expect(real['presence.query']).toBe('presence.update 0');
      expect(Object.entries(real).filter(([n, v]) => n !== 'presence.query' && !/ (not_found|forbidden):/.test(v))).toEqual([]);
    });
  }
});
