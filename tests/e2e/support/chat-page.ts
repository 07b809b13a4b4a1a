import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { pageErrorsOf } from './browser.js';

// What the browser tests do and look for in a chat: its message bubbles, writing and posting,
// opening a chat from the sidebar, the visible part of the history.

/** A stored message bubble by its text. */
export const bubble = (page: Page, text: string) =>
  page.locator('article.msg:not(.pending)').filter({ has: page.locator('.text', { hasText: text }) });

/** A stored message bubble by its position in the chat. */
export const bubbleAt = (page: Page, seq: number) => page.locator(`article.msg[data-seq="${seq}"]`);

/** Writes and sends a message in the open chat. */
export async function write(page: Page, text: string): Promise<void> {
  const box = page.getByLabel('Текст сообщения');
  await box.fill(text);
  await box.press('Enter');
}

/** Writes a message and waits until the server has stored it; returns its seq. */
export async function post(page: Page, text: string): Promise<number> {
  await write(page, text);
  const stored = bubble(page, text);
  await stored.waitFor();
  return Number(await stored.getAttribute('data-seq'));
}

/** Opens a chat from the sidebar by its title. */
export async function openChat(page: Page, title: string): Promise<void> {
  await page
    .getByRole('navigation')
    .getByRole('link', { name: new RegExp(`^${title}`) })
    .click();
  await page.getByRole('heading', { name: title, exact: true }).waitFor();
}

/** No page errors but the failed connection attempts that losing the network or the server causes. */
export function expectNoErrorsButReconnects(page: Page): void {
  const errors = pageErrorsOf(page).filter(
    (e) => !/WebSocket connection to .* failed|ERR_CONNECTION_REFUSED|ERR_INTERNET_DISCONNECTED/.test(e),
  );
  expect(errors, errors.join('\n')).toEqual([]);
}

/** Whether an element is inside the chat history's visible area. */
export async function inViewport(page: Page, locator: ReturnType<Page['locator']>): Promise<boolean> {
  if ((await locator.count()) === 0) return false;
  const box = await locator.boundingBox();
  const area = await page.getByRole('log', { name: 'История сообщений' }).boundingBox();
  if (!box || !area) return false;
  return box.y >= area.y - 1 && box.y + box.height <= area.y + area.height + 1;
}
