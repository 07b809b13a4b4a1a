import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { newClientId } from '@parta/sdk';
import { seedDemo } from '@parta/server';
import type { TestServer } from '@parta/testkit';
import { closeBrowser, expectNoSeriousA11yViolations, openPage, pageErrorsOf, screenshot } from './support/browser.js';
import { bubble, bubbleAt, expectNoErrorsButReconnects, inViewport, openChat, post, write } from './support/chat-page.js';
import { openFeatureSchool, type FeatureSchool } from './support/features-school.js';

// The messenger's features one by one, as people in one school use them in Chromium: signing in as a
// newcomer, editing, deleting, pinning and forwarding, typing, search, the profile switch of a teacher
// who is also a parent, members and profile cards, moderation by the school's admin, and a student
// who loses the network mid-conversation. Chats come from the roster, as in a real school.

const REGION = 'features';
/** How long a poll waits for something to show up (live frames, renders) before it fails. */
const SOON = { timeout: 10_000 };

let server: TestServer;
let classChatId: number;
let tokens: FeatureSchool['tokens'];
let classmate: FeatureSchool['classmate'];
let teacherPage: Page;
let studentPage: Page;
let sockets: FeatureSchool['sockets'];

beforeAll(async () => {
  // The server is kept as soon as it runs, so that it is closed even if the rest of the setup fails.
  ({ server, classChatId, tokens, classmate, teacherPage, studentPage, sockets } = await openFeatureSchool(
    REGION,
    (s) => (server = s),
  ));
});

afterAll(async () => {
  await closeBrowser();
  await server?.close();
});

