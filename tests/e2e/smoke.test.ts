import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '@parta/testkit';
import {
  closeBrowser,
  expectNoPageErrors,
  expectNoSeriousA11yViolations,
  launchBrowser,
  openPage,
  screenshot,
  type ViewportName,
} from './support/browser.js';

// The web client as a user first meets it: the built app served by the real server at `/`, in
// Debian's Chromium, on a laptop and on a phone.

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  await launchBrowser();
});

afterAll(async () => {
  await closeBrowser();
  await server?.close();
});

describe.each<ViewportName>(['desktop', 'phone'])('the web client at %s width', (viewport) => {
  test('loads in Russian, titled «Парта», with no serious accessibility problems or page errors', async () => {
    const page = await openPage(`${server.url}/`, { viewport });

    expect(await page.title()).toBe('Парта');
    expect(await page.locator('html').getAttribute('lang')).toBe('ru');
    // The app mounted something into the document, not just the empty shell.
    await expect.poll(() => page.locator('body').innerText(), { timeout: 10_000 }).not.toBe('');

    await expectNoSeriousA11yViolations(page);
    await screenshot(page, `smoke-${viewport}`);
    expectNoPageErrors(page);
  });
});
