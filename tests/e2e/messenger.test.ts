import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { createApp, createLogger, parseEnv } from '@parta/server';
import { startTestServer, type TestServer } from '@parta/testkit';
import {
  closeBrowser,
  expectNoPageErrors,
  expectNoSeriousA11yViolations,
  launchBrowser,
  openPage,
  pageErrorsOf,
  screenshot,
} from './support/browser.js';

// A teacher and a student chat in two browser windows, as a newcomer would try it: a group made from
// a class appears live on the student's side; messages, replies, reactions, read receipts, an
// announcement with who has not read it; the server restarts mid-conversation and a message typed
// while it was down arrives once.

let server: TestServer;
let teacherToken: string;
let studentToken: string;
let student2Token: string;
let studentId: number;
let teacherPage: Page;
let studentPage: Page;
/** The app after an in-process restart; the test server's own `close` knows only the first one. */
let restarted: TestServer['parta'] | null = null;

beforeAll(async () => {
  server = await startTestServer({ PARTA_SEND_RATE_PER_SEC: '100000' });
  const b = server.build;
  const school = await b.school({ name: 'Школа № 7' });
  const cls = await b.schoolClass({ organizationId: school.id, grade: 5, letter: 'А' });
  const teacher = await b.teacher(school.id, [{ id: cls.id, homeroom: true, subject: 'математика' }], {
    lastName: 'Колесникова',
    firstName: 'Антонина',
    middleName: 'Лукинична',
  });
  const student = await b.student(cls, { lastName: 'Успенская', firstName: 'Анна', middleName: 'Фёдоровна' });
  const student2 = await b.student(cls, { lastName: 'Белов', firstName: 'Григорий', middleName: 'Андреевич' });
  studentId = student.id;
  teacherToken = (await server.login(teacher.login!)).token!;
  studentToken = (await server.login(student.login!)).token!;
  student2Token = (await server.login(student2.login!)).token!;
  await launchBrowser();
  teacherPage = await openPage(`${server.url}/`, { viewport: 'desktop', token: teacherToken });
  studentPage = await openPage(`${server.url}/`, { viewport: 'desktop', token: studentToken });
});

afterAll(async () => {
  await closeBrowser();
  if (restarted) {
    await restarted.close();
    await server.store.close();
    await server.database.drop();
  } else await server?.close();
});

/** A message bubble by its text. */
const bubble = (page: Page, text: string) =>
  page.locator('article.msg:not(.pending)').filter({ has: page.locator('.text', { hasText: text }) });

/** Writes and sends a message in the open chat. */
async function write(page: Page, text: string): Promise<void> {
  const box = page.getByLabel('Текст сообщения');
  await box.fill(text);
  await box.press('Enter');
}

