import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

// Browser globals, for the functions that page.evaluate runs in the page; this type check has no
// DOM library.
declare const document: any;
declare const getComputedStyle: any;

/** Chromium from Debian's package; `CHROMIUM_PATH` points at another build. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the browser tests save their screenshots, ignored by git. */
export const SCREENSHOT_DIR = path.resolve(__dirname, '../../test-artifacts/screenshots');

/** Viewports of the screenshots and layout checks. */
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 812 };

/** A browser context that may reach 127.0.0.1 only, with the requests it was kept from making. */
export interface LoopbackBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** URLs of requests to anything but 127.0.0.1, which were aborted. */
  blockedRequests: string[];
  close(): Promise<void>;
}

/**
 * Launches headless Chromium with one page. Every request of the context to a host other than
 * 127.0.0.1 is aborted and recorded, so a test can fail on it. The resolver rules also stop the
 * browser's own background requests (updates, metrics) before a socket opens, as they map every
 * name to an unresolvable one.
 */
export async function launchLoopbackBrowser(): Promise<LoopbackBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}; install it with "apt-get install chromium" or set CHROMIUM_PATH`,
    );
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // The tests run as root in CI, where Chromium's sandbox cannot start.
    chromiumSandbox: false,
    args: ['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1', '--no-proxy-server'],
  });
  const context = await browser.newContext({
    viewport: DESKTOP,
    locale: 'en-GB',
    timezoneId: 'UTC',
    reducedMotion: 'reduce',
  });
  const blockedRequests: string[] = [];
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') {
      await route.continue();
      return;
    }
    blockedRequests.push(url.href);
    await route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  return {
    browser,
    context,
    page,
    blockedRequests,
    async close() {
      await context.close();
      await browser.close();
    },
  };
}

/** Saves a full-page screenshot as `<name>-<viewport>.png` and returns its path. */
export async function saveScreenshot(page: Page, name: string, viewport: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}-${viewport}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Returns how far the page is wider than its viewport, in CSS pixels; 0 when nothing overflows. */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
}

/**
 * Presses Tab until the focused element matches `selector`, at most `limit` times, and returns the
 * accessible names of the elements passed on the way. Fails when focus never arrives, or when a
 * focused element shows no outline.
 */
export async function tabTo(page: Page, selector: string, limit = 40): Promise<string[]> {
  const passed: string[] = [];
  for (let presses = 0; presses < limit; presses++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate((target) => {
      const element = document.activeElement;
      if (!element || element === document.body) return null;
      const style = getComputedStyle(element);
      return {
        matches: element.matches(target),
        name: (element.getAttribute('aria-label') ?? element.textContent ?? element.id).trim(),
        outlined: style.outlineStyle !== 'none' && style.outlineWidth !== '0px',
      };
    }, selector);
    if (!focused) continue;
    if (!focused.outlined) throw new Error(`focused element "${focused.name}" shows no outline`);
    if (focused.matches) return passed;
    passed.push(focused.name);
  }
  throw new Error(`focus did not reach ${selector} within ${limit} presses of Tab`);
}
