import { useEffect, useState } from 'preact/hooks';
import { request, signOut } from '../api/client';
import type { DashboardSession, Site } from '../api/types';
import { linkTo, useRoute, type Route } from '../routing';
import { onSessionChange, readSession } from '../session';
import { AddWebhookPage } from './add-webhook';
import { DeliveryPage } from './delivery-detail';
import { ReceiverHelpPage } from './receiver-help';
import { SignInPage } from './sign-in';
import { WebhookPage } from './webhook-detail';
import { WebhookListPage } from './webhook-list';

/** Renders the sign-in page without a session, else the page of the current route. */
export function App({ signInMessage }: { signInMessage: string | null }) {
  const [session, setSession] = useState<DashboardSession | null>(readSession);
  const [endedMessage, setEndedMessage] = useState<string | null>(signInMessage);
  useEffect(() => setEndedMessage(signInMessage), [signInMessage]);
  useEffect(
    () =>
      onSessionChange((next) => {
        setSession(next);
        if (!next) setEndedMessage('you are signed out; sign in again to continue');
      }),
    [],
  );

  if (!session) return <SignInPage message={endedMessage} />;
  return <SignedIn />;
}

function SignedIn() {
  const route = useRoute();
  const [site, setSite] = useState<Site | null>(null);
  useEffect(() => {
    request<Site>('GET', '/v1/site').then(setSite, () => undefined);
  }, []);

  const skipToContent = (event: Event) => {
    event.preventDefault();
    document.getElementById('main')?.focus();
  };

  return (
    <>
      <a class="skip-link" href="#main" onClick={skipToContent}>
        Skip to content
      </a>
      <header class="top-bar">
        <a class="brand" href={linkTo({ page: 'webhooks' })}>
          Postion <span>Webhooks</span>
        </a>
        <nav aria-label="Dashboard">
          <a
            href={linkTo({ page: 'webhooks' })}
            aria-current={isWebhooks(route) ? 'page' : undefined}
          >
            Webhooks
          </a>
          <a
            href={linkTo({ page: 'receiver-help' })}
            aria-current={route.page === 'receiver-help' ? 'page' : undefined}
          >
            Receiver help
          </a>
        </nav>
        <div class="account">
          {site && <span class="site-name">{site.name}</span>}
          <button type="button" class="button button-quiet" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}

function isWebhooks(route: Route): boolean {
  return route.page !== 'receiver-help';
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'webhooks':
      return <WebhookListPage />;
    case 'add-webhook':
      return <AddWebhookPage />;
    case 'webhook':
      return <WebhookPage key={route.id} id={route.id} />;
    case 'delivery':
      return <DeliveryPage key={route.id} id={route.id} />;
    case 'receiver-help':
      return <ReceiverHelpPage />;
  }
}
