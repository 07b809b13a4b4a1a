import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '@parta/testkit';
import { closeBrowser, expectNoPageErrors, launchBrowser, openPage } from './support/browser.js';
import { bubble, openChat, post } from './support/chat-page.js';

// The composer sends what the server accepts: a text of invisible characters only (zero-width
// spaces, Hangul fillers, the braille blank) is an empty message, so it is not sent at all.

let server: TestServer;
let teacherToken: string;
const title = 'Пустые сообщения';

beforeAll(async () => {
  server = await startTestServer();
  const b = server.build;
  const school = await b.school();
  const cls = await b.schoolClass({ organizationId: school.id });
  const teacher = await b.teacher(school.id, [{ id: cls.id, homeroom: true }]);
  const student = await b.student(cls);
  await b.chat({ organizationId: school.id, title, members: [{ personId: teacher.id }, { personId: student.id }] });
  teacherToken = (await server.login(teacher.login!)).token!;
  await launchBrowser();
});

afterAll(async () => {
  await closeBrowser();
  await server?.close();
});

describe('the composer', () => {
  test('does not send a text of invisible characters only, and sends a visible one', async () => {
    const page = await openPage(`${server.url}/`, { viewport: 'desktop', token: teacherToken });
    await openChat(page, title);
    const box = page.getByLabel('Текст сообщения');
    const send = page.getByRole('button', { name: 'Отправить' });

    await box.fill('\u200b \u3164\u2800\u200d');
    expect(await send.isDisabled()).toBe(true);
    await box.press('Enter');
    // Nothing was sent, not even a pending bubble: the history stays empty and the text stays put.
    expect(await page.locator('article.msg').count()).toBe(0);
    expect(await box.inputValue()).toBe('\u200b \u3164\u2800\u200d');

    await post(page, 'Видимый текст');
    expect(await bubble(page, 'Видимый текст').count()).toBe(1);
    expect(await page.locator('article.msg').count()).toBe(1);
    expectNoPageErrors(page);
  });
});
