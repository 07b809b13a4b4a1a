import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { TestServer } from '@parta/testkit';
import { closeBrowser } from './support/browser.js';
import { openChat } from './support/chat-page.js';
import { openFeatureSchool } from './support/features-school.js';

// The contour inside the school's news channel, as a student and a teacher see it in Chromium: the
// student's member list names only whom the directory shows them (not the 7А student), while the
// count stays the whole school's; the teacher sees everyone. Issue 10, item 2.

const SOON = { timeout: 10_000 };

let server: TestServer;
let teacherPage: Page;
let studentPage: Page;

beforeAll(async () => {
  ({ server, teacherPage, studentPage } = await openFeatureSchool('contour', (s) => (server = s)));
});

afterAll(async () => {
  await closeBrowser();
  await server?.close();
});

/** The members panel of the news channel: its title and the names listed. */
async function newsMembers(page: Page): Promise<{ title: string; names: string[]; note: string | null }> {
  await openChat(page, 'Новости школы');
  await page.getByRole('button', { name: 'Участники' }).click();
  const panel = page.getByRole('complementary', { name: /^Участники/ });
  await panel.getByRole('button', { name: /Орлова Вера/ }).waitFor(SOON);
  const names = (await panel.locator('.person .name').allInnerTexts()).map((n) => n.replace(/\s*\(это вы\)$/, '').trim());
  const note = panel.locator('p.muted');
  return {
    title: await panel.getByRole('heading').innerText(),
    names: names.sort(),
    note: (await note.count()) > 0 ? await note.innerText() : null,
  };
}

describe('the news channel’s members', () => {
  test('a student sees the staff and their own class by name, and the whole count', async () => {
    expect(await newsMembers(studentPage)).toEqual({
      title: 'Участники (7)',
      names: ['Белов Григорий', 'Колесников Пётр', 'Колесникова Антонина', 'Орлова Вера', 'Субботин Илья', 'Успенская Анна'],
      note: 'и ещё 1 — их имена видны учителям и администрации',
    });
  });

  test('a teacher sees everyone', async () => {
    const seen = await newsMembers(teacherPage);
    expect(seen.title).toBe('Участники (7)');
    expect(seen.names).toContain('Яковлева Дарья');
    expect(seen.names).toHaveLength(7);
    expect(seen.note).toBeNull();
  });
});
