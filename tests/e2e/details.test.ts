import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { startTestServer, type TestServer } from '@parta/testkit';
import { closeBrowser, expectNoPageErrors, launchBrowser, openPage } from './support/browser.js';

// Smaller promises of the interface: a channel says who may post, a group can be made from people
// picked in the directory, the theme switch sticks, and the keyboard reaches search and dialogs.

let server: TestServer;
let teacherToken: string;
let studentToken: string;
let channelTitle: string;
let adminToken: string;
/** A colleague in the channel, online only in the presence test. */
let colleagueToken: string;

beforeAll(async () => {
  server = await startTestServer();
  const b = server.build;
  const school = await b.school({ name: 'Гимназия № 3' });
  const cls = await b.schoolClass({ organizationId: school.id, grade: 9, letter: 'В' });
  const teacher = await b.teacher(school.id, [{ id: cls.id }], {
    lastName: 'Зайцева',
    firstName: 'Мария',
    middleName: 'Игоревна',
  });
  const student = await b.student(cls, { lastName: 'Руднев', firstName: 'Кирилл', middleName: 'Олегович' });
  await b.student(cls, { lastName: 'Соколова', firstName: 'Вера', middleName: 'Андреевна' });
  channelTitle = 'Объявления гимназии';
  const colleague = await b.teacher(school.id, [], { lastName: 'Лаптев', firstName: 'Игорь', middleName: 'Ильич' });
  colleagueToken = (await server.login(colleague.login!)).token!;
  await b.chat({
    organizationId: school.id,
    kind: 'channel',
    title: channelTitle,
    members: [
      { personId: teacher.id, role: 'owner' },
      { personId: student.id, role: 'member' },
      { personId: colleague.id, role: 'member' },
    ],
  });
  // An admin of the school who is in no chat yet (a school without a journal import).
  const admin = await b.person({ lastName: 'Громова', firstName: 'Елена', middleName: 'Петровна' });
  await b.membership({ personId: admin.id, role: 'school_admin', organizationId: school.id });
  adminToken = (await server.login(admin.login!)).token!;
  teacherToken = (await server.login(teacher.login!)).token!;
  studentToken = (await server.login(student.login!)).token!;
  await launchBrowser();
});

afterAll(async () => {
  await closeBrowser();
  await server?.close();
});

async function openChannel(page: Page): Promise<void> {
  await page.getByRole('link', { name: new RegExp(channelTitle) }).click();
  await page.getByRole('heading', { name: channelTitle }).waitFor();
}

describe('a channel', () => {
  test('its owner may post; a member reads, told why they cannot write', async () => {
    const owner = await openPage(`${server.url}/`, { viewport: 'desktop', token: teacherToken });
    await openChannel(owner);
    expect(await owner.locator('.chat-head').innerText()).toContain('Вы можете публиковать');
    const box = owner.getByLabel('Текст сообщения');
    await box.fill('Завтра линейка в 8:30');
    await box.press('Enter');

    const reader = await openPage(`${server.url}/`, { viewport: 'desktop', token: studentToken });
    await openChannel(reader);
    await reader.locator('article.msg', { hasText: 'Завтра линейка' }).waitFor();
    expect(await reader.locator('.chat-head').innerText()).toContain('Публикуют администраторы канала');
    expect(await reader.getByLabel('Текст сообщения').count()).toBe(0);
    await reader.getByRole('note').filter({ hasText: 'Только администраторы публикуют в этом канале' }).waitFor();
    // The author's name opens their profile card.
    await reader.locator('article.msg', { hasText: 'Завтра линейка' }).getByRole('button', { name: 'Зайцева Мария' }).click();
    const card = reader.getByRole('dialog', { name: 'Зайцева Мария' });
    await card.getByText('Учитель').waitFor();
    await card.getByRole('button', { name: 'Написать' }).waitFor();
    await reader.keyboard.press('Escape');
    expectNoPageErrors(owner);
    expectNoPageErrors(reader);
  });
});

describe('@все', () => {
  test('is offered to the channel owner and addresses everyone', async () => {
    const owner = await openPage(`${server.url}/`, { viewport: 'desktop', token: teacherToken });
    await openChannel(owner);
    const box = owner.getByLabel('Текст сообщения');
    await box.pressSequentially('@вс');
    await owner.getByRole('option', { name: '@Все участники' }).waitFor();
    await box.press('Enter');
    await box.pressSequentially('собрание в 15:00');
    expect(await box.inputValue()).toBe('@все собрание в 15:00');
    await box.press('Enter');
    await owner.locator('article.msg', { hasText: 'собрание в 15:00' }).locator('.mention').waitFor();
    const chatId = Number(new URL(owner.url()).hash.split('/')[2]);
    const api = server.client();
    api.token = studentToken;
    const sent = (await api.messages(chatId)).messages.find((m) => m.text === '@все собрание в 15:00');
    expect(sent?.mentionAll).toBe(true);
  });
});

