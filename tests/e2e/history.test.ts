import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '@parta/testkit';
import { closeBrowser, expectNoPageErrors, launchBrowser, openPage } from './support/browser.js';

// A chat with 10,000 messages: the history is virtualized (a bounded number of messages in the
// document however far one scrolls) and older pages land above what is on screen without moving it.

const TOTAL = 10_000;
let server: TestServer;
let page: Page;
let chatId: number;

beforeAll(async () => {
  server = await startTestServer({ PARTA_SEND_RATE_PER_SEC: '1000000' });
  const b = server.build;
  const school = await b.school();
  const cls = await b.schoolClass({ organizationId: school.id });
  const teacher = await b.teacher(school.id, [{ id: cls.id }], { lastName: 'Лебедева', firstName: 'Ольга' });
  const student = await b.student(cls, { lastName: 'Орлов', firstName: 'Пётр' });
  chatId = (
    await b.chat({
      organizationId: school.id,
      title: 'Длинная история',
      members: [{ personId: teacher.id }, { personId: student.id }],
    })
  ).id;
  const sender = await server.login(teacher.login!);
  // Through the real API, many at a time; the server gives them positions 1…TOTAL in order of commit.
  for (let i = 0; i < TOTAL; i += 250) {
    await Promise.all(
      Array.from({ length: Math.min(250, TOTAL - i) }, (_, j) =>
        sender.sendMessage(chatId, { clientId: `history-${i + j}`, text: `Запись номер ${i + j + 1}` }),
      ),
    );
  }
  await launchBrowser();
  const reader = await server.login(student.login!);
  // The reader has read it all before: the chat opens at its end (unread chats open at the first unread).
  await reader.markRead(chatId, TOTAL);
  page = await openPage(`${server.url}/#/chat/${chatId}`, { viewport: 'desktop', token: reader.token! });
}, 180_000);

afterAll(async () => {
  await closeBrowser();
  await server?.close();
});

/** The message bubbles now in the document. */
const articles = (p: Page): Locator => p.locator('article.msg[data-seq]');

/** Positions of the messages in the document, lowest first. */
async function seqsInDom(p: Page): Promise<number[]> {
  const seqs = await articles(p).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
  return seqs.sort((a, b) => a - b);
}

describe('a chat with 10,000 messages', () => {
  test('opens at the newest message with only a window of the history in the document', async () => {
    await articles(page).filter({ hasText: /^/ }).first().waitFor();
    await expect.poll(async () => (await seqsInDom(page)).at(-1)).toBe(TOTAL);
    const last = page.locator(`article.msg[data-seq="${TOTAL}"]`);
    expect(await last.isVisible()).toBe(true);
    expect(await articles(page).count()).toBeLessThan(80);
  });

  test('scrolling up loads older pages above, and what was on screen does not move', async () => {
    const scroller = page.locator('[data-testid="virtuoso-scroller"]');
    // Older pages are held at the network until the screen has been measured, then let through.
    let held: (() => void) | null = null;
    let requested: (() => void) | null = null;
    const olderPages = /\/messages\?.*before=/;
    await page.route(olderPages, async (route) => {
      requested?.();
      await new Promise<void>((r) => (held = r));
      await route.continue();
    });
    const frames = () => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    for (let round = 0; round < 6; round++) {
      const before = await seqsInDom(page);
      const asked = new Promise<void>((r) => (requested = r));
      await scroller.evaluate((el) => (el.scrollTop = 0));
      await asked;
      await frames();
      // The topmost message on screen while the older page is on its way.
      const anchor = await scroller.evaluate((el) => {
        const box = el.getBoundingClientRect();
        return Array.from(el.querySelectorAll('article.msg[data-seq]'))
          .map((a) => ({ seq: Number(a.getAttribute('data-seq')), top: a.getBoundingClientRect().top }))
          .filter((a) => a.top >= box.top)
          .sort((a, b) => a.top - b.top)[0]!;
      });
      held!();
      // …it arrives above the anchor, which stays where the reader saw it.
      await expect.poll(async () => (await seqsInDom(page))[0]!, { timeout: 10_000 }).toBeLessThan(before[0]!);
      // Virtuoso measures the new rows and settles within a few frames.
      const topNow = () => page.locator(`article.msg[data-seq="${anchor.seq}"]`).evaluate((a) => a.getBoundingClientRect().top);
      await expect
        .poll(async () => Math.abs((await topNow()) - anchor.top), { timeout: 2_000, message: `message ${anchor.seq} moved` })
        .toBeLessThan(4);
    }
    await page.unroute(olderPages);
    // Six pages later the document still holds a bounded window, not everything loaded.
    expect(await articles(page).count()).toBeLessThan(120);
    const seqs = await seqsInDom(page);
    expect(seqs[0]).toBeLessThan(TOTAL - 6 * 50 + 50);
    // Contiguous: nothing skipped between the pages.
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    expectNoPageErrors(page);
  });

  test('a link to an old message opens the history around it, scrolls down into newer pages and jumps back to the end', async () => {
    await page.goto(`${server.url}/#/chat/${chatId}/500`);
    const target = page.locator('article.msg.highlighted[data-seq="500"]');
    await target.waitFor();
    expect(await target.isVisible()).toBe(true);
    const scroller = page.locator('[data-testid="virtuoso-scroller"]');
    // Scrolling down past the window's end loads the newer pages, with no gap.
    for (let round = 0; round < 3; round++) {
      const last = (await seqsInDom(page)).at(-1)!;
      await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
      await expect.poll(async () => (await seqsInDom(page)).at(-1)!, { timeout: 10_000 }).toBeGreaterThan(last);
    }
    const seqs = await seqsInDom(page);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    await page.getByRole('button', { name: 'К последним сообщениям' }).click();
    await page.locator(`article.msg[data-seq="${TOTAL}"]`).waitFor();
    expectNoPageErrors(page);
  });
});
