import { createSignInToken } from '../../src/db/dashboard-sessions';
import { callApi, startApiStack, type ApiStack } from '../helpers/api-stack';
import {
  DESKTOP,
  horizontalOverflow,
  launchLoopbackBrowser,
  PHONE,
  saveScreenshot,
  type LoopbackBrowser,
} from '../helpers/browser';
import { ensureDashboardBuilt } from '../helpers/dashboard-build';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createSite } from '../helpers/fixtures';

// Browser globals, for the functions that page.evaluate runs in the page; this type check has no
// DOM library.
declare const sessionStorage: any;

let db: TestDatabase;
let stack: ApiStack;
let browser: LoopbackBrowser;
let site: Awaited<ReturnType<typeof createSite>>;
const screenshots: string[] = [];

beforeAll(async () => {
  await ensureDashboardBuilt();
  db = await createTestDatabase();
  stack = await startApiStack(db, 'dashboard-sign-in-test');
  site = await createSite(db.pool);
  browser = await launchLoopbackBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await db?.drop();
  if (screenshots.length > 0) {
    process.stderr.write(`[screenshots]\n${screenshots.map((file) => `  ${file}`).join('\n')}\n`);
  }
});

afterEach(() => {
  expect(browser.blockedRequests).toEqual([]);
});

const dashboardUrl = () => `${stack.apiUrl}/dashboard/`;

async function signInWithKey(key: string) {
  const { page } = browser;
  await page.goto(dashboardUrl());
  await page.getByLabel('Site API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function storedSession(): Promise<string | null> {
  return browser.page.evaluate(() => sessionStorage.getItem('postion.dashboard.session'));
}

test('wrong API key shows the error', async () => {
  await signInWithKey('pwk_not-a-key');

  const alert = browser.page.getByRole('alert');
  await alert.waitFor();
  expect(await alert.textContent()).toBe('The API key is not valid or has been revoked');
  expect(await storedSession()).toBeNull();
  screenshots.push(await saveScreenshot(browser.page, 'sign-in-error', 'desktop'));
});

test('empty API key asks for one', async () => {
  await signInWithKey('   ');

  const alert = browser.page.getByRole('alert');
  await alert.waitFor();
  expect(await alert.textContent()).toBe('Enter the API key of your site; it starts with pwk_.');
  expect(await storedSession()).toBeNull();
});

test('sign-in error fits a phone', async () => {
  await browser.page.setViewportSize(PHONE);
  try {
    await signInWithKey('pwk_not-a-key');
    await browser.page.getByRole('alert').waitFor();

    expect(await horizontalOverflow(browser.page)).toBe(0);
    screenshots.push(await saveScreenshot(browser.page, 'sign-in-error', 'phone'));
  } finally {
    await browser.page.setViewportSize(DESKTOP);
  }
});

test('API key signs in to the webhook list', async () => {
  await signInWithKey(site.apiKey);

  await browser.page.getByRole('heading', { name: 'Webhooks', level: 1, exact: true }).waitFor();
  const session = JSON.parse((await storedSession())!);
  expect(session.token).toMatch(/^pds_/);
  expect(await storedSession()).not.toContain(site.apiKey);
});

/** Forgets the session of the tab, then loads `url` as a new page. */
async function openAfresh(url: string) {
  await browser.page.goto(dashboardUrl());
  await browser.page.evaluate(() => sessionStorage.clear());
  await browser.page.goto('about:blank');
  await browser.page.goto(url);
}

test('sign-in link signs in and leaves the address bar', async () => {
  const { token } = await createSignInToken(db.pool, site.id);

  await openAfresh(`${dashboardUrl()}#sign-in=${token}`);

  await browser.page.getByRole('heading', { name: 'Webhooks', level: 1, exact: true }).waitFor();
  expect(browser.page.url()).toBe(dashboardUrl());
  expect(await storedSession()).toContain('pds_');
  expect(await storedSession()).not.toContain(token);
});

test('used sign-in link shows why it failed', async () => {
  const { token } = await createSignInToken(db.pool, site.id);
  await callApi(stack.apiUrl, 'POST', '/v1/dashboard/sessions', null, { sign_in_token: token });

  await openAfresh(`${dashboardUrl()}#sign-in=${token}`);

  const alert = browser.page.getByRole('alert');
  await alert.waitFor();
  expect(await alert.textContent()).toContain(
    'The sign-in token is not valid, has expired or was used already',
  );
  expect(browser.page.url()).toBe(dashboardUrl());
});

test('sign-out ends the session', async () => {
  await signInWithKey(site.apiKey);
  await browser.page.getByRole('heading', { name: 'Webhooks', level: 1, exact: true }).waitFor();
  const { token } = JSON.parse((await storedSession())!);

  await browser.page.getByRole('button', { name: 'Sign out' }).click();

  await browser.page.getByLabel('Site API key').waitFor();
  expect(await storedSession()).toBeNull();
  expect((await callApi(stack.apiUrl, 'GET', '/v1/site', token)).status).toBe(401);
});
