import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { newClientId } from '@parta/sdk';
import { startTestServer, type TestServer } from '@parta/testkit';
import { closeBrowser, expectNoPageErrors, launchBrowser, openPage, signInWithToken } from './support/browser.js';

// The web client under the server's Content-Security-Policy and Permissions-Policy, in Chromium: a
// teacher who also runs the school signs in and opens every screen. Whatever the policy refuses (an
// inline script or style, an image from elsewhere, a WebSocket it does not name) is reported as a
// `securitypolicyviolation` event and a console line; there must be none, and live messages arrive.

const REGION = 'csp';
/** How long a poll waits for something to show up (live frames, renders) before it fails. */
const SOON = { timeout: 10_000 };

let server: TestServer;
let teacherToken: string;
let classmate: Awaited<ReturnType<TestServer['login']>>;

beforeAll(async () => {
  server = await startTestServer();
  const b = server.build;
  const region = await b.region({ code: REGION, name: 'Край политик' });
  const municipality = await b.municipality({ regionId: region.id });
  const school = await b.school({ municipalityId: municipality.id, name: 'Школа № 5' });
  const cls = await b.schoolClass({ organizationId: school.id, grade: 6, letter: 'Г' });
  const teacher = await b.teacher(school.id, [{ id: cls.id, homeroom: true, subject: 'история' }], {
    lastName: 'Воронова',
    firstName: 'Ольга',
    middleName: 'Петровна',
  });
  await b.membership({ personId: teacher.id, role: 'school_admin', organizationId: school.id });
  const student = await b.student(cls, { lastName: 'Гусев', firstName: 'Матвей', middleName: 'Ильич' });
  await server.parta.syncRosterChats(REGION);
  teacherToken = (await server.login(teacher.login!)).token!;
  classmate = await server.login(student.login!);
  await launchBrowser();
});

afterAll(async () => {
  await closeBrowser();
  await server?.close();
});

/**
 * Records, in every document of the page's context from now on, each violation of the policy as
 * `directive blocked-uri (source:line)`, readable with `violations`.
 */
async function recordViolations(page: Page): Promise<void> {
  await page.context().addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__violations.push(`${e.effectiveDirective} ${e.blockedURI || '(inline)'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
}

async function violations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __violations?: string[] }).__violations ?? ['(no recorder)']);
}

/** Console lines of any level about the security policies: refusals, and headers Chromium could not parse. */
function policyConsole(page: Page): string[] {
  const lines: string[] = [];
  page.on('console', (msg) => {
    if (/Content Security Policy|Permissions-Policy|Permissions Policy|Refused to/i.test(msg.text())) {
      lines.push(`${msg.type()}: ${msg.text()}`);
    }
  });
  return lines;
}

describe('the web client under the Content-Security-Policy', () => {
  test('every screen renders and talks to the server with no violation', async () => {
    const page = await openPage(`${server.url}/`, { viewport: 'desktop' });
    const consoleLines = policyConsole(page);
    await recordViolations(page);
    // The policy is in force for the document (else no violation could ever be reported).
    const doc = await page.reload();
    const csp = (await doc?.headerValue('content-security-policy')) ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");

    // The sign-in screen.
    await page.getByRole('heading', { name: 'Вход в Парту' }).waitFor();
    await signInWithToken(page, server.url, teacherToken);

    // The chat list, and a chat with a message that arrives live over the WebSocket.
    const nav = page.getByRole('navigation');
    await nav.getByRole('link', { name: /^6Г — класс/ }).click();
    await page.getByRole('heading', { name: '6Г — класс' }).waitFor();
    const chatId = Number(new URL(page.url()).hash.split('/')[2]);
    await classmate.sendMessage(chatId, { clientId: newClientId(), text: 'Доклад готов' });
    await page.locator('article.msg', { hasText: 'Доклад готов' }).waitFor(SOON);

    // The members panel and a profile card.
    await page.getByRole('button', { name: 'Участники' }).click();
    const panel = page.getByRole('complementary', { name: /^Участники/ });
    await panel.getByRole('button', { name: /^Гусев Матвей/ }).click();
    const card = page.getByRole('dialog', { name: 'Гусев Матвей' });
    await card.getByRole('button', { name: 'Написать' }).waitFor();
    await page.keyboard.press('Escape');
    await card.waitFor({ state: 'detached' });

    // A new group, the settings, the school's community.
    await page.getByRole('link', { name: 'Новый чат' }).click();
    await page.getByRole('heading', { name: 'Новый групповой чат' }).waitFor();
    await page.getByLabel('6Г').waitFor();
    await page.getByRole('link', { name: 'Настройки' }).click();
    await page.getByRole('heading', { name: 'Настройки' }).waitFor();
    await page.getByText('это устройство').waitFor();
    await nav.getByRole('link', { name: 'Школа № 5', exact: true }).click();
    await page.getByRole('heading', { name: 'Школа № 5', level: 1 }).waitFor();
    await page
      .getByRole('region', { name: 'Каналы' })
      .getByRole('link', { name: /^Новости школы/ })
      .waitFor();

    expect(await violations(page)).toEqual([]);
    expect(consoleLines).toEqual([]);
    expectNoPageErrors(page);

    // The recorder works, and the policy refuses what it must: an inline script does not run.
    const ran = await page.evaluate(async () => {
      const script = document.createElement('script');
      script.textContent = 'window.__inlineRan = true';
      document.head.append(script);
      await new Promise((r) => setTimeout(r, 100));
      return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
    });
    expect(ran).toBe(false);
    await expect.poll(() => violations(page), SOON).toEqual([expect.stringMatching(/^script-src-elem inline /)]);
    await page.context().close();
  });
});
