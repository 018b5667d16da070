import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { ApiDependencies } from '../dependencies';
import { defineOperation, type Operation } from '../operation';
import { notFoundProblem, PROBLEM_TYPES, ProblemError } from '../problem';

/** Output folder of `npm run build:dashboard`, found from this file's location. */
export const DEFAULT_DASHBOARD_DIR = path.resolve(__dirname, '../../../dist/dashboard');

/**
 * Content Security Policy of the dashboard. Scripts, styles and images come from its own files
 * only (no inline script or style), it talks to this API only, and no other site may frame it.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'Content-Security-Policy': DASHBOARD_CSP,
  'X-Content-Type-Options': 'nosniff',
  // Links to the Temporal Web UI must not carry the dashboard's address along.
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};

const assetParams = z.strictObject({
  file: z
    .string()
    .regex(/^[A-Za-z0-9_-][A-Za-z0-9_.-]*\.(js|css|svg)$/, {
      error: (issue) =>
        `${JSON.stringify(issue.input)} is not a dashboard file name; use a name from the dashboard page`,
    })
    .describe('a file name from the built dashboard, such as index-<hash>.js'),
});

/** Builds the operations that serve the dashboard page and the files of its build. */
export function dashboardFileOperations(deps: ApiDependencies): Operation[] {
  const folder = deps.dashboardDir ?? DEFAULT_DASHBOARD_DIR;

  return [
    defineOperation({
      method: 'get',
      path: '/dashboard',
      operationId: 'getDashboard',
      tag: 'Dashboard',
      summary: "The site owners' dashboard",
      description:
        'A page to add webhooks and follow their deliveries, signed in with a site API key. It keeps only a session token (POST /v1/dashboard/sessions), in the tab session storage.',
      auth: 'none',
      responses: {
        200: { description: 'an HTML page', contentType: 'text/html', schema: z.string() },
      },
      problems: [404],
      async handle() {
        const page = await readBuiltFile(path.join(folder, 'index.html'));
        if (!page) throw notBuilt(folder);
        return {
          status: 200,
          body: page,
          contentType: 'text/html',
          // The page names the hashed files of the current build, so it is checked every time.
          headers: { ...SECURITY_HEADERS, 'Cache-Control': 'no-cache' },
        };
      },
    }),

    defineOperation({
      method: 'get',
      path: '/dashboard/assets/{file}',
      operationId: 'getDashboardAsset',
      tag: 'Dashboard',
      summary: 'A script, style sheet or image of the dashboard',
      auth: 'none',
      params: assetParams,
      responses: {
        200: {
          description: 'the file, as text/javascript, text/css or image/svg+xml',
          contentType: '*/*',
          schema: z.string(),
        },
      },
      async handle({ params: { file } }) {
        const content = await readBuiltFile(path.join(folder, 'assets', file));
        if (!content) throw notFoundProblem('dashboard file', file);
        return {
          status: 200,
          body: content,
          contentType: CONTENT_TYPES[path.extname(file)],
          // Vite puts a hash of the content in each file name, so a name never changes content.
          headers: { ...SECURITY_HEADERS, 'Cache-Control': 'public, max-age=31536000, immutable' },
        };
      },
    }),
  ];
}

async function readBuiltFile(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function notBuilt(folder: string): ProblemError {
  return new ProblemError({
    type: PROBLEM_TYPES.notFound,
    title: 'Not found',
    status: 404,
    detail: `the dashboard is not built (no index.html in ${folder}); run npm run build:dashboard, which npm start and npm test run first`,
  });
}
