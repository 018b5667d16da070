import { request } from '../api/client';
import type { Attempt, DeliveryDetail } from '../api/types';
import { formatCountdown, formatDuration, formatTime } from '../format';
import { useNow, usePolling } from '../hooks';
import { linkTo, navigate } from '../routing';
import { CopyButton, ErrorMessage, PageTitle, useAction } from './common';
import { RetryPlan } from './retry-plan';
import { DeliveryBadge } from './status-badge';

const IN_FLIGHT_POLL_MS = 1_000;
const FINISHED_POLL_MS = 10_000;

/** Renders the page of one delivery: payload, attempts with headers, retry plan and actions. */
export function DeliveryPage({ id }: { id: string }) {
  const path = `/v1/deliveries/${encodeURIComponent(id)}`;
  const {
    data: delivery,
    error,
    reload,
  } = usePolling(
    () => request<DeliveryDetail>('GET', path),
    (loaded) =>
      loaded?.status === 'pending' || loaded?.status === 'retrying'
        ? IN_FLIGHT_POLL_MS
        : FINISHED_POLL_MS,
    [path],
  );
  const now = useNow();

  if (!delivery) {
    return (
      <>
        <PageTitle>Delivery</PageTitle>
        <ErrorMessage error={error} />
        {!error && <p class="muted">Loading…</p>}
      </>
    );
  }
  return (
    <>
      <p class="breadcrumb">
        <a href={linkTo({ page: 'webhooks' })}>Webhooks</a> ›{' '}
        <a href={linkTo({ page: 'webhook', id: delivery.endpoint_id })}>Webhook</a>
      </p>
      <div class="page-head">
        <PageTitle>
          <code>{delivery.event_type}</code> delivery
        </PageTitle>
        <DeliveryBadge status={delivery.status} />
      </div>
      <ErrorMessage error={error} />
      <DeliveryFacts delivery={delivery} now={now} />
      <DeliveryActions delivery={delivery} onChange={reload} />
      <RetryPlan delivery={delivery} now={now} />
      <section class="panel" aria-labelledby="attempts-title">
        <h2 id="attempts-title">Attempts</h2>
        {delivery.attempts.length === 0 && <p class="muted">No attempt recorded yet.</p>}
        <ol class="attempts">
          {delivery.attempts.map((attempt) => (
            <AttemptItem key={attempt.attempt_number} attempt={attempt} />
          ))}
        </ol>
      </section>
      <section class="panel" aria-labelledby="payload-title">
        <div class="panel-head">
          <h2 id="payload-title">Payload</h2>
          <CopyButton text={delivery.payload} label="Copy payload" />
        </div>
        <p class="hint">
          The exact bytes of the request body, the same on every attempt. Signatures cover these
          bytes, so verify them before parsing.
        </p>
        <pre class="code" tabIndex={0} aria-labelledby="payload-title">
          {delivery.payload}
        </pre>
      </section>
    </>
  );
}

function DeliveryFacts({ delivery, now }: { delivery: DeliveryDetail; now: number }) {
  return (
    <dl class="facts">
      <dt>Delivery</dt>
      <dd>
        <code>{delivery.id}</code>
      </dd>
      <dt>Event</dt>
      <dd>
        <code>{delivery.event_id}</code>
      </dd>
      <dt>Created</dt>
      <dd>{formatTime(delivery.created_at)}</dd>
      <dt>Attempts</dt>
      <dd>
        {delivery.attempt_count} of {delivery.max_attempts}
      </dd>
      {delivery.status === 'retrying' && delivery.next_attempt_at && (
        <>
          <dt>Next attempt</dt>
          <dd>
            <time class="countdown" dateTime={delivery.next_attempt_at}>
              {formatCountdown(delivery.next_attempt_at, now)}
            </time>{' '}
            <span class="muted">({formatTime(delivery.next_attempt_at)})</span>
          </dd>
        </>
      )}
      {delivery.completed_at && (
        <>
          <dt>Finished</dt>
          <dd>{formatTime(delivery.completed_at)}</dd>
        </>
      )}
      {delivery.redelivery_of && (
        <>
          <dt>Redelivery of</dt>
          <dd>
            <a href={linkTo({ page: 'delivery', id: delivery.redelivery_of })}>
              {delivery.redelivery_of}
            </a>
          </dd>
        </>
      )}
      <dt>Workflow</dt>
      <dd>
        <a href={delivery.workflow_url} target="_blank" rel="noopener noreferrer">
          Open in Temporal Web UI
        </a>{' '}
        <span class="muted id">{delivery.workflow_id}</span>
      </dd>
    </dl>
  );
}

function DeliveryActions({
  delivery,
  onChange,
}: {
  delivery: DeliveryDetail;
  onChange: () => void;
}) {
  const action = useAction();
  const path = `/v1/deliveries/${encodeURIComponent(delivery.id)}`;
  const finished = ['succeeded', 'failed', 'cancelled'].includes(delivery.status);

  const retryNow = () =>
    action.run(async () => {
      await request('POST', `${path}/retry`);
      onChange();
    });
  const cancel = () =>
    action.run(async () => {
      await request('POST', `${path}/cancel`);
      onChange();
    });
  const redeliver = () =>
    action.run(async () => {
      const created = await request<{ id: string }>('POST', `${path}/redeliver`);
      navigate({ page: 'delivery', id: created.id });
    });

  return (
    <>
      <div class="toolbar">
        {delivery.status === 'retrying' && (
          <>
            <button
              type="button"
              class="button button-primary"
              disabled={action.pending}
              onClick={retryNow}
            >
              Retry now
            </button>
            <button type="button" class="button" disabled={action.pending} onClick={cancel}>
              Cancel delivery
            </button>
          </>
        )}
        {finished && (
          <button type="button" class="button" disabled={action.pending} onClick={redeliver}>
            Redeliver
          </button>
        )}
      </div>
      <ErrorMessage error={action.error} />
    </>
  );
}

function AttemptItem({ attempt }: { attempt: Attempt }) {
  return (
    <li class={`attempt ${attempt.succeeded ? 'attempt-ok' : 'attempt-failed'}`}>
      <h3>
        Attempt {attempt.attempt_number}: {attempt.succeeded ? 'succeeded' : 'failed'}
        {attempt.status_code !== null && <> with HTTP {attempt.status_code}</>}
      </h3>
      <dl class="facts">
        <dt>Started</dt>
        <dd>{formatTime(attempt.started_at)}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(attempt.duration_ms)}</dd>
        {attempt.error_class && (
          <>
            <dt>Error</dt>
            <dd>
              <code>{attempt.error_class}</code> {attempt.error_message}
            </dd>
          </>
        )}
      </dl>
      {attempt.response_excerpt && (
        <>
          <h4>Response body (first 1,024 characters)</h4>
          <pre class="code" tabIndex={0}>
            {attempt.response_excerpt}
          </pre>
        </>
      )}
      {attempt.request_headers && (
        <details>
          <summary>Headers sent</summary>
          <table class="table headers-table">
            <tbody>
              {Object.entries(attempt.request_headers).map(([name, value]) => (
                <tr key={name}>
                  <th scope="row">
                    <code>{name}</code>
                  </th>
                  <td>
                    <code>{value}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="hint">Signature values are hidden here; the receiver got the real ones.</p>
        </details>
      )}
    </li>
  );
}
