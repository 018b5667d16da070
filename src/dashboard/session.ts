import type { DashboardSession } from './api/types';

// sessionStorage ends with the tab, so a session token outlives neither the tab nor its expiry.
const STORAGE_KEY = 'postion.dashboard.session';

type Listener = (session: DashboardSession | null) => void;
const listeners = new Set<Listener>();

/** Returns the session of this tab, or null when there is none or it has expired. */
export function readSession(): DashboardSession | null {
  const stored = sessionStorage.getItem(STORAGE_KEY);
  if (!stored) return null;
  const session = JSON.parse(stored) as DashboardSession;
  if (Date.parse(session.expires_at) <= Date.now()) {
    sessionStorage.removeItem(STORAGE_KEY);
    return null;
  }
  return session;
}

/** Stores the session of this tab, or removes it with null, and notifies every listener. */
export function storeSession(session: DashboardSession | null): void {
  if (session) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(STORAGE_KEY);
  for (const listener of listeners) listener(session);
}

/** Calls `listener` on every change of the session until the returned function is called. */
export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
