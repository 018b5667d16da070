import { useState } from 'preact/hooks';
import { request } from '../api/client';
import type { EndpointSecret } from '../api/types';
import { formatTime } from '../format';
import { CopyButton, ErrorMessage, useAction } from './common';
import { ConfirmDialog } from './confirm-dialog';

const GRACE_PERIODS = [
  { seconds: 0, label: 'None: the old secret stops at once' },
  { seconds: 3_600, label: '1 hour' },
  { seconds: 86_400, label: '24 hours' },
  { seconds: 604_800, label: '7 days' },
];

/** Renders the signing secret of an endpoint, hidden until revealed, and its rotation. */
export function SecretPanel({ endpointId }: { endpointId: string }) {
  const [secret, setSecret] = useState<EndpointSecret | null>(null);
  const [rotating, setRotating] = useState(false);
  const [grace, setGrace] = useState(86_400);
  const action = useAction();
  const path = `/v1/webhooks/${encodeURIComponent(endpointId)}/secret`;

  const reveal = () =>
    action.run(async () => setSecret(await request<EndpointSecret>('GET', path)));
  const rotate = () =>
    action.run(async () => {
      setSecret(
        await request<EndpointSecret>('POST', `${path}/rotate`, { grace_period_seconds: grace }),
      );
      setRotating(false);
    });

  return (
    <section class="panel" aria-labelledby="secret-panel-title">
      <h2 id="secret-panel-title">Signing secret</h2>
      <p class="hint">
        Your receiver checks each request's signature with this secret. It stays hidden until you
        reveal it, and the page forgets it when you leave.
      </p>
      {secret ? (
        <div class="secret-row">
          <label class="visually-hidden" for="revealed-secret">
            Signing secret
          </label>
          <input
            id="revealed-secret"
            class="secret-value"
            type="text"
            readOnly
            value={secret.secret}
            spellcheck={false}
          />
          <CopyButton text={secret.secret} label="Copy secret" />
          <button type="button" class="button button-quiet" onClick={() => setSecret(null)}>
            Hide
          </button>
        </div>
      ) : (
        <p class="secret-hidden" aria-label="Secret hidden">
          whsec_••••••••••••••••••••••••
        </p>
      )}
      {secret?.previous_secret_expires_at && (
        <p class="hint">
          The previous secret also signs requests until{' '}
          {formatTime(secret.previous_secret_expires_at)}.
        </p>
      )}
      <div class="toolbar">
        {!secret && (
          <button type="button" class="button" disabled={action.pending} onClick={reveal}>
            Reveal secret
          </button>
        )}
        <button
          type="button"
          class="button"
          disabled={action.pending}
          onClick={() => setRotating(true)}
        >
          Rotate secret
        </button>
      </div>
      <ErrorMessage error={action.error} />
      <ConfirmDialog
        open={rotating}
        title="Rotate the signing secret?"
        confirmLabel="Rotate secret"
        pending={action.pending}
        onConfirm={rotate}
        onClose={() => setRotating(false)}
      >
        <p>
          A new secret signs every request from now on. During the grace period requests also carry
          a signature with the old secret, so deploy the new one to your receiver before it ends.
        </p>
        <div class="field">
          <label for="grace-period">Grace period</label>
          <select
            id="grace-period"
            value={grace}
            onChange={(event) => setGrace(Number(event.currentTarget.value))}
          >
            {GRACE_PERIODS.map((option) => (
              <option key={option.seconds} value={option.seconds}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
      </ConfirmDialog>
    </section>
  );
}
