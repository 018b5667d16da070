import { useState } from 'preact/hooks';
import { signIn } from '../api/client';
import { capitalize, ErrorMessage, useAction } from './common';

/** Renders the sign-in page, which exchanges a site API key for a session token of this tab. */
export function SignInPage({ message }: { message: string | null }) {
  const [apiKey, setApiKey] = useState('');
  const action = useAction();

  const [missing, setMissing] = useState(false);

  const submit = (event: Event) => {
    event.preventDefault();
    const key = apiKey.trim();
    // Checked here so that an empty field gets a plain request instead of a validation message.
    setMissing(key === '');
    if (key === '') return;
    void action.run(() => signIn({ api_key: key }));
  };

  return (
    <main id="main" class="sign-in">
      <h1>Postion Webhooks</h1>
      <p>Sign in with an API key of your site to manage its webhooks.</p>
      {message && !action.error && (
        <p class="message message-error" role="alert">
          {capitalize(message)}
        </p>
      )}
      <form onSubmit={submit} noValidate>
        <label for="api-key">Site API key</label>
        <input
          id="api-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          placeholder="pwk_..."
          value={apiKey}
          onInput={(event) => setApiKey(event.currentTarget.value)}
          aria-describedby="api-key-hint"
          required
        />
        <p id="api-key-hint" class="hint">
          The key is sent once, in exchange for a session token that this tab keeps for up to 12
          hours. Signing out ends it; closing the tab forgets it. A new sign-in link comes with each
          start of the dev stack.
        </p>
        {missing && (
          <p class="message message-error" role="alert">
            Enter the API key of your site; it starts with pwk_.
          </p>
        )}
        <ErrorMessage error={action.error} />
        <button type="submit" class="button button-primary" disabled={action.pending}>
          {action.pending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p class="hint">Running the dev stack? Open the sign-in link that npm start prints.</p>
    </main>
  );
}
