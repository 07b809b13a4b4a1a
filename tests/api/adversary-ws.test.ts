import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@parta/testkit';
import { CLIENT_FRAME_TYPES, type ServerFrame } from '@parta/protocol';
import { RawSocket } from '../support/raw-socket.js';
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
} from '../support/two-schools.js';

/*
 * The adversarial suite over the WebSocket: everyone of school A (student, parent, teacher, school admin, staff, and
 * an official of A's municipality) sends every client frame type with every id of school B in it — each chat of
 * every kind in `session.hello`'s catch-up, `message.send` (also as a reply, and as a forward or a mention inside
 * their own chat), `chat.sync`, `chat.read` and `chat.typing`, each person in `presence.query`. What comes back must
 * equal, frame for frame, what an id that exists nowhere gets (the id itself aside); nothing of B may show in any
 * frame; presence of B's people is never answered, nor pushed later when they come online; nothing is written; and
 * no socket of B's people hears a thing. The same inside school A for the chats a student or parent is not in, and
 * a parent asking about another parent's child. A frame type the table does not cover fails the suite.
 */

const UNKNOWN = 1_900_000_000;
/** How long a frame's answer may take before the probe records that none came. */
const ANSWER_MS = 3_000;
/** High limits: every attacker sends a few hundred refused frames, and a limit must not decide an answer. */
const ENV = {
  PARTA_SEND_RATE_PER_SEC: '1000000',
  PARTA_PRESENCE_QUERY_RATE_PER_MIN: '1000000',
  PARTA_WS_FRAME_RATE_PER_SEC: '1000000',
  PARTA_WS_FRAME_BURST: '1000000',
};

type Kind = 'chat' | 'person' | 'everyone' | 'none';
/** Someone of school A with an open socket. */
interface Attacker {
  name: string;
  person: Person;
  raw: RawSocket;
  /** A group of school A they own, for forwards and mentions inside one's own chat. */
  own: number;
}
/** One way of putting an id into a frame. */
interface FrameProbe {
  type: (typeof CLIENT_FRAME_TYPES)[number];
  kind: Kind;
  /** The frame; `n` is unique to this sending (client ids, nonces). */
  frame: (id: number, me: Attacker, n: string) => Record<string, unknown>;
  /** The frame types that answer it. */
  answers: ServerFrame['type'][];
  /** Sent as the first frame of a new socket. */
  fresh?: boolean;
}

let server: TestServer;
let A: School;
let B: School;
let watchers: Watchers;
const attackers: Attacker[] = [];
let before = '';
let counter = 0;

/** Numbers in frames that are the caller's own or positions, never an id echoed back. */
const OWN_NUMBERS = new Set([
  'accountId',
  'sessionId',
  'featureLevel',
  'seq',
  'version',
  'throughVersion',
  'createdAt',
  'retryAfterMs',
]);
const refusal: ServerFrame['type'][] = ['session.error', 'chat.synced', 'message.new'];
const sendAnswer: ServerFrame['type'][] = ['message.rejected', 'message.ack'];
const send = (chatId: number, n: string, extra: Record<string, unknown> = {}) => ({
  type: 'message.send',
  chatId,
  clientId: `adversary-ws-${n}`,
  text: 'Привет',
  ...extra,
});

/** Every client frame type, with every way it carries an id of another school. */
const PROBES: FrameProbe[] = [
  {
    type: 'session.hello',
    kind: 'chat',
    fresh: true,
    frame: (id, me) => ({ type: 'session.hello', token: me.person.token, sync: [{ chatId: id, version: 0 }] }),
    answers: refusal,
  },
  { type: 'session.ping', kind: 'none', frame: (_, __, n) => ({ type: 'session.ping', nonce: n }), answers: ['session.pong'] },
  { type: 'message.send', kind: 'chat', frame: (id, _, n) => send(id, n), answers: sendAnswer },
  { type: 'message.send', kind: 'chat', frame: (id, _, n) => send(id, n, { replyToSeq: 1 }), answers: sendAnswer },
  {
    type: 'message.send',
    kind: 'chat',
    frame: (id, me, n) => send(me.own, n, { forward: { chatId: id, seq: 1 } }),
    answers: sendAnswer,
  },
  { type: 'message.send', kind: 'person', frame: (id, me, n) => send(me.own, n, { mentions: [id] }), answers: sendAnswer },
  {
    type: 'chat.sync',
    kind: 'chat',
    frame: (id) => ({ type: 'chat.sync', positions: [{ chatId: id, version: 0 }] }),
    answers: refusal,
  },
  {
    type: 'chat.read',
    kind: 'chat',
    frame: (id) => ({ type: 'chat.read', chatId: id, seq: 1 }),
    answers: ['session.error', 'chat.read'],
  },
  { type: 'chat.typing', kind: 'chat', frame: (id) => ({ type: 'chat.typing', chatId: id }), answers: ['session.error'] },
  {
    type: 'presence.query',
    kind: 'person',
    frame: (id) => ({ type: 'presence.query', personIds: [id] }),
    answers: ['presence.update'],
  },
  {
    type: 'presence.query',
    kind: 'everyone',
    frame: (id) => ({
      type: 'presence.query',
      personIds: id === UNKNOWN ? PEOPLE.map((_, i) => UNKNOWN + i) : PEOPLE.map((w) => B.people[w].id),
    }),
    answers: ['presence.update'],
  },
];