describe('a teacher and a student in two windows', () => {
  test('a group made from a class appears live for the student', async () => {
    await teacherPage.getByRole('link', { name: 'Новый чат' }).click();
    await teacherPage.getByLabel('Название').fill('Кружок робототехники');
    await teacherPage.getByLabel('5А').check();
    await teacherPage.getByRole('button', { name: 'Создать' }).click();
    await expect.poll(() => teacherPage.getByRole('heading', { name: 'Кружок робототехники' }).count()).toBe(1);

    const link = studentPage.getByRole('link', { name: /Кружок робототехники/ });
    await link.waitFor();
    await link.click();
    await studentPage.getByRole('heading', { name: 'Кружок робототехники' }).waitFor();
  });

  test('they exchange messages, a reply and a reaction, and see who read what', async () => {
    await write(teacherPage, 'Здравствуйте! Завтра собираемся в *15:00* в кабинете 204');
    await bubble(studentPage, 'Завтра собираемся').waitFor();
    // Bold formatting is rendered, not shown as asterisks.
    expect(await bubble(studentPage, 'Завтра собираемся').locator('strong').innerText()).toBe('15:00');

    const incoming = bubble(studentPage, 'Завтра собираемся');
    await incoming.hover();
    await incoming.getByRole('button', { name: 'Ответить' }).click();
    await write(studentPage, 'Хорошо, приду');
    const reply = bubble(teacherPage, 'Хорошо, приду');
    await reply.waitFor();
    // The reply quotes the teacher's message.
    await expect.poll(() => reply.locator('.quote').innerText()).toContain('Завтра собираемся');

    // The student's own message counts its readers too.
    await bubble(studentPage, 'Хорошо, приду')
      .getByRole('button', { name: /Прочитали [01] из 2/ })
      .waitFor();

    await incoming.hover();
    await incoming.getByRole('button', { name: 'Реакция 👍' }).click();
    await bubble(teacherPage, 'Завтра собираемся').getByRole('button', { name: '👍 1' }).waitFor();

    // The student has the chat open: the teacher sees it read by one of the two students.
    await bubble(teacherPage, 'Завтра собираемся').getByRole('button', { name: 'Прочитали 1 из 2' }).waitFor();
    await bubble(teacherPage, 'Завтра собираемся').getByRole('button', { name: 'Прочитали 1 из 2' }).click();
    const dialog = teacherPage.getByRole('dialog');
    await expect.poll(() => dialog.innerText()).toContain('Белов Григорий');
    expect(await dialog.getByRole('heading', { name: 'Не прочитали (1)' }).count()).toBe(1);
    await teacherPage.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  test('a mention is picked from the members while typing', async () => {
    const box = teacherPage.getByLabel('Текст сообщения');
    await box.fill('');
    await box.pressSequentially('@Успе');
    await teacherPage.getByRole('option', { name: /Успенская Анна/ }).waitFor();
    await box.press('Enter');
    await box.pressSequentially('не забудь ноутбук');
    await box.press('Enter');
    await bubble(studentPage, 'не забудь ноутбук').locator('.mention').waitFor();
    const chatId = Number(new URL(teacherPage.url()).hash.split('/')[2]);
    const student = server.client();
    student.token = studentToken;
    const { messages } = await student.messages(chatId);
    expect(messages.find((m) => m.text.includes('не забудь ноутбук'))?.mentions).toEqual([studentId]);
  });

  test('an announcement shows who has not acknowledged it until they do', async () => {
    await teacherPage.getByLabel('Обязательно к прочтению').check();
    await write(teacherPage, 'Родительское собрание в пятницу в 18:00');
    const mine = bubble(teacherPage, 'Родительское собрание');
    await mine.getByRole('button', { name: 'Не ознакомились: 2' }).waitFor();

    const theirs = bubble(studentPage, 'Родительское собрание');
    await theirs.getByRole('button', { name: 'Ознакомлен(а)' }).click();
    await theirs.getByText('Вы ознакомились').waitFor();
    await mine.getByRole('button', { name: 'Не ознакомились: 1' }).waitFor();
    await mine.getByRole('button', { name: 'Не ознакомились: 1' }).click();
    const dialog = teacherPage.getByRole('dialog', { name: 'Обязательно к прочтению' });
    await expect.poll(() => dialog.locator('section').first().innerText()).toContain('Белов Григорий');
    expect(await dialog.locator('section').first().innerText()).not.toContain('Успенская');
    await teacherPage.keyboard.press('Escape');
  });

  test('the pages pass the accessibility check and are captured at 1280 px', async () => {
    await expectNoSeriousA11yViolations(teacherPage);
    await expectNoSeriousA11yViolations(studentPage);
    await screenshot(teacherPage, 'chat-desktop');
  });

  test('the server restarts mid-conversation; a message typed while it is down arrives once', async () => {
    await restartServerWhile(async () => {
      await studentPage.getByRole('status').filter({ hasText: 'Нет соединения' }).waitFor();
      await write(studentPage, 'Пишу, пока нет связи');
      // It shows at once, marked as waiting.
      await studentPage.locator('article.msg.pending', { hasText: 'Пишу, пока нет связи' }).waitFor();
    });
    await bubble(teacherPage, 'Пишу, пока нет связи').waitFor({ timeout: 20_000 });
    await write(teacherPage, 'Связь вернулась, продолжаем');
    await bubble(studentPage, 'Связь вернулась, продолжаем').waitFor();
    await studentPage.getByRole('status').filter({ hasText: 'Нет соединения' }).waitFor({ state: 'detached' });

    // Nothing lost, nothing twice: on both screens and in the stored log.
    await new Promise((r) => setTimeout(r, 500));
    for (const page of [teacherPage, studentPage]) {
      for (const text of ['Завтра собираемся', 'Хорошо, приду', 'Пишу, пока нет связи', 'Связь вернулась']) {
        expect(await bubble(page, text).count(), text).toBe(1);
      }
      expect(await page.locator('article.msg.pending').count()).toBe(0);
    }
    const chatId = Number(new URL(studentPage.url()).hash.split('/')[2]);
    const api = server.client();
    api.token = studentToken;
    const { messages } = await api.messages(chatId, { limit: 100 });
    expect(messages.filter((m) => m.text === 'Пишу, пока нет связи')).toHaveLength(1);
    expect(messages.map((m) => m.seq)).toEqual(messages.map((_, i) => i + 1));
    expectNoErrorsButReconnects(teacherPage);
    expectNoErrorsButReconnects(studentPage);
  });
});

describe('a message written offline in a tab that is then closed', () => {
  test('is kept on the device and sent once when the app is opened again', async () => {
    const url = studentPage.url();
    await restartServerWhile(async () => {
      await studentPage.getByRole('status').filter({ hasText: 'Нет соединения' }).waitFor();
      await write(studentPage, 'Написано в метро');
      await studentPage.locator('article.msg.pending', { hasText: 'Написано в метро' }).waitFor();
      await studentPage.close();
    });
    // Later, with the server back, the app is opened again on the same device.
    studentPage = await studentPage.context().newPage();
    await studentPage.goto(url);
    await bubble(teacherPage, 'Написано в метро').waitFor({ timeout: 20_000 });
    await bubble(studentPage, 'Написано в метро').waitFor();
    await new Promise((r) => setTimeout(r, 500));
    expect(await bubble(teacherPage, 'Написано в метро').count()).toBe(1);
    expect(await studentPage.locator('article.msg.pending').count()).toBe(0);
  });
});

describe('a direct chat', () => {
  test('opens from a member card and shows that the other person is online', async () => {
    await studentPage.getByRole('button', { name: 'Участники' }).click();
    await studentPage
      .getByRole('complementary')
      .getByRole('button', { name: /Колесникова Антонина/ })
      .click();
    const card = studentPage.getByRole('dialog', { name: 'Колесникова Антонина' });
    await card.getByText('Классный руководитель').waitFor();
    await card.getByRole('button', { name: 'Написать' }).click();
    await studentPage.getByRole('heading', { name: 'Колесникова Антонина' }).waitFor();
    await studentPage.locator('.chat-head').getByText('в сети').waitFor();
  });
});

describe('on a phone', () => {
  test('the chat list, then one chat at a time, with a way back; captured at 375 px', async () => {
    const page = await openPage(`${server.url}/`, { viewport: 'phone', token: student2Token });
    const link = page.getByRole('link', { name: /Кружок робототехники/ });
    await link.waitFor();
    // The list shows the unread counter of the messages above.
    await expect.poll(() => link.innerText()).toMatch(/\d/);
    await link.click();
    // Everything was unread for him: a separator marks where the new messages begin.
    await bubble(page, 'Завтра собираемся').waitFor();
    expect(await page.getByRole('separator').filter({ hasText: 'Новые сообщения' }).count()).toBe(1);
    await bubble(page, 'Написано в метро').waitFor();
    await expect
      .poll(async () => {
        const last = await page.locator('article.msg').last().boundingBox();
        const below = await page.locator('.composer').boundingBox();
        return last && below ? Math.round(below.y - (last.y + last.height)) : -1000;
      })
      .toBeGreaterThanOrEqual(0);
    expect(await page.getByRole('navigation').isVisible()).toBe(false);
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, 'chat-phone');
    await page.getByRole('link', { name: 'Назад к чатам' }).click();
    await link.waitFor();
    expectNoPageErrors(page);
  });

  test('English is one switch away and stays after a reload', async () => {
    const page = await openPage(`${server.url}/#/settings`, { viewport: 'phone', token: student2Token });
    await page.getByRole('heading', { name: 'Настройки' }).waitFor();
    await page.getByRole('button', { name: 'EN' }).click();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
  });
});

/** Runs `during` while the server is down, then brings it back on the same port and database. */
async function restartServerWhile(during: () => Promise<void>): Promise<void> {
  const port = new URL(server.url).port;
  const parsed = parseEnv({
    PORT: port,
    HOST: '127.0.0.1',
    PARTA_DEV_LOGIN: '1',
    LOG_LEVEL: 'silent',
    PARTA_SEND_RATE_PER_SEC: '100000',
    ...server.database.env,
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  await (restarted ?? server.parta).close();
  let failure: Error | null = null;
  try {
    await during();
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
  }
  const parta = await createApp({ env: parsed.env, store: server.store, log: createLogger(parsed.env) });
  await parta.listen();
  restarted = parta;
  if (failure) throw failure;
}

/** No page errors but the refused connections a server restart causes (the reconnect attempts). */
function expectNoErrorsButReconnects(page: Page): void {
  const errors = pageErrorsOf(page).filter((e) => !/WebSocket connection to .* failed|ERR_CONNECTION_REFUSED/.test(e));
  expect(errors, errors.join('\n')).toEqual([]);
}
