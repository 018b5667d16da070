import type { Page } from 'playwright-core';
import { createSignInToken } from '../../src/db/dashboard-sessions';
import { callApi, startApiStack, type ApiStack } from '../helpers/api-stack';
import {
  DESKTOP,
  horizontalOverflow,
  launchLoopbackBrowser,
  PHONE,
  saveScreenshot,
  tabTo,
  type LoopbackBrowser,
} from '../helpers/browser';
import { ensureDashboardBuilt } from '../helpers/dashboard-build';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createEndpoint, createSite } from '../helpers/fixtures';
import { subscriberEvent } from '../helpers/operation-examples';
import { startReceiver, type Receiver } from '../helpers/receiver';

// Browser globals, for the functions that page.evaluate runs in the page; this type check has no
// DOM library.
declare const document: any;
declare const navigator: any;

let db: TestDatabase;
let stack: ApiStack;
let receiver: Receiver;
let browser: LoopbackBrowser;
let page: Page;
let site: Awaited<ReturnType<typeof createSite>>;
let webhookUrl: string;
let webhookPath: string;
let deliveryPath: string;
const screenshots: string[] = [];

// The receiver responds 500 on this path while `failing` is set, and 200 everywhere else.
const HOOK_PATH = '/hooks/crm';
let failing = false;

beforeAll(async () => {
  await ensureDashboardBuilt();
  [db, receiver] = await Promise.all([createTestDatabase(), startReceiver()]);
  receiver.respond = (request) => ({
    status: failing && request.path === HOOK_PATH ? 500 : 200,
    // Long enough to overflow a phone screen if the attempt's box grew with it.
    body: failing
      ? 'receiver down for the test: upstream database pool exhausted, retry later'
      : '',
  });
  stack = await startApiStack(db, 'dashboard-webhooks-test');
  site = await createSite(db.pool);
  browser = await launchLoopbackBrowser();
  page = browser.page;
  webhookUrl = `${receiver.url}${HOOK_PATH}`;

  const { token } = await createSignInToken(db.pool, site.id);
  await page.goto(`${stack.apiUrl}/dashboard/#sign-in=${token}`);
  await heading('Webhooks').waitFor();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await Promise.all([db?.drop(), receiver?.close()]);
  if (screenshots.length > 0) {
    process.stderr.write(`[screenshots]\n${screenshots.map((file) => `  ${file}`).join('\n')}\n`);
  }
});

afterEach(() => {
  expect(browser.blockedRequests).toEqual([]);
});

function heading(name: string) {
  return page.getByRole('heading', { name, level: 1, exact: true });
}

function publish() {
  return callApi(
    stack.apiUrl,
    'POST',
    '/v1/events',
    stack.publisherToken,
    subscriberEvent(site.id),
  );
}

async function screenshot(name: string) {
  screenshots.push(await saveScreenshot(page, name, 'desktop'));
}

test('keyboard alone adds a webhook', async () => {
  const passed = await tabTo(page, 'a.button-primary');
  expect(passed).toEqual([
    'Skip to content',
    'Postion Webhooks',
    'Webhooks',
    'Receiver help',
    'Sign out',
  ]);
  await page.keyboard.press('Enter');
  await heading('Add webhook').waitFor();

  // The API's messages appear beside their fields: first the missing events, then the URL.
  await tabTo(page, 'button[type="submit"]');
  await page.keyboard.press('Enter');
  await page.locator('#webhook-events-error').waitFor();
  expect(await page.locator('#webhook-events-error').textContent()).toBe(
    'Subscribe to at least one event type',
  );

  await page.locator('#webhook-url').focus();
  await page.keyboard.type('ftp://example.com/hooks');
  await page.keyboard.press('Tab');
  await page.keyboard.type('CRM sync');
  await tabTo(page, '#event-subscriber\\.created');
  await page.keyboard.press('Space');
  await tabTo(page, '#event-payment\\.failed');
  await page.keyboard.press('Space');
  await tabTo(page, 'button[type="submit"]');
  await page.keyboard.press('Enter');
  await page.locator('#webhook-url-error').waitFor();
  expect(await page.locator('#webhook-url').getAttribute('aria-invalid')).toBe('true');
  expect(await page.evaluate(() => document.activeElement.id)).toBe('webhook-url');
  await screenshot('add-webhook-errors');

  await page.keyboard.press('Control+A');
  await page.keyboard.type(webhookUrl);
  await tabTo(page, 'button[type="submit"]');
  await page.keyboard.press('Enter');

  await heading('Webhook added').waitFor();
  expect(await page.locator('#secret-value').inputValue()).toMatch(/^whsec_/);
});

test('new webhook turns active', async () => {
  await page.getByText('Verified: the endpoint answered').waitFor({ timeout: 20_000 });
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);

  await page.getByRole('button', { name: 'Copy secret' }).click();

  await page.getByText('Copied', { exact: true }).waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe(await page.locator('#secret-value').inputValue());
  await screenshot('add-webhook');
});

test('list shows status and figures', async () => {
  await createEndpoint(db.pool, site.id, 'https://crm.example.com/failing', { status: 'failing' });
  await createEndpoint(db.pool, site.id, 'https://old.example.com/hooks', { status: 'disabled' });

  await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
  await heading('Webhooks').waitFor();

  const row = page.getByRole('row').filter({ hasText: webhookUrl });
  await row.getByText('Active').waitFor();
  const badges = await page.locator('.webhook-table .badge').allTextContents();
  expect(badges.sort()).toEqual(['Active', 'Disabled', 'Failing']);
  await screenshot('webhook-list');
});