/** Waits for the first frame from index `from` on that passes `test`; null when none came in time or the socket closed. */
async function waitFor(raw: RawSocket, test: (f: ServerFrame) => boolean, from: number): Promise<ServerFrame | null> {
  const until = Date.now() + ANSWER_MS;
  for (;;) {
    const found = raw.frames.slice(from).find(test);
    if (found || raw.isGone || Date.now() > until) return found ?? null;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Everything a probe's frame brought back, as text, with the id as `<id>` and the sending's own token as `<n>`. */
async function probeWith(p: FrameProbe, id: number, me: Attacker): Promise<string> {
  const n = `${process.pid}-${++counter}`;
  const raw = p.fresh ? await RawSocket.open(server.url) : me.raw;
  const from = raw.frames.length;
  raw.send(p.frame(id, me, n));
  const answer = await waitFor(raw, (f) => p.answers.includes(f.type), from);
  // A ping after the answer: whatever else the frame caused was written before the pong.
  raw.send({ type: 'session.ping', nonce: `barrier-${n}` });
  const pong = await waitFor(raw, (f) => f.type === 'session.pong' && f.nonce === `barrier-${n}`, from);
  const frames = raw.frames.slice(from, pong ? raw.frames.indexOf(pong) : undefined);
  if (p.fresh) raw.destroy();
  // The id asked, wherever it is echoed (not a number of one's own that happens to equal it), as `<id>`.
  const re = new RegExp(`\\b${id}\\b`, 'g');
  const text = frames
    .map((f) =>
      JSON.stringify(f, (key, v: unknown) => {
        if (key === 'serverTime') return 0;
        if (typeof v === 'number') return v === id && !OWN_NUMBERS.has(key) ? '<id>' : v;
        return typeof v === 'string' ? v.replace(re, '<id>').replaceAll(n, '<n>') : v;
      }),
    )
    .join('\n');
  return answer ? text : `no answer: ${text}`;
}

/** B's ids of a kind, named. */
function idsOf(kind: Kind): [string, number][] {
  if (kind === 'chat') return CHATS.map((c) => [c, B.chats[c]]);
  if (kind === 'person') return PEOPLE.map((w) => [w, B.people[w].id]);
  return [[kind, 0]];
}

/** Runs every probe with `targets` as `me`: answers must equal the unknown id's and show none of `secrets`. */
async function attack(me: Attacker, targets: (kind: Kind) => [string, number][], secrets: string[]) {
  const differs: string[] = [];
  const shown: string[] = [];
  for (const p of PROBES) {
    for (const [label, id] of targets(p.kind)) {
      // Each try its own unknown id: typing notices are passed on once per chat every 2 s.
      const unknown = p.kind === 'none' ? '' : await probeWith(p, p.kind === 'everyone' ? UNKNOWN : UNKNOWN + ++counter, me);
      const real = await probeWith(p, id, me);
      for (const s of leaked(real, secrets)) shown.push(`${p.type} with ${label} shows «${s}»`);
      if (p.kind !== 'none' && real !== unknown) differs.push(`${p.type} with ${label}:\n${real}\n≠\n${unknown}`);
    }
  }
  return { differs, shown };
}

beforeAll(async () => {
  server = await startTestServer(ENV);
  const world = await attackWorld(server);
  ({ A, B } = world);
  for (const a of world.attackers) attackers.push({ ...a, raw: await RawSocket.signedIn(server.url, a.person.token) });
  // B's people but S2 (who comes online later, to see that nobody of A is told), and the people of A whose chats
  // the inside attacks aim at (none of them attacks).
  const watched: [string, Person][] = [
    ...PEOPLE.filter((w) => w !== 'S2').map((w): [string, Person] => [`${B.tag} ${w}`, B.people[w]]),
    ...(['T2', 'S3', 'P3'] as const).map((w): [string, Person] => [`${A.tag} ${w}`, A.people[w]]),
  ];
  watchers = await Watchers.of(server, Object.fromEntries(watched));
  before = await snapshot(server);
});

afterAll(async () => {
  watchers?.close();
  for (const a of attackers) a.raw.destroy();
  await server?.close();
});

/** The chats of A, and what they hold, that a student or parent is not in. */
function notIn(chats: ChatName[], people: Record<string, number> = {}) {
  const list = chats.map((c): [string, number] => [c, A.chats[c]]);
  return {
    targets: (kind: Kind): [string, number][] => (kind === 'chat' ? list : kind === 'person' ? Object.entries(people) : []),
    secrets: [
      ...chats.map((c) => A.text[c]),
      ...(chats.includes('group') ? [`${A.tag} черновик`, `${A.tag} правка`] : []),
      ...(['S3', 'P3'] as const).flatMap((w) => [`${A.tag}-${w}`, `${A.tag}имя${w}`]),
    ],
  };
}

describe('inside one school', () => {
  it('a student on a teacher’s private group, the staff room, another class’s chats and a classmate’s direct chat', async () => {
    const { targets, secrets } = notIn(['group', 'staffRoom', 'class6', 'parents5', 'parents6', 'direct6']);
    const me = attackers.find((a) => a.name === 'S1')!;
    expect(await attack(me, targets, secrets)).toEqual({ differs: [], shown: [] });
  });

  it('a parent on another parent’s child, and on their own child’s chats they are not in', async () => {
    const { targets, secrets } = notIn(['class5', 'direct5', 'group', 'staffRoom', 'class6', 'parents6', 'channel'], {
      S3: A.people.S3.id,
      P3: A.people.P3.id,
    });
    const me = attackers.find((a) => a.name === 'P1')!;
    expect(await attack(me, targets, secrets)).toEqual({ differs: [], shown: [] });
  });
});

describe('another school’s ids, in every frame', () => {
  it('every client frame type is probed', () => {
    expect(CLIENT_FRAME_TYPES.filter((t) => !PROBES.some((p) => p.type === t))).toEqual([]);
  });

  for (const name of ['S1', 'P1', 'T1', 'AD', 'ST', 'official']) {
    it(`${name} of school A: answered as for an unknown id, shown nothing of B`, async () => {
      const me = attackers.find((a) => a.name === name)!;
      expect(await attack(me, idsOf, B.secrets)).toEqual({ differs: [], shown: [] });
    });
  }

  it('nobody of A is told when one of B they asked about comes online and goes', async () => {
    const marks = attackers.map((a) => a.raw.frames.length);
    const s2 = await RawSocket.signedIn(server.url, B.people.S2.token);
    s2.destroy();
    await s2.closed;
    // Presence changes are pushed at once; a ping after them shows each socket has had what it was sent.
    for (const a of attackers) {
      a.raw.send({ type: 'session.ping', nonce: 'after-s2' });
      await a.raw.until('session.pong', (f) => f.nonce === 'after-s2');
    }
    const told = attackers.flatMap((a, i) =>
      a.raw.frames.slice(marks[i]).flatMap((f) => (f.type === 'presence.update' ? [`${a.name}: ${JSON.stringify(f)}`] : [])),
    );
    expect(told).toEqual([]);
  });

  it('no presence of B’s people in anything A’s people were sent', () => {
    const ofB = new Set<number>(PEOPLE.map((w) => B.people[w].id));
    const answered = attackers.flatMap((a) =>
      a.raw.frames.flatMap((f) =>
        f.type === 'presence.update' ? f.presence.filter((p) => ofB.has(p.personId)).map((p) => `${a.name}: ${p.personId}`) : [],
      ),
    );
    expect(answered).toEqual([]);
  });

  it('wrote nothing, and neither B’s people nor those of A whose chats were aimed at heard anything', async () => {
    expect(await watchers.heard()).toEqual({});
    expect(await snapshot(server)).toBe(before);
  });
});