describe('a new group from people picked in the directory', () => {
  test('is created by the teacher and appears live for the person picked', async () => {
    const teacher = await openPage(`${server.url}/#/new`, { viewport: 'desktop', token: teacherToken });
    const student = await openPage(`${server.url}/`, { viewport: 'desktop', token: studentToken });
    await teacher.getByLabel('Название').fill('Проект по физике');
    await teacher.getByLabel('Найти человека').fill('Руд');
    await teacher.getByLabel(/Руднев Кирилл/).check();
    expect(await teacher.getByText('Выбрано людей: 1').count()).toBe(1);
    await teacher.getByRole('button', { name: 'Создать' }).click();
    await teacher.getByRole('heading', { name: 'Проект по физике' }).waitFor();
    expect(await teacher.locator('.chat-head').innerText()).toContain('2 участника');
    await student.getByRole('link', { name: /Проект по физике/ }).waitFor();
    // Only the person picked: the classmate was not added.
    const chatId = Number(new URL(teacher.url()).hash.split('/')[2]);
    const api = server.client();
    api.token = teacherToken;
    const { members } = await api.members(chatId);
    expect(members.map((m) => m.name).sort()).toEqual(['Зайцева Мария', 'Руднев Кирилл']);
  });
});

describe('presence in a direct chat', () => {
  test('shows the other person online, then when they were last seen once they leave', async () => {
    const colleague = await openPage(`${server.url}/`, { viewport: 'desktop', token: colleagueToken });
    await colleague.getByRole('link', { name: new RegExp(channelTitle) }).waitFor();
    const student = await openPage(`${server.url}/`, { viewport: 'desktop', token: studentToken });
    await openChannel(student);
    await student.getByRole('button', { name: 'Участники' }).click();
    await student
      .getByRole('complementary')
      .getByRole('button', { name: /Лаптев Игорь/ })
      .click();
    await student.getByRole('dialog').getByRole('button', { name: 'Написать' }).click();
    await student.getByRole('heading', { name: 'Лаптев Игорь' }).waitFor();
    const head = student.locator('.chat-head');
    await head.getByText('в сети').waitFor();
    // He closes the app: the student's header changes without asking again.
    await colleague.context().close();
    await head.getByText(/был\(а\) в сети/).waitFor();
  });
});

describe('a school admin with no chats yet', () => {
  test('still finds the school in the sidebar and its community with the roster sync', async () => {
    const page = await openPage(`${server.url}/`, { viewport: 'desktop', token: adminToken });
    await page.getByRole('navigation').getByRole('link', { name: 'Гимназия № 3' }).click();
    await page.getByRole('main').getByRole('heading', { name: 'Гимназия № 3' }).waitFor();
    await page.getByRole('button', { name: 'Обновить чаты по контингенту' }).waitFor();
    expectNoPageErrors(page);
  });
});

describe('opening the app without a network', () => {
  test('keeps the device signed in and opens the chats once the server answers', async () => {
    const page = await openPage(`${server.url}/api/v1/health`, { viewport: 'phone', token: studentToken });
    let offline = true;
    await page.route(/\/api\/v1\/(me|chats)$/, (route) => (offline ? route.abort('internetdisconnected') : route.continue()));
    await page.goto(`${server.url}/`);
    await page.getByRole('status').filter({ hasText: 'Нет связи с сервером' }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('parta.token'))).toBe(studentToken);
    offline = false;
    await page.getByRole('link', { name: new RegExp(channelTitle) }).waitFor({ timeout: 15_000 });
  });
});

describe('settings and the keyboard', () => {
  test('the dark theme is applied at once and kept after a reload', async () => {
    const page = await openPage(`${server.url}/#/settings`, { viewport: 'desktop', token: studentToken });
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await background();
    await page.getByRole('button', { name: 'Тёмная' }).click();
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    const dark = await background();
    expect(dark).not.toBe(light);
    await page.reload();
    await page.getByRole('heading', { name: 'Настройки' }).waitFor();
    expect(await background()).toBe(dark);
    await page.getByRole('button', { name: 'Как в системе' }).click();
    expect(await page.locator('html').getAttribute('data-theme')).toBeNull();
  });

  test('Ctrl+K reaches the search; Escape closes a dialog and gives the focus back', async () => {
    const page = await openPage(`${server.url}/`, { viewport: 'desktop', token: studentToken });
    await openChannel(page);
    await page.keyboard.press('Control+k');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Поиск по чатам и людям');

    const members = page.getByRole('button', { name: 'Участники' });
    await members.click();
    const panel = page.getByRole('complementary');
    await panel.getByRole('button', { name: /Зайцева Мария/ }).click();
    const card = page.getByRole('dialog', { name: 'Зайцева Мария' });
    await card.waitFor();
    // The focus is inside the dialog.
    expect(await card.evaluate((d) => d.contains(document.activeElement))).toBe(true);
    await page.keyboard.press('Escape');
    await card.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.textContent ?? '')).toContain('Зайцева Мария');
    expectNoPageErrors(page);
  });
});
