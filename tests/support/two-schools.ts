/**
 * The world of the adversarial suite (tests/api/adversary-*.test.ts): two schools built the same way, every kind
 * of chat in each with a message, an edit, a reaction, a pin, a read position and a report, and the means to tell
 * afterwards that an attack changed nothing (a snapshot of every row a request could write) and told nobody
 * anything (each watcher's socket got no frame).
 *
 * A school (tag `Альфа` or `Бета`) holds classes 5x (homeroom T1; students S1, S2) and 6y (homeroom T2; student S3);
 * parents P1, P2, P3 of S1, S2, S3; a school admin AD and staff ST. AD brings the roster chats in step (class chats,
 * parents' chats, the staff room, the news channel); T2 has a private group with S3, T1 a channel for 5x, and T1 and
 * T2 each a direct chat with a student. Every name and every text carries the tag, so that an answer showing
 * anything of the other school is found by looking for the tag.
 */
import type { PartaClient } from '@parta/sdk';
import type { TestServer } from '@parta/testkit';
import { RawSocket } from './raw-socket.js';

/** The people of a school. */
export const PEOPLE = ['T1', 'T2', 'S1', 'S2', 'S3', 'P1', 'P2', 'P3', 'AD', 'ST'] as const;
/** One of the people of a school. */
export type Who = (typeof PEOPLE)[number];

/** The chats of a school, each holding message 1 (its secret). */
export const CHATS = [
  'class5',
  'class6',
  'parents5',
  'parents6',
  'staffRoom',
  'news',
  'group',
  'channel',
  'direct5',
  'direct6',
] as const;
/** One of the chats of a school. */
export type ChatName = (typeof CHATS)[number];

/** A person: id, login, account, a signed-in client and its token. */
export interface Person {
  id: number;
  login: string;
  accountId: number;
  client: PartaClient;
  token: string;
}

/** One school as built. */
export interface School {
  tag: string;
  org: number;
  municipality: number;
  classes: { c5: number; c6: number };
  people: Record<Who, Person>;
  chats: Record<ChatName, number>;
  /** S1's report on message 1 of the class chat of 5x. */
  report: number;
  /** Every session of the school's people. */
  sessions: number[];
  /** The secret text (message 1) of each chat. */
  text: Record<ChatName, string>;
  /** Everything of the school an outsider must never see: names, texts, titles of its own. */
  secrets: string[];
}

let sent = 0;
const clientId = (_tag: string) => `adversary-${process.pid}-${++sent}`;

