import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Browser helpers for the end-to-end suite: Debian's Chromium driven by playwright-core against a
 * real server. One browser per test file (`launchBrowser` in `beforeAll`, `closeBrowser` in
 * `afterAll`), one fresh context per page so that pages share no storage or cookies.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Debian's Chromium; scripts/test.sh installs it with apt-get when missing. */
const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/**
 * Flags for every launch (chromium-flags.json, shared with bench/web.mjs). The test network is
 * closed, so nothing may phone home (QUIC, component updates, sync, background fetches);
 * `--no-sandbox` is added as root.
 */
const CHROMIUM_ARGS = JSON.parse(readFileSync(new URL('./chromium-flags.json', import.meta.url), 'utf8')) as string[];

/** The window sizes the suite renders at: a laptop and a phone (iPhone X-class). */
const VIEWPORTS = {
  desktop: { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false },
  phone: { viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
} satisfies Record<string, BrowserContextOptions>;

/** A viewport name for `openPage`. */
export type ViewportName = keyof typeof VIEWPORTS;

/** localStorage keys the web client reads at start (its contract with the tests). */
const TOKEN_KEY = 'parta.token';
const LANG_KEY = 'parta.lang';

let current: Browser | null = null;

/** Errors each page reported: uncaught exceptions and `console.error` lines. */
const pageErrors = new WeakMap<Page, string[]>();

/** The Chromium binary: `PARTA_CHROMIUM`, else Debian's. Fails (never skips) when it is missing. */
export function chromiumPath(): string {
  const file = process.env.PARTA_CHROMIUM || DEFAULT_CHROMIUM;
  if (!existsSync(file)) {
    throw new Error(
      `no Chromium at ${file}: run \`npm test\` (it installs Debian's chromium with apt-get), ` +
        '`apt-get install -y chromium`, or set PARTA_CHROMIUM to a Chromium binary',
    );
  }
  return file;
}

/** Launches this test file's browser. Call it in `beforeAll` and `closeBrowser` in `afterAll`. */
export async function launchBrowser(): Promise<Browser> {
  if (current) throw new Error('launchBrowser: this test file already has a browser');
  const args = [...CHROMIUM_ARGS];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  current = await chromium.launch({ executablePath: chromiumPath(), headless: true, args, timeout: 60_000 });
  return current;
}

/** Closes this test file's browser and every page in it; safe to call when none was launched. */
export async function closeBrowser(): Promise<void> {
  const browser = current;
  current = null;
  await browser?.close();
}

/** Options of `openPage`. */
export interface OpenPageOptions {
  /** `desktop` (1280×800) or `phone` (375×812, touch, mobile). */
  viewport: ViewportName;
  /** A bearer token to be signed in with before the app loads (see `signInWithToken`). */
  token?: string;
  /** The interface language the client finds in localStorage (`parta.lang`); unset: its default. */
  lang?: 'ru' | 'en';
}

/**
 * Opens `url` in a fresh context (no storage, no cookies) at the given viewport with the ru-RU locale,
 * collecting the page's errors. Fails when the document itself does not load (status ≥ 400).
 */
export async function openPage(url: string, options: OpenPageOptions): Promise<Page> {
  if (!current) throw new Error('openPage: call launchBrowser() in beforeAll first');
  const context = await current.newContext({
    ...VIEWPORTS[options.viewport],
    locale: 'ru-RU',
    timezoneId: 'Europe/Moscow',
    colorScheme: 'light',
    reducedMotion: 'reduce',
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  collectErrors(page);
  const origin = new URL(url).origin;
  if (options.lang) await setLocalStorageOnLoad(page, origin, LANG_KEY, options.lang);
  if (options.token) await setLocalStorageOnLoad(page, origin, TOKEN_KEY, options.token);
  await goto(page, url);
  return page;
}

/**
 * Signs the page in with a session token and (re)loads the app at `serverUrl`. The token is put into
 * `localStorage['parta.token']` by an init script, so it is there before any of the app's code runs.
 */
export async function signInWithToken(page: Page, serverUrl: string, token: string): Promise<void> {
  await setLocalStorageOnLoad(page, new URL(serverUrl).origin, TOKEN_KEY, token);
  await goto(page, serverUrl);
}

/**
 * Adds an init script that writes `key` into the origin's localStorage before the page's scripts run.
 * It writes once per tab (remembered in sessionStorage), so the app may later change or remove the
 * value (sign out, switch language) and a reload keeps what the app did.
 */
async function setLocalStorageOnLoad(page: Page, origin: string, key: string, value: string): Promise<void> {
  await page.context().addInitScript(
    ({ origin, key, value }) => {
      if (window.location.origin !== origin) return;
      const mark = `parta.e2e.set:${key}:${value}`;
      if (window.sessionStorage.getItem(mark)) return;
      window.localStorage.setItem(key, value);
      window.sessionStorage.setItem(mark, '1');
    },
    { origin, key, value },
  );
}

async function goto(page: Page, url: string): Promise<void> {
  const res = await page.goto(url, { waitUntil: 'load' });
  if (!res) return;
  if (res.status() >= 400) {
    throw new Error(`GET ${url} answered ${res.status()}: is the server serving the web client (packages/web/dist)?`);
  }
}

function collectErrors(page: Page): void {
  const errors: string[] = [];
  pageErrors.set(page, errors);
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.stack ?? err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const { url, lineNumber } = msg.location();
    // Chromium asks for /favicon.ico by itself, not the app; a missing one is not the page's error.
    if (url && new URL(url).pathname === '/favicon.ico') return;
    const where = url ? ` (${url}:${lineNumber})` : '';
    errors.push(`console.error: ${msg.text()}${where}`);
  });
  page.on('crash', () => errors.push('the page crashed'));
}

/** The errors a page reported so far: uncaught exceptions, `console.error` lines (failed loads too), crashes. */
export function pageErrorsOf(page: Page): readonly string[] {
  return pageErrors.get(page) ?? [];
}

/** Fails listing every error the page reported since it was opened. */
export function expectNoPageErrors(page: Page): void {
  const errors = pageErrorsOf(page);
  expect(errors, `the page reported errors:\n${errors.join('\n')}`).toEqual([]);
}

/**
 * Saves a PNG of the viewport: to `docs/screenshots/<name>.png` (committed, shown in the README) when
 * `PARTA_UPDATE_SCREENSHOTS=1`, else to `test-results/screenshots/<name>.png` (not committed).
 * Returns the file written.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`screenshot: "${name}" is not a kebab-case name`);
  const dir =
    process.env.PARTA_UPDATE_SCREENSHOTS === '1'
      ? path.join(ROOT, 'docs', 'screenshots')
      : path.join(ROOT, 'test-results', 'screenshots');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  // The pointer and the focus leave whatever was last clicked, so controls shown on hover or focus
  // do not cover the picture.
  await page.mouse.move(0, 0);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
  return file;
}

/** One axe violation as the page reported it. */
interface A11yViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  targets: string[];
}

/**
 * Runs axe-core (WCAG 2.x A and AA rules and best practices) on the page as it is now and fails listing
 * every violation of impact `serious` or `critical`: rule id, help text and the offending nodes.
 */
export async function expectNoSeriousA11yViolations(page: Page): Promise<void> {
  // Evaluated through the DevTools protocol, so a strict Content-Security-Policy does not block it.
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async (): Promise<A11yViolation[]> => {
    const w = window as unknown as { axe: typeof axe };
    const result = await w.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      helpUrl: v.helpUrl,
      targets: v.nodes.map((n) => n.target.map(String).join(' ')),
    }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = serious
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.helpUrl})\n${v.targets.map((t) => `    ${t}`).join('\n')}`)
    .join('\n');
  expect(serious, `axe found ${serious.length} serious or critical violations on ${page.url()}:\n${report}`).toEqual([]);
}
