import { type TestServer } from '@parta/testkit';
import { type PartaClient } from '@parta/sdk';

/*
 * The shared state of tests/api/bad-input.test.ts: its one test server, the accounts and the chat data the
 * valid calls use, and every answer the file received (checked at the end). Set once by `seed`, in the
 * file's beforeAll; the bindings are live, so modules read them after it ran.
 */

/** The file's one test server. */
export let server: TestServer;
/**
 * A homeroom teacher who is also the school's admin (so that every chat route, moderation
 * included, has a valid call); its token is shared by every non-revoking call and must survive them all.
 */
export let main: { login: string; token: string; client: PartaClient };
/** An account whose sessions the logout routes may end. */
export let victimLogin: string;
/** The school and class of the main account. */
export let ids: Record<'organization' | 'class', number>;
/** The chat data valid calls use. */
export let fx: {
  /** The main account's person. */
  person: number;
  /** Two students of the main account's class. */
  student: number;
  other: number;
  /** A group the main account owns, with both students. */
  chat: number;
  /** A message of the main account in `chat`, edited by the valid calls. */
  editable: number;
  /** A message of a student in `chat`: reacted to, pinned, read, reported. */
  target: number;
  /** A chat of another teacher, without the main account. */
  foreign: number;
};

/** Every answer of the file, for the final checks. */
export const answers: { what: string; status: number }[] = [];

let sequence = 0;
/** The next number of a counter shared by client ids and edited texts, so that no two are alike. */
export const nextSequence = () => ++sequence;
/** A client id no send has used yet. */
export const freshClientId = () => `bad-input-${nextSequence()}`;

/** Builds the accounts and chats on the file's test server (started in its beforeAll). */
export async function seed(started: TestServer): Promise<void> {
  // Valid calls send many messages; the send rate limit is not what this file is about.
  // Every route is called many times by one account: the abuse limits are tested in limits.test.ts.
  server = started;
  const b = server.build;
  const school = await b.school();
  const cls = await b.schoolClass({ organizationId: school.id });
  const teacher = await b.teacher(school.id, [{ id: cls.id, homeroom: true }]);
  await b.membership({ personId: teacher.id, role: 'school_admin', organizationId: school.id });
  const client = await server.login(teacher.login!);
  main = { login: teacher.login!, token: client.token!, client };
  victimLogin = (await b.person()).login!;
  ids = { organization: school.id, class: cls.id };

  const student = await b.student(cls);
  const other = await b.student(cls);
  const chat = await client.createChat({
    kind: 'group',
    organizationId: school.id,
    title: 'Плохой ввод',
    personIds: [student.id, other.id],
  });
  const editable = (await client.sendMessage(chat.id, { clientId: freshClientId(), text: 'Черновик' })).seq;
  const s = await server.login(student.login!);
  const target = (await s.sendMessage(chat.id, { clientId: freshClientId(), text: 'Контрольная в пятницу' })).seq;
  const colleague = await b.teacher(school.id);
  // A direct chat: not even the school's admins (the main account is one) reach into it.
  const foreign = await b.chat({
    organizationId: school.id,
    kind: 'direct',
    members: [{ personId: colleague.id }, { personId: other.id }],
  });
  fx = { person: teacher.id, student: student.id, other: other.id, chat: chat.id, editable, target, foreign: foreign.id };
}

/** A fresh group of the main account with one student. */
export async function freshChat(): Promise<number> {
  const chat = await server.build.chat({
    organizationId: ids.organization,
    members: [{ personId: fx.person }, { personId: fx.other }],
  });
  return chat.id;
}

/** A fresh message of the main account in `fx.chat`; its seq. */
export async function freshMessage(): Promise<number> {
  return (await main.client.sendMessage(fx.chat, { clientId: freshClientId(), text: 'Удалю' })).seq;
}
