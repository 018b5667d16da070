import { render } from 'preact';
import { ApiError, signIn } from './api/client';
import { App } from './components/app';
import './styles.css';

const SIGN_IN_LINK = /^#sign-in=([A-Za-z0-9_-]+)$/;

/**
 * Exchanges the sign-in token of a `#sign-in=psi_...` link for a session. The fragment never
 * reaches a server log, and it is removed from the address bar and history before the exchange,
 * so the token is not left behind even when the exchange fails. Returns the error message, if any.
 */
async function signInFromLink(): Promise<string | null> {
  const match = SIGN_IN_LINK.exec(location.hash);
  if (!match) return null;
  history.replaceState(null, '', `${location.pathname}${location.search}`);
  try {
    await signIn({ sign_in_token: match[1]! });
    return null;
  } catch (error) {
    return error instanceof ApiError ? error.problem.detail : String(error);
  }
}

const root = document.getElementById('app')!;
const start = async () => render(<App signInMessage={await signInFromLink()} />, root);

void start();
// A link opened in a tab that shows the dashboard already changes only the fragment.
window.addEventListener('hashchange', () => {
  if (SIGN_IN_LINK.test(location.hash)) void start();
});
