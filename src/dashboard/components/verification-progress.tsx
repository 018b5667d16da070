import { request } from '../api/client';
import type { Endpoint } from '../api/types';
import { usePolling } from '../hooks';
import { linkTo } from '../routing';
import { capitalize, ErrorMessage, useAction } from './common';
import { EndpointBadge } from './status-badge';

// Verification ends within about 10 seconds, so the page looks often until it does.
const POLL_WHILE_PENDING_MS = 1_000;
const POLL_AFTERWARDS_MS = 10_000;

/** Follows the verification of a new endpoint until it is active or the reason it failed. */
export function VerificationProgress({ endpointId }: { endpointId: string }) {
  const {
    data: endpoint,
    error,
    reload,
  } = usePolling(
    () => request<Endpoint>('GET', `/v1/webhooks/${encodeURIComponent(endpointId)}`),
    (loaded) =>
      loaded?.status === 'pending_verification' ? POLL_WHILE_PENDING_MS : POLL_AFTERWARDS_MS,
    [endpointId],
  );
  const verify = useAction();

  const verifyAgain = () =>
    verify.run(async () => {
      await request('POST', `/v1/webhooks/${encodeURIComponent(endpointId)}/verify`);
      reload();
    });

  return (
    <section class="panel" aria-labelledby="verification-title">
      <h2 id="verification-title">Verification</h2>
      <ErrorMessage error={error} />
      {endpoint && (
        <div class="verification" role="status" aria-live="polite">
          <EndpointBadge status={endpoint.status} />
          {endpoint.status === 'pending_verification' && (
            <p>
              <span class="spinner" aria-hidden="true" />
              Sending a signed verification request. The endpoint must answer with a 2xx status
              within 10 seconds.
            </p>
          )}
          {(endpoint.status === 'active' || endpoint.status === 'failing') && (
            <p>Verified: the endpoint answered the verification request. It now receives events.</p>
          )}
          {endpoint.status === 'verification_failed' && (
            <>
              <p class="message message-error">
                {capitalize(endpoint.status_reason ?? 'the verification request failed')}
              </p>
              <p>
                Fix the receiver, then verify again. For signature checks, see{' '}
                <a href={linkTo({ page: 'receiver-help' })}>receiver help</a>.
              </p>
              <button type="button" class="button" disabled={verify.pending} onClick={verifyAgain}>
                Verify again
              </button>
              <ErrorMessage error={verify.error} />
            </>
          )}
          {endpoint.status === 'disabled' && <p>The webhook is disabled and receives nothing.</p>}
        </div>
      )}
    </section>
  );
}