/** Builds a school (see the module's comment) in `municipality`, or a new one. */
export async function buildSchool(
  server: TestServer,
  tag: string,
  letters: [string, string],
  municipality?: number,
): Promise<School> {
  const b = server.build;
  const mun = municipality ?? (await b.municipality()).id;
  const school = await b.school({ municipalityId: mun, name: `Школа ${tag}` });
  const c5 = await b.schoolClass({ organizationId: school.id, grade: 5, letter: letters[0] });
  const c6 = await b.schoolClass({ organizationId: school.id, grade: 6, letter: letters[1] });
  const named = (key: Who) => ({ lastName: `${tag}-${key}`, firstName: `${tag}имя${key}` });
  const raw: Record<string, { id: number; login: string | null }> = {};
  raw.T1 = await b.teacher(school.id, [{ id: c5.id, homeroom: true }], named('T1'));
  raw.T2 = await b.teacher(school.id, [{ id: c6.id, homeroom: true }], named('T2'));
  raw.S1 = await b.student(c5, named('S1'));
  raw.S2 = await b.student(c5, named('S2'));
  raw.S3 = await b.student(c6, named('S3'));
  raw.P1 = await b.parent(school.id, [raw.S1], named('P1'));
  raw.P2 = await b.parent(school.id, [raw.S2], named('P2'));
  raw.P3 = await b.parent(school.id, [raw.S3], named('P3'));
  for (const [key, role] of [
    ['AD', 'school_admin'],
    ['ST', 'staff'],
  ] as const) {
    raw[key] = await b.person(named(key));
    await b.membership({ personId: raw[key].id, role, organizationId: school.id });
  }
  const people = {} as Record<Who, Person>;
  for (const key of PEOPLE) {
    const client = server.client();
    const { token, accountId } = await client.devLogin({ login: raw[key]!.login!, deviceName: `${tag} ${key}` });
    people[key] = { id: raw[key]!.id, login: raw[key]!.login!, accountId, client, token };
  }
  const { T1, T2, S1, S3, AD } = people;
  await AD.client.syncRoster(school.id);
  const roster = (await AD.client.chats()).chats;
  const byPurpose = (purpose: string, classId: number | null) =>
    roster.find((c) => c.purpose === purpose && (classId === null || c.classId === classId))!.id;
  const parents5 = (await T1.client.chats()).chats.find((c) => c.purpose === 'class_parents')!.id;
  const parents6 = (await T2.client.chats()).chats.find((c) => c.purpose === 'class_parents')!.id;
  const class5 = (await T1.client.chats()).chats.find((c) => c.purpose === 'class')!.id;
  const class6 = (await T2.client.chats()).chats.find((c) => c.purpose === 'class')!.id;
  const chats: Record<ChatName, number> = {
    class5,
    class6,
    parents5,
    parents6,
    staffRoom: byPurpose('staff_room', null),
    news: byPurpose('news', null),
    group: (await T2.client.createChat({ kind: 'group', organizationId: school.id, title: `${tag} кружок`, personIds: [S3.id] }))
      .id,
    channel: (
      await T1.client.createChat({ kind: 'channel', organizationId: school.id, title: `${tag} канал`, classIds: [c5.id] })
    ).id,
    direct5: (await T1.client.openDirect(S1.id)).id,
    direct6: (await T2.client.openDirect(S3.id)).id,
  };
  // Message 1 of each chat, by someone who may post there.
  const poster: Record<ChatName, Who> = {
    class5: 'T1',
    class6: 'T2',
    parents5: 'T1',
    parents6: 'T2',
    staffRoom: 'AD',
    news: 'AD',
    group: 'T2',
    channel: 'T1',
    direct5: 'T1',
    direct6: 'T2',
  };
  const text = {} as Record<ChatName, string>;
  for (const chat of CHATS) {
    text[chat] = `${tag} секрет ${chat}`;
    await people[poster[chat]].client.sendMessage(chats[chat], { clientId: clientId(tag), text: text[chat] });
  }
  // A reply, a reaction, a pin, an edit (kept in the history), read positions and a report.
  await S1.client.sendMessage(chats.class5, { clientId: clientId(tag), text: `${tag} ответ`, replyToSeq: 1 });
  await S1.client.react(chats.class5, 1, '👍');
  await T1.client.pin(chats.class5, 1);
  await T2.client.sendMessage(chats.group, { clientId: clientId(tag), text: `${tag} черновик` });
  await T2.client.editMessage(chats.group, 2, `${tag} правка`);
  await S3.client.markRead(chats.group, 2);
  const report = (await S1.client.report(chats.class5, 1, `${tag} жалоба`)).reportId;
  const sessions: number[] = [];
  for (const key of PEOPLE) sessions.push(...(await people[key].client.sessions()).sessions.map((s) => s.id));
  // The tag alone finds any of it (school A's own data never carries B's tag); the rest name what leaked.
  const secrets = [
    tag,
    `Школа ${tag}`,
    `${tag} кружок`,
    `${tag} канал`,
    `${tag} ответ`,
    `${tag} черновик`,
    `${tag} правка`,
    `${tag} жалоба`,
    `5${letters[0]}`,
    `6${letters[1]}`,
    ...Object.values(text),
    ...PEOPLE.flatMap((k) => Object.values(named(k))),
    ...PEOPLE.map((k) => people[k].login),
  ];
  return {
    tag,
    org: school.id,
    municipality: mun,
    classes: { c5: c5.id, c6: c6.id },
    people,
    chats,
    report,
    sessions,
    text,
    secrets,
  };
}

/** The secrets of `school` that `text` shows. */
export function leaked(text: string, secrets: readonly string[]): string[] {
  return secrets.filter((s) => text.includes(s));
}

/**
 * Every row a request could write, in a stable order: chats, members (roles, read positions, mutes), messages
 * (texts, reactions, pins, deletions, versions), earlier texts, mentions, reports, roster facts, and sessions
 * (whether revoked) except those of the accounts in `skipAccounts` (attackers who sign themselves out).
 */
