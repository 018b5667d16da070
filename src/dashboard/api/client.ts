import { readSession, storeSession } from '../session';
import type { DashboardSession, Problem } from './types';

/** A failed API request, with the problem document the API returned. */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
    this.name = 'ApiError';
  }

  /** Returns the message of each failing field, keyed by its path (`url`, `events`, ...). */
  fieldErrors(): Record<string, string> {
    const fields: Record<string, string> = {};
    for (const error of this.problem.errors ?? []) {
      // `events.2` and `events` both belong to the events field of a form.
      const field = error.path.split('.')[0]!;
      fields[field] ??= error.message;
    }
    return fields;
  }
}

const UNREACHABLE: Problem = {
  type: 'about:blank',
  title: 'API unreachable',
  status: 0,
  detail: 'the API could not be reached; check that it runs, then try again',
};

/**
 * Sends a request to the API with the session token and returns the parsed body. A 401 ends the
 * session, which brings back the sign-in page.
 *
 * @throws ApiError for every response that is not 2xx, and when the API cannot be reached.
 */
export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const session = readSession();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';

  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(UNREACHABLE);
  }

  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (response.ok) return parsed as T;

  if (response.status === 401 && session) storeSession(null);
  throw new ApiError(parsed ? (parsed as Problem) : { ...UNREACHABLE, status: response.status });
}

/** Exchanges an API key or a sign-in token for a session, and stores it for this tab. */
export async function signIn(
  credential: { api_key: string } | { sign_in_token: string },
): Promise<void> {
  const session = await request<DashboardSession>('POST', '/v1/dashboard/sessions', credential);
  storeSession(session);
}

/** Ends the session in the API, then removes it from the tab, even when the API is unreachable. */
export async function signOut(): Promise<void> {
  try {
    await request('DELETE', '/v1/dashboard/session');
  } finally {
    storeSession(null);
  }
}