test('published events appear in the log', async () => {
  await publish();
  await publish();
  await page.getByRole('link', { name: webhookUrl }).click();
  await heading(webhookUrl).waitFor();
  webhookPath = new URL(page.url()).hash;

  const succeeded = page.locator('.delivery-table tbody tr').filter({ hasText: 'Succeeded' });
  await succeeded.nth(1).waitFor({ timeout: 15_000 });
  await page.locator('.chart rect.bar-succeeded').first().waitFor({ timeout: 15_000 });
  expect(await page.locator('.chart figcaption').textContent()).toContain('2 deliveries');
});

test('failing receiver shows attempts and countdown', async () => {
  failing = true;
  await publish();

  const retrying = page.locator('.delivery-table tbody tr').filter({ hasText: 'Retrying' });
  await retrying.waitFor({ timeout: 15_000 });
  expect(await retrying.locator('.countdown').textContent()).toMatch(/^in (\d+ s|1 min 00 s)$/);
  await screenshot('webhook-detail');

  await retrying.getByRole('link').click();
  await page.getByRole('heading', { name: 'Attempt 1: failed with HTTP 500' }).waitFor();
  deliveryPath = new URL(page.url()).hash;
  expect(await page.locator('.facts .countdown').textContent()).toMatch(/^in \d+ s$/);
  expect(await page.locator('.plan-next').textContent()).toContain('planned for');
  expect(await page.getByText('receiver down for the test').count()).toBeGreaterThan(0);
});

test('delivery shows headers with signatures hidden', async () => {
  await page.getByText('Headers sent').click();

  const headers = page.locator('.headers-table');
  expect(await headers.getByRole('row', { name: /x-postion-signature/ }).textContent()).toContain(
    '<hidden>',
  );
  expect(await headers.getByRole('row', { name: /webhook-signature/ }).textContent()).toContain(
    'v1,<hidden>',
  );
  const link = page.getByRole('link', { name: 'Open in Temporal Web UI' });
  expect(await link.getAttribute('href')).toMatch(
    /^http:\/\/127\.0\.0\.1:8233\/namespaces\/default\/workflows\/delivery-evt_/,
  );
  await screenshot('delivery-detail');
});

test('retry now delivers at once', async () => {
  failing = false;

  await page.getByRole('button', { name: 'Retry now' }).click();

  await page.getByRole('heading', { name: 'Attempt 2: succeeded with HTTP 200' }).waitFor();
  expect(await page.locator('.page-head .badge').textContent()).toBe('Succeeded');
  expect(await page.getByRole('button', { name: 'Redeliver' }).count()).toBe(1);
});

test('receiver help shows the signature checks', async () => {
  await page.getByRole('link', { name: 'Receiver help' }).click();
  await heading('Receiver help').waitFor();

  const tab = page.getByRole('tab', { name: 'Node.js', exact: true });
  await tab.focus();
  await page.keyboard.press('ArrowRight');

  expect(await page.getByRole('tab', { selected: true }).textContent()).toBe(
    'Node.js (Standard Webhooks)',
  );
  expect(await page.locator('#snippet-panel pre').textContent()).toContain('standardwebhooks');
  await page.keyboard.press('ArrowLeft');
  await screenshot('receiver-help');
});

test('verification failure shows its reason', async () => {
  receiver.respond = () => ({ status: 503 });
  await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
  await page.getByRole('link', { name: 'Add webhook' }).click();

  await page.getByLabel('Endpoint URL').fill(`${receiver.url}/hooks/broken`);
  await page.getByLabel('post.published').check();
  await page.getByRole('button', { name: 'Add webhook' }).click();

  await page.locator('.verification .badge', { hasText: 'Verification failed' }).waitFor({
    timeout: 20_000,
  });
  expect(await page.locator('.verification .message-error').textContent()).toContain('503');
  expect(await page.getByRole('button', { name: 'Verify again' }).count()).toBe(1);
});

test('pages fit a phone screen', async () => {
  await page.setViewportSize(PHONE);
  const pages = [
    { name: 'webhook-list', hash: '#/webhooks', ready: () => heading('Webhooks') },
    { name: 'add-webhook', hash: '#/webhooks/new', ready: () => heading('Add webhook') },
    { name: 'webhook-detail', hash: webhookPath, ready: () => heading(webhookUrl) },
    {
      name: 'delivery-detail',
      hash: deliveryPath,
      ready: () => page.getByRole('heading', { name: 'Attempt 2: succeeded with HTTP 200' }),
    },
    { name: 'receiver-help', hash: '#/receiver-help', ready: () => heading('Receiver help') },
  ];
  try {
    for (const { name, hash, ready } of pages) {
      await page.goto(`${stack.apiUrl}/dashboard/${hash}`);
      await ready().waitFor();
      await page.waitForTimeout(300);

      expect([name, await horizontalOverflow(page)]).toEqual([name, 0]);
      screenshots.push(await saveScreenshot(page, name, 'phone'));
    }
  } finally {
    await page.setViewportSize(DESKTOP);
  }
});

test('no request left the loopback interface', async () => {
  const origins = await page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .map((entry: { name: string }) => new URL(entry.name).host),
  );

  expect(browser.blockedRequests).toEqual([]);
  for (const host of origins) expect(host).toMatch(/^127\.0\.0\.1:\d+$/);
  expect(await page.evaluate(() => document.fonts.size)).toBe(0);
});