export async function snapshot(server: TestServer, skipAccounts: readonly number[] = []): Promise<string> {
  const db = server.store.db;
  const tables = await Promise.all([
    db.selectFrom('chats').selectAll().orderBy('id').execute(),
    db.selectFrom('chatMembers').selectAll().orderBy('chatId').orderBy('personId').execute(),
    db.selectFrom('messages').selectAll().orderBy('id').execute(),
    db.selectFrom('messageEdits').selectAll().orderBy('messageId').orderBy('editedAt').execute(),
    db.selectFrom('mentions').selectAll().orderBy('chatId').orderBy('personId').orderBy('seq').execute(),
    db.selectFrom('reports').selectAll().orderBy('id').execute(),
    db.selectFrom('memberships').selectAll().orderBy('id').execute(),
    db.selectFrom('guardianships').selectAll().orderBy('parentPersonId').orderBy('studentPersonId').execute(),
    db.selectFrom('persons').selectAll().orderBy('id').execute(),
    db
      .selectFrom('sessions')
      .select(['id', 'accountId', 'revokedAt'])
      .orderBy('id')
      .execute()
      .then((rows) => rows.filter((r) => !skipAccounts.includes(r.accountId))),
  ]);
  return JSON.stringify(tables);
}

/** Sockets of people who must hear nothing while they are attacked: each keeps every frame it gets. */
export class Watchers {
  private readonly sockets: { name: string; raw: RawSocket; from: number }[] = [];
  private nonce = 0;

  /** Signs the people in over raw sockets; what they get from now on is watched. */
  static async of(server: TestServer, people: Record<string, Person>): Promise<Watchers> {
    const w = new Watchers();
    for (const [name, p] of Object.entries(people)) {
      const raw = await RawSocket.signedIn(server.url, p.token);
      w.sockets.push({ name, raw, from: raw.frames.length });
    }
    return w;
  }

  /**
   * What each watcher got since it was signed in (or since the last `heard`), besides the pongs of a ping sent
   * now: frames written before the pong arrive before it, so a frame an attack caused is not missed.
   */
  async heard(): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const s of this.sockets) {
      const nonce = `watch-${++this.nonce}`;
      s.raw.send({ type: 'session.ping', nonce });
      const pong = await s.raw.until('session.pong', (f) => f.nonce === nonce, s.from);
      const frames = s.raw.frames.slice(s.from, s.raw.frames.indexOf(pong));
      s.from = s.raw.frames.length;
      const told = frames.filter((f) => f.type !== 'session.pong').map((f) => JSON.stringify(f));
      if (told.length) out[s.name] = told;
    }
    return out;
  }

  /** Ends every watcher's connection. */
  close(): void {
    for (const s of this.sockets) s.raw.destroy();
  }
}

/**
 * Schools A (`Альфа`) and B (`Бета`) and A's attackers: its student S1, parent P1, teacher T1, admin AD, staff ST and
 * a municipality official, each with a group of A of their own (shared with P2) for the probes that need one.
 */
export async function attackWorld(
  server: TestServer,
): Promise<{ A: School; B: School; attackers: { name: string; person: Person; own: number }[] }> {
  const A = await buildSchool(server, 'Альфа', ['А', 'Б']);
  const B = await buildSchool(server, 'Бета', ['Щ', 'Ю']);
  const official = await server.build.person({ lastName: 'Альфа-OF', firstName: 'Альфаимя OF' });
  await server.build.membership({ personId: official.id, role: 'municipality_official', municipalityId: A.municipality });
  const c = server.client();
  const o = await c.devLogin({ login: official.login! });
  const everyone: [string, Person][] = [
    ...(['S1', 'P1', 'T1', 'AD', 'ST'] as const).map((w): [string, Person] => [w, A.people[w]]),
    ['official', { id: official.id, login: official.login!, accountId: o.accountId, client: c, token: o.token }],
  ];
  const attackers: { name: string; person: Person; own: number }[] = [];
  for (const [name, person] of everyone) {
    const own = (
      await server.build.chat({ organizationId: A.org, members: [{ personId: person.id }, { personId: A.people.P2.id }] })
    ).id;
    attackers.push({ name, person, own });
  }
  return { A, B, attackers };
}