describe('a newcomer signs in', () => {
  test('the Russian sign-in screen: Gosuslugi not yet, a wrong login is refused, a demo teacher gets in', async () => {
    const page = await openPage(`${server.url}/`, { viewport: 'desktop' });
    await page.getByRole('heading', { name: 'Вход в Парту' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('ru');
    const esia = page.getByRole('button', { name: 'Войти через Госуслуги' });
    expect(await esia.isDisabled()).toBe(true);
    // No demo yet: no demo users to pick.
    await page.getByRole('button', { name: 'Войти', exact: true }).waitFor();
    expect(await page.getByRole('heading', { name: 'Демо-пользователи' }).count()).toBe(0);

    await page.getByLabel('Логин').fill('nobody.here');
    await page.getByRole('button', { name: 'Войти', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').innerText(), SOON).toMatch(/^Не удалось войти: /);
    expect(await page.getByRole('heading', { name: 'Вход в Парту' }).count()).toBe(1);
    expect(await page.getByLabel('Логин').inputValue()).toBe('nobody.here');
    await expectNoSeriousA11yViolations(page);

    await seedDemo(server.store);
    await server.parta.syncRosterChats('demo');
    const { demoLogins } = await server.client().authOptions();
    const demoTeacher = demoLogins.find((l) => l.role === 'homeroom_teacher')!;
    expect(demoTeacher, JSON.stringify(demoLogins)).toBeDefined();
    await page.reload();
    const demo = page.getByRole('region', { name: 'Демо-пользователи' });
    await demo.getByRole('button').first().waitFor();
    expect(await demo.getByRole('button').count()).toBe(demoLogins.length);
    await demo.getByRole('button', { name: `${demoTeacher.name} ${demoTeacher.login} · ` }).click();

    const nav = page.getByRole('navigation');
    await nav.getByRole('link', { name: /^Учительская/ }).waitFor();
    expect(await nav.getByRole('link', { name: 'Школа № 1', exact: true }).count()).toBe(1);
    expect(await nav.getByRole('link', { name: /— класс/ }).count()).toBeGreaterThan(0);
    expect(await page.getByRole('heading', { name: 'Вход в Парту' }).count()).toBe(0);
    // The pages' errors: only the refused sign-in (401/404 answers are logged by Chromium).
    const errors = pageErrorsOf(page).filter(
      (e) => !/Failed to load resource: the server responded with a status of 4\d\d/.test(e),
    );
    expect(errors, errors.join('\n')).toEqual([]);
    await page.context().close();
  });

  test('on a phone the sign-in screen fits and passes the accessibility check', async () => {
    const page = await openPage(`${server.url}/`, { viewport: 'phone' });
    await page.getByRole('heading', { name: 'Вход в Парту' }).waitFor();
    await page.getByRole('region', { name: 'Демо-пользователи' }).getByRole('button').first().waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(375);
    await expectNoSeriousA11yViolations(page);
    await screenshot(page, 'signin-phone');
    await page.context().close();
  });
});

describe('typing', () => {
  test('the teacher sees that the student is typing, until the message arrives', async () => {
    const typing = teacherPage.locator('.typing');
    expect(await typing.innerText()).toBe('');
    const box = studentPage.getByLabel('Текст сообщения');
    await box.pressSequentially('Можно вопрос');
    await expect.poll(() => typing.innerText(), SOON).toBe('Успенская Анна печатает…');
    await box.pressSequentially('?');
    await box.press('Enter');
    await bubble(teacherPage, 'Можно вопрос?').waitFor();
    expect(await typing.innerText()).toBe('');
  });
});

describe('edit, delete, pin and forward', () => {
  let first: number;
  let second: number;

  test('the author edits a message from its actions and with ↑; the other side sees the new text', async () => {
    first = await post(studentPage, 'Я сделала домашнее задание');
    second = await post(studentPage, 'Завтра меня не будет');
    await bubbleAt(teacherPage, second).waitFor();

    const mine = bubbleAt(studentPage, first);
    await mine.hover();
    await mine.getByRole('button', { name: 'Изменить' }).click();
    const box = studentPage.getByLabel('Текст сообщения');
    expect(await box.inputValue()).toBe('Я сделала домашнее задание');
    await box.fill('Я сделала домашнее задание по алгебре');
    await box.press('Enter');
    const seen = bubbleAt(teacherPage, first);
    await expect.poll(() => seen.locator('.text').innerText(), SOON).toBe('Я сделала домашнее задание по алгебре');
    expect(await seen.locator('.meta').innerText()).toContain('изменено');
    expect(await bubbleAt(teacherPage, second).locator('.meta').innerText()).not.toContain('изменено');

    // ↑ in the empty composer edits the last own message.
    await box.press('ArrowUp');
    await studentPage.getByText('Редактирование').waitFor();
    expect(await box.inputValue()).toBe('Завтра меня не будет');
    await box.fill('Завтра меня не будет, заболела');
    await box.press('Enter');
    await expect
      .poll(() => bubbleAt(teacherPage, second).locator('.text').innerText(), SOON)
      .toBe('Завтра меня не будет, заболела');
    expect(await bubbleAt(teacherPage, second).locator('.meta').innerText()).toContain('изменено');
    // An edit is not a new message.
    expect(await bubble(teacherPage, 'Завтра меня не будет').count()).toBe(1);
  });

  test('the author deletes a message for everyone after confirming', async () => {
    const mine = bubbleAt(studentPage, first);
    const asked: string[] = [];
    studentPage.once('dialog', (d) => {
      asked.push(d.message());
      void d.accept();
    });
    await mine.hover();
    await mine.getByRole('button', { name: 'Удалить для всех' }).click();
    for (const page of [studentPage, teacherPage]) {
      await expect.poll(() => bubbleAt(page, first).locator('.text').innerText(), SOON).toBe('Сообщение удалено');
    }
    expect(asked).toEqual(['Удалить сообщение для всех?']);
    expect(await bubble(teacherPage, 'по алгебре').count()).toBe(0);
  });

  test('the class teacher pins a message; the student sees it in the pinned bar', async () => {
    const pinned = studentPage.getByRole('button', { name: /^Закреплено/ });
    expect(await pinned.count()).toBe(0);
    const theirs = bubbleAt(teacherPage, second);
    await theirs.hover();
    await theirs.getByRole('button', { name: 'Закрепить' }).click();
    await pinned.waitFor();
    expect(await pinned.innerText()).toContain('Завтра меня не будет, заболела');
    // The student (not an admin of the class chat) cannot pin.
    const own = bubbleAt(studentPage, second);
    await own.hover();
    expect(await own.getByRole('button', { name: 'Закрепить' }).count()).toBe(0);
  });

  test('a message forwarded to the staff room shows where it came from', async () => {
    const theirs = bubbleAt(teacherPage, second);
    await theirs.hover();
    await theirs.getByRole('button', { name: 'Переслать' }).click();
    const dialog = teacherPage.getByRole('dialog', { name: 'Переслать в чат' });
    await dialog.getByRole('button', { name: 'Учительская' }).click();
    await dialog.waitFor({ state: 'detached' });
    await teacherPage.getByRole('alert').filter({ hasText: 'Сообщение переслано' }).waitFor();

    // Another teacher finds it in the staff room.
    const colleague = await openPage(`${server.url}/`, { viewport: 'desktop', token: tokens.teacherParent });
    await openChat(colleague, 'Учительская');
    const forwarded = bubble(colleague, 'Завтра меня не будет, заболела');
    await forwarded.waitFor();
    expect(await forwarded.locator('.forwarded').innerText()).toBe('Переслано от Успенская Анна из «5Б — класс»');
    await colleague.context().close();
  });
});

describe('search', () => {
  let exam: number;

  test('the sidebar finds a chat by title, a person by surname and a message by a word form', async () => {
    exam = await post(teacherPage, 'В пятницу контрольная работа по математике');
    // Enough talk after it that it scrolls out of view.
    for (let i = 1; i <= 30; i++) {
      await classmate.sendMessage(classChatId, { clientId: newClientId(), text: `Вопрос номер ${i} про домашку` });
    }
    const nav = teacherPage.getByRole('navigation');
    await expect.poll(() => nav.getByRole('link', { name: /^5Б — класс/ }).innerText(), SOON).toContain('Вопрос номер 30');
    expect(await inViewport(teacherPage, bubbleAt(teacherPage, exam))).toBe(false);
    await server.parta.search.drain();

    const search = teacherPage.getByLabel('Поиск по чатам и людям');
    await search.fill('учитель');
    const chats = nav.getByRole('region', { name: 'Чаты' });
    await chats.getByRole('link', { name: /^Учительская/ }).waitFor();
    expect(await chats.getByRole('link').count()).toBe(1);

    await search.fill('белов');
    const people = nav.getByRole('region', { name: 'Люди' });
    await people.getByRole('button', { name: /Белов Григорий Андреевич/ }).click();
    await teacherPage.getByRole('heading', { name: 'Белов Григорий', exact: true }).waitFor();
    expect(await search.inputValue()).toBe('');
    const direct = nav.getByRole('region', { name: 'Личные сообщения' });
    expect(await direct.getByRole('link', { name: /^Белов Григорий/ }).getAttribute('aria-current')).toBe('page');

    await search.fill('контрольную');
    const hits = nav.getByRole('region', { name: 'Сообщения' });
    const hit = hits.getByRole('link', { name: /контрольная работа по математике/ });
    await hit.waitFor();
    expect(await hits.getByRole('link').count()).toBe(1);
    await hit.click();
    await teacherPage.getByRole('heading', { name: '5Б — класс' }).waitFor();
    const found = bubbleAt(teacherPage, exam);
    await found.waitFor();
    await expect.poll(() => found.getAttribute('class'), SOON).toContain('highlighted');
    expect(await found.isVisible()).toBe(true);
    expect(await inViewport(teacherPage, found)).toBe(true);
  });

  test('the search in a chat finds a message by a word form', async () => {
    // Back to the chat as it opens from the list, scrolled to its end.
    await teacherPage
      .getByRole('navigation')
      .getByRole('link', { name: /^5Б — класс/ })
      .click();
    await expect.poll(() => new URL(teacherPage.url()).hash, SOON).toBe(`#/chat/${classChatId}`);
    await teacherPage.getByRole('button', { name: 'К последним сообщениям' }).click();
    await expect.poll(() => inViewport(teacherPage, bubbleAt(teacherPage, exam)), SOON).toBe(false);

    await teacherPage.getByRole('button', { name: 'Поиск в чате' }).click();
    await teacherPage.getByRole('searchbox', { name: 'Поиск в чате' }).fill('контрольную');
    const hits = teacherPage.getByRole('search').getByRole('listitem');
    await hits.getByRole('button', { name: /В пятницу контрольная работа по математике$/ }).waitFor();
    expect(await hits.count()).toBe(1);
  });

  test('…and its hit scrolls the history to the message and highlights it', async () => {
    await teacherPage
      .getByRole('search')
      .getByRole('button', { name: /контрольная работа по математике/ })
      .click();
    const found = bubbleAt(teacherPage, exam);
    await expect.poll(() => inViewport(teacherPage, found), SOON).toBe(true);
    expect(await found.getAttribute('class')).toContain('highlighted');
  });

  test('the search closes', async () => {
    await teacherPage.getByRole('button', { name: 'Закрыть поиск' }).click();
    expect(await teacherPage.getByRole('search').count()).toBe(0);
  });
});

describe('a teacher who is also a parent', () => {
  test('switches between «Как учитель» and «Как родитель»', async () => {
    const page = await openPage(`${server.url}/`, { viewport: 'desktop', token: tokens.teacherParent });
    const nav = page.getByRole('navigation');
    const profile = nav.getByRole('group', { name: 'Профиль' });
    await profile.waitFor();
    const chat = (title: string) => nav.getByRole('link', { name: new RegExp(`^${title}`) });
    // All roles at first: both the staff room and the child's class.
    await chat('Учительская').waitFor();
    expect(await chat('5Б — родители').count()).toBe(1);

    await profile.getByRole('button', { name: 'Как родитель' }).click();
    await chat('Учительская').waitFor({ state: 'detached' });
    expect(await profile.getByRole('button', { name: 'Как родитель' }).getAttribute('aria-pressed')).toBe('true');
    expect(await chat('5Б — родители').count()).toBe(1);
    expect(await chat('Новости школы').count()).toBe(1);
    expect(await chat('7А — класс').count()).toBe(0);

    await profile.getByRole('button', { name: 'Как учитель' }).click();
    await chat('Учительская').waitFor();
    expect(await chat('5Б — родители').count()).toBe(0);
    expect(await chat('7А — класс').count()).toBe(1);
    expect(await chat('7А — родители').count()).toBe(1);

    // The choice stays after a reload.
    await page.reload();
    await chat('Учительская').waitFor();
    expect(await chat('5Б — родители').count()).toBe(0);
    await page.context().close();
  });
});

describe('members and profile cards', () => {
  test('the members panel shows roles; a card opens a direct chat', async () => {
    await openChat(studentPage, '5Б — класс');
    await studentPage.getByRole('button', { name: 'Участники' }).click();
    const panel = studentPage.getByRole('complementary', { name: /^Участники/ });
    const member = (name: string) => panel.getByRole('button', { name: new RegExp(`^${name}`) });
    await member('Субботин Илья').waitFor();
    expect(await member('Субботин Илья').innerText()).toMatch(/Учитель\s*Классный руководитель/);
    expect(await member('Белов Григорий').innerText()).toContain('Ученик');
    expect(await member('Белов Григорий').innerText()).not.toContain('Учитель');
    expect(await member('Успенская Анна').innerText()).toContain('это вы');
    expect(await panel.getByRole('button', { name: /Колесникова/ }).count()).toBe(0);

    await member('Субботин Илья').click();
    const card = studentPage.getByRole('dialog', { name: 'Субботин Илья' });
    await card.waitFor();
    expect(await card.innerText()).toMatch(/Учитель[\s\S]*Классный руководитель[\s\S]*Владелец/);
    await card.getByRole('button', { name: 'Написать' }).click();
    await studentPage.getByRole('heading', { name: 'Субботин Илья', exact: true }).waitFor();
    await card.waitFor({ state: 'detached' });
    expect(new URL(studentPage.url()).hash).not.toBe(`#/chat/${classChatId}`);
    await openChat(studentPage, '5Б — класс');
  });
});

describe('moderation', () => {
  test('a student reports a message; the school admin deletes it from the moderation queue', async () => {
    const { seq } = await classmate.sendMessage(classChatId, { clientId: newClientId(), text: 'Ответы на контрольную у меня' });
    const reported = bubbleAt(studentPage, seq);
    await reported.waitFor();
    await reported.hover();
    await reported.getByRole('button', { name: 'Пожаловаться' }).click();
    const dialog = studentPage.getByRole('dialog', { name: 'Пожаловаться' });
    await dialog.getByLabel('Причина жалобы').fill('Предлагает списать');
    await dialog.getByRole('button', { name: 'Пожаловаться' }).click();
    await studentPage.getByRole('alert').filter({ hasText: 'Жалоба отправлена модераторам школы' }).waitFor();

    const admin = await openPage(`${server.url}/`, { viewport: 'desktop', token: tokens.admin });
    await admin.getByRole('navigation').getByRole('link', { name: 'Школа № 12', exact: true }).click();
    await admin.getByRole('heading', { name: 'Школа № 12', level: 1 }).waitFor();
    // The forwarded message waits unread in the staff room.
    expect(await admin.getByRole('navigation').getByLabel('1 непрочитанное').count()).toBe(1);
    const channels = admin.getByRole('region', { name: 'Каналы' });
    await channels.getByRole('link', { name: /^Новости школы/ }).waitFor();
    expect(
      await admin
        .getByRole('region', { name: 'Чаты' })
        .getByRole('link', { name: /^Учительская/ })
        .count(),
    ).toBe(1);
    // The school's other chats, which the admin is not a member of.
    const others = admin.getByRole('region', { name: 'Другие чаты школы' });
    await expect.poll(() => others.innerText(), SOON).toContain('5Б — класс');
    // Member counts agree with the number, as Russian wants.
    expect(await others.innerText()).toMatch(/^5Б — класс · Чат класса · 4 участника$/m);
    expect(await others.innerText()).toMatch(/^7А — класс · Чат класса · 3 участника$/m);
    expect(await others.innerText()).toMatch(/^7А — родители · Родители класса · 1 участник$/m);

    const moderation = admin.getByRole('region', { name: 'Модерация' });
    const report = moderation.getByRole('listitem').filter({ hasText: 'Ответы на контрольную у меня' });
    await report.waitFor();
    expect(await report.innerText()).toContain('Причина: Предлагает списать');
    await expectNoSeriousA11yViolations(admin);
    await screenshot(admin, 'community-desktop');

    await report.getByRole('button', { name: 'Удалить сообщение' }).click();
    await moderation.getByText('Жалоб нет').waitFor();
    await expect.poll(() => reported.locator('.text').innerText(), SOON).toBe('Сообщение удалено');
    expect(await bubble(teacherPage, 'Ответы на контрольную').count()).toBe(0);
    expectNoErrorsButReconnects(admin);
    await admin.context().close();
  });
});

describe('the screens of a teacher', () => {
  test('the new group and the settings screens pass the accessibility check', async () => {
    await teacherPage.getByRole('link', { name: 'Новый чат' }).click();
    await teacherPage.getByRole('heading', { name: 'Новый групповой чат' }).waitFor();
    await teacherPage.getByLabel('5Б').waitFor();
    await expectNoSeriousA11yViolations(teacherPage);
    await teacherPage.getByRole('link', { name: 'Настройки' }).click();
    await teacherPage.getByRole('heading', { name: 'Настройки' }).waitFor();
    await teacherPage.getByText('это устройство').waitFor();
    await expectNoSeriousA11yViolations(teacherPage);
    await openChat(teacherPage, '5Б — класс');
  });
});

describe('offline in the browser', () => {
  test('a message written without network waits and arrives once when the network is back', async () => {
    // Chromium keeps an open WebSocket alive under setOffline (only new connections fail), so the
    // student's socket is also dropped on the server's side, as a lost network would drop it.
    const context = studentPage.context();
    await context.setOffline(true);
    const mine = sockets.filter((s) => s.mark === 'student' && !s.socket.destroyed);
    expect(mine.length).toBeGreaterThan(0);
    for (const s of mine) s.socket.destroy();
    const banner = studentPage.getByRole('status').filter({ hasText: 'Нет соединения' });
    await banner.waitFor();

    await write(studentPage, 'Пишу без интернета');
    const pending = studentPage.locator('article.msg.pending', { hasText: 'Пишу без интернета' });
    await pending.waitFor();
    expect(await pending.getByLabel('Ждёт связи').count()).toBe(1);
    await expect.poll(() => banner.innerText(), SOON).toContain('В очереди: 1');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await bubble(teacherPage, 'Пишу без интернета').count()).toBe(0);

    await context.setOffline(false);
    await bubble(teacherPage, 'Пишу без интернета').waitFor({ timeout: 20_000 });
    await banner.waitFor({ state: 'detached' });
    await pending.waitFor({ state: 'detached' });
    await new Promise((r) => setTimeout(r, 500));
    for (const page of [teacherPage, studentPage]) expect(await bubble(page, 'Пишу без интернета').count()).toBe(1);
    const { messages } = await classmate.messages(classChatId, { limit: 100 });
    expect(messages.filter((m) => m.text === 'Пишу без интернета')).toHaveLength(1);
    expectNoErrorsButReconnects(studentPage);
    expectNoErrorsButReconnects(teacherPage);
  });
});
