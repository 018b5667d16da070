import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/api/app';
import type { ApiDependencies } from '../../src/api/dependencies';
import { ensureDashboardBuilt } from '../helpers/dashboard-build';
import { createTestLogger } from '../helpers/test-logger';

let folder: string;
let server: Server;
let baseUrl: string;

/** Serves the dashboard files of `dashboardDir` on a loopback port; no route here uses the rest. */
async function serve(dashboardDir: string): Promise<{ server: Server; url: string }> {
  const app = createApp({ logger: createTestLogger(), dashboardDir } as ApiDependencies);
  const listening: Server = await new Promise((resolve) => {
    const started = app.listen(0, '127.0.0.1', () => resolve(started));
  });
  return {
    server: listening,
    url: `http://127.0.0.1:${(listening.address() as AddressInfo).port}`,
  };
}

beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'dashboard-files-'));
  await mkdir(path.join(folder, 'assets'));
  await writeFile(path.join(folder, 'index.html'), '<!doctype html><title>test</title>');
  await writeFile(path.join(folder, 'assets', 'index-abc123.js'), 'console.log(1);');
  await writeFile(path.join(folder, 'assets', 'index-abc123.css'), 'body{}');
  await writeFile(path.join(folder, 'assets', 'icon-abc123.svg'), '<svg/>');
  ({ server, url: baseUrl } = await serve(folder));
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await rm(folder, { recursive: true, force: true });
});

test('page has a strict CSP', async () => {
  const response = await fetch(`${baseUrl}/dashboard`);
  const csp = response.headers.get('content-security-policy') ?? '';

  expect(response.status).toBe(200);
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("style-src 'self'");
  expect(csp).toContain("connect-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('unsafe-eval');
});

test('page is revalidated on every load', async () => {
  const response = await fetch(`${baseUrl}/dashboard/`);

  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(response.headers.get('cache-control')).toBe('no-cache');
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
});

test.each([
  ['index-abc123.js', 'text/javascript; charset=utf-8'],
  ['index-abc123.css', 'text/css; charset=utf-8'],
  ['icon-abc123.svg', 'image/svg+xml'],
])('asset %s is cached for good', async (file, contentType) => {
  const response = await fetch(`${baseUrl}/dashboard/assets/${file}`);

  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe(contentType);
  expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
});

test('missing asset is a 404 problem', async () => {
  const response = await fetch(`${baseUrl}/dashboard/assets/index-gone.js`);
  const problem = (await response.json()) as { detail: string };

  expect(response.status).toBe(404);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect(problem.detail).toBe('dashboard file "index-gone.js" does not exist');
});

test.each(['..%2Fpackage.json', '.hidden.js', 'index.html', 'index-abc123.js.map'])(
  'file name %s is rejected',
  async (file) => {
    const response = await fetch(`${baseUrl}/dashboard/assets/${file}`);

    expect(response.status).toBe(400);
  },
);

test('POST to the page is a 405', async () => {
  const response = await fetch(`${baseUrl}/dashboard`, { method: 'POST' });

  expect(response.status).toBe(405);
  expect(response.headers.get('allow')).toContain('GET');
});

test('page without a build names the fix', async () => {
  const empty = await mkdtemp(path.join(tmpdir(), 'dashboard-empty-'));
  const unbuilt = await serve(empty);
  try {
    const response = await fetch(`${unbuilt.url}/dashboard`);
    const problem = (await response.json()) as { detail: string };

    expect(response.status).toBe(404);
    expect(problem.detail).toContain('run npm run build:dashboard');
  } finally {
    await new Promise((resolve) => unbuilt.server.close(resolve));
    await rm(empty, { recursive: true, force: true });
  }
});

test('build has no inline script or style', async () => {
  const built = await ensureDashboardBuilt();
  const html = await readFile(path.join(built, 'index.html'), 'utf8');

  const scripts = html.match(/<script\b[^>]*>/g) ?? [];
  expect(scripts.length).toBeGreaterThan(0);
  for (const tag of scripts) expect(tag).toMatch(/ src="\/dashboard\/assets\/[^"]+\.js"/);
  expect(html).not.toMatch(/<style\b/);
  expect(html).not.toMatch(/ style="/);
  expect(html).not.toMatch(/ on[a-z]+="/);
});
