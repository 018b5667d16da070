import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_DASHBOARD_DIR } from '../../src/api/routes/dashboard-files';

const ROOT = path.resolve(__dirname, '../..');
const LOCK_DIR = path.join(path.dirname(DEFAULT_DASHBOARD_DIR), '.dashboard-build-lock');
const BUILD_WAIT_MS = 60_000;

/**
 * Builds the dashboard when `dist/dashboard` has no build, and returns its folder. `npm test`
 * builds it before jest starts; this covers `npx jest` on a fresh clone. A lock folder keeps
 * parallel test files from building into the same folder at once. An existing build is used as
 * it is, so after changing the dashboard's sources run `npm run build:dashboard` or `npm test`.
 */
export async function ensureDashboardBuilt(): Promise<string> {
  const index = path.join(DEFAULT_DASHBOARD_DIR, 'index.html');
  if (existsSync(index)) return DEFAULT_DASHBOARD_DIR;

  await mkdir(path.dirname(LOCK_DIR), { recursive: true });
  try {
    await mkdir(LOCK_DIR);
  } catch {
    await waitForFile(index);
    return DEFAULT_DASHBOARD_DIR;
  }
  try {
    const vite = path.join(ROOT, 'node_modules', '.bin', 'vite');
    await promisify(execFile)(vite, ['build', 'src/dashboard', '--logLevel', 'warn'], {
      cwd: ROOT,
    });
  } finally {
    await rm(LOCK_DIR, { recursive: true, force: true });
  }
  return DEFAULT_DASHBOARD_DIR;
}

/** Returns the name of the dashboard's script, building the dashboard first if needed. */
export async function dashboardScriptName(): Promise<string> {
  const folder = await ensureDashboardBuilt();
  const files = await readdir(path.join(folder, 'assets'));
  const script = files.find((file) => file.endsWith('.js'));
  if (!script) throw new Error(`no script in ${folder}/assets; run npm run build:dashboard`);
  return script;
}

async function waitForFile(file: string): Promise<void> {
  const deadline = Date.now() + BUILD_WAIT_MS;
  while (!existsSync(file)) {
    if (Date.now() > deadline) {
      throw new Error(
        `the dashboard build did not appear within ${BUILD_WAIT_MS} ms; remove ${LOCK_DIR} if no build runs`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
