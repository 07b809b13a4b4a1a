import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Page } from 'playwright-core';
import { startTestServer, type TestServer } from '@parta/testkit';
import { launchBrowser, openPage } from './browser.js';

/** Header that marks the student's browser context, so that the server side can find its socket. */
const MARK = 'x-parta-e2e-page';

/** Bearer tokens of the school's people who use a browser. */
export type SchoolTokens = Record<'teacher' | 'student' | 'teacherParent' | 'admin', string>;

/** One school of the features tests, with the browser open on its class chat for a teacher and a student. */
export interface FeatureSchool {
  server: TestServer;
  classChatId: number;
  tokens: SchoolTokens;
  /** Белов Григорий, a classmate who writes through the API (no browser). */
  classmate: Awaited<ReturnType<TestServer['login']>>;
  teacherPage: Page;
  /** Its socket carries the `student` page mark (see `sockets`). */
  studentPage: Page;
  /** Sockets upgraded to WebSockets, with the page mark of the context that opened them. */
  sockets: { mark: string | undefined; socket: Duplex }[];
}

/**
 * Starts a server with one school of the region `regionCode`, built from the roster as a real
 * school: a 5Б homeroom teacher, a 7А homeroom teacher who is also the parent of a 5Б student,
 * three 5Б students, one 7А student and the school's admin; then launches the browser and opens
 * 5Б's class chat for the teacher and a student. `onServer` gets the server as soon as it runs, so
 * that the caller can close it if the rest fails.
 */
export async function openFeatureSchool(regionCode: string, onServer: (server: TestServer) => void): Promise<FeatureSchool> {
  const sockets: FeatureSchool['sockets'] = [];
  const server = await startTestServer({ PARTA_SEND_RATE_PER_SEC: '100000' });
  onServer(server);
  server.parta.app.server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    const mark = req.headers[MARK];
    sockets.push({ mark: Array.isArray(mark) ? mark[0] : mark, socket });
  });
  const b = server.build;
  const region = await b.region({ code: regionCode, name: 'Тестовый край' });
  const municipality = await b.municipality({ regionId: region.id });
  const school = await b.school({ municipalityId: municipality.id, name: 'Школа № 12' });
  const c7 = await b.schoolClass({ organizationId: school.id, grade: 7, letter: 'А' });
  const c5 = await b.schoolClass({ organizationId: school.id, grade: 5, letter: 'Б' });
  const teacher = await b.teacher(
    school.id,
    [
      { id: c5.id, homeroom: true, subject: 'математика' },
      { id: c7.id, subject: 'математика' },
    ],
    { lastName: 'Субботин', firstName: 'Илья', middleName: 'Сергеевич' },
  );
  const teacherParent = await b.teacher(school.id, [{ id: c7.id, homeroom: true, subject: 'литература' }], {
    lastName: 'Колесникова',
    firstName: 'Антонина',
    middleName: 'Лукинична',
  });
  const student = await b.student(c5, { lastName: 'Успенская', firstName: 'Анна', middleName: 'Фёдоровна' });
  const other = await b.student(c5, { lastName: 'Белов', firstName: 'Григорий', middleName: 'Андреевич' });
  const son = await b.student(c5, { lastName: 'Колесников', firstName: 'Пётр', middleName: 'Ильич' });
  await b.student(c7, { lastName: 'Яковлева', firstName: 'Дарья', middleName: 'Олеговна' });
  // The same person teaches 7А and is the parent of a 5Б student.
  await b.membership({ personId: teacherParent.id, role: 'parent', organizationId: school.id });
  await server.store.db
    .insertInto('guardianships')
    .values({ parentPersonId: teacherParent.id, studentPersonId: son.id })
    .execute();
  const admin = await b.person({ lastName: 'Орлова', firstName: 'Вера', middleName: 'Павловна' });
  await b.membership({ personId: admin.id, role: 'school_admin', organizationId: school.id });
  await server.parta.syncRosterChats(regionCode);

  const tokens: SchoolTokens = { teacher: '', student: '', teacherParent: '', admin: '' };
  tokens.teacher = (await server.login(teacher.login!)).token!;
  tokens.student = (await server.login(student.login!)).token!;
  tokens.teacherParent = (await server.login(teacherParent.login!)).token!;
  tokens.admin = (await server.login(admin.login!)).token!;
  const classmate = await server.login(other.login!);
  const { chats } = await classmate.chats();
  const classChatId = chats.find((c) => c.title === '5Б — класс')!.id;

  await launchBrowser();
  const teacherPage = await openPage(`${server.url}/#/chat/${classChatId}`, { viewport: 'desktop', token: tokens.teacher });
  const studentPage = await openPage(`${server.url}/#/chat/${classChatId}`, { viewport: 'desktop', token: tokens.student });
  // Reloaded with the mark, so that the offline test can drop exactly this page's socket.
  await studentPage.context().setExtraHTTPHeaders({ [MARK]: 'student' });
  await studentPage.reload();
  for (const page of [teacherPage, studentPage]) await page.getByRole('heading', { name: '5Б — класс' }).waitFor();
  return { server, classChatId, tokens, classmate, teacherPage, studentPage, sockets };
}
