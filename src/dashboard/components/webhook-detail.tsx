import { useState } from 'preact/hooks';
import { request } from '../api/client';
import type { Delivery, Endpoint, EndpointStats } from '../api/types';
import { EVENT_TYPE_NAMES } from '../../events/catalog';
import { formatTime } from '../format';
import { usePolling } from '../hooks';
import { linkTo, navigate } from '../routing';
import { capitalize, ErrorMessage, EventTypeOptions, PageTitle, useAction } from './common';
import { ConfirmDialog } from './confirm-dialog';
import { CHART_RANGES, DeliveryChart, statsQuery, type ChartRange } from './delivery-chart';
import { DeliveryLog } from './delivery-log';
import { ReceiverHelp } from './receiver-help';
import { RecoveryPanel } from './recovery-panel';
import { SecretPanel } from './secret-panel';
import { EndpointBadge } from './status-badge';
import { EventList } from './webhook-list';

const ENDPOINT_POLL_MS = 3_000;
const STATS_POLL_MS = 10_000;

/** Renders the page of one webhook: its state, actions, chart and delivery log. */
export function WebhookPage({ id }: { id: string }) {
  const path = `/v1/webhooks/${encodeURIComponent(id)}`;
  const {
    data: endpoint,
    error,
    reload,
  } = usePolling(() => request<Endpoint>('GET', path), ENDPOINT_POLL_MS, [path]);

  if (!endpoint) {
    return (
      <>
        <PageTitle>Webhook</PageTitle>
        <ErrorMessage error={error} />
        {!error && <p class="muted">Loading…</p>}
      </>
    );
  }
  return (
    <>
      <p class="breadcrumb">
        <a href={linkTo({ page: 'webhooks' })}>Webhooks</a>
      </p>
      <div class="page-head">
        <PageTitle>
          <span class="url">{endpoint.url}</span>
        </PageTitle>
        <EndpointBadge status={endpoint.status} />
      </div>
      <ErrorMessage error={error} />
      <EndpointFacts endpoint={endpoint} />
      <EndpointActions endpoint={endpoint} onChange={reload} />
      <ChartPanel endpointId={id} />
      <DeliveryLog endpointId={id} />
      <SecretPanel endpointId={id} />
      <RecoveryPanel endpoint={endpoint} />
      <details
        class="panel"
        open={endpoint.status === 'verification_failed' || endpoint.status === 'failing'}
      >
        <summary>
          <h2>Receiver help: checking signatures</h2>
        </summary>
        <ReceiverHelp />
      </details>
    </>
  );
}

function EndpointFacts({ endpoint }: { endpoint: Endpoint }) {
  return (
    <>
      {endpoint.status_reason && (
        <p class="message message-error">
          {endpoint.status === 'failing' && endpoint.failing_since
            ? `Failing since ${formatTime(endpoint.failing_since)}: `
            : ''}
          {capitalize(endpoint.status_reason)}
        </p>
      )}
      <dl class="facts">
        {endpoint.description && (
          <>
            <dt>Description</dt>
            <dd>{endpoint.description}</dd>
          </>
        )}
        <dt>Events</dt>
        <dd>
          <EventList events={endpoint.events} />
        </dd>
        <dt>Id</dt>
        <dd>
          <code>{endpoint.id}</code>
        </dd>
        <dt>Verified</dt>
        <dd>{endpoint.verified_at ? formatTime(endpoint.verified_at) : 'Not yet'}</dd>
      </dl>
    </>
  );
}

function EndpointActions({ endpoint, onChange }: { endpoint: Endpoint; onChange: () => void }) {
  const action = useAction();
  const [testType, setTestType] = useState(endpoint.events[0] ?? EVENT_TYPE_NAMES[0]);
  const [sentTest, setSentTest] = useState<Delivery | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const path = `/v1/webhooks/${encodeURIComponent(endpoint.id)}`;
  const receiving = endpoint.status === 'active' || endpoint.status === 'failing';

  const post = (suffix: string, body?: unknown) =>
    action.run(async () => {
      await request('POST', `${path}/${suffix}`, body);
      onChange();
    });
  const sendTest = () =>
    action.run(async () => {
      setSentTest(await request<Delivery>('POST', `${path}/test`, { event: testType }));
    });
  const remove = () =>
    action.run(async () => {
      await request('DELETE', path);
      navigate({ page: 'webhooks' });
    });

  return (
    <section class="panel" aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      <div class="toolbar">
        {(endpoint.status === 'pending_verification' ||
          endpoint.status === 'verification_failed') && (
          <button
            type="button"
            class="button"
            disabled={action.pending}
            onClick={() => post('verify')}
          >
            Verify again
          </button>
        )}
        {endpoint.enabled ? (
          <button
            type="button"
            class="button"
            disabled={action.pending}
            onClick={() => post('disable')}
          >
            Disable
          </button>
        ) : (
          <button
            type="button"
            class="button"
            disabled={action.pending}
            onClick={() => post('enable')}
          >
            Enable
          </button>
        )}
        <button
          type="button"
          class="button button-danger"
          disabled={action.pending}
          onClick={() => setConfirmDelete(true)}
        >
          Delete
        </button>
      </div>
      <div class="toolbar test-event">
        <div class="field">
          <label for="test-event-type">Test event</label>
          <select
            id="test-event-type"
            value={testType}
            onChange={(event) => setTestType(event.currentTarget.value)}
          >
            <EventTypeOptions />
          </select>
        </div>
        <button
          type="button"
          class="button"
          disabled={action.pending || !receiving}
          onClick={sendTest}
        >
          Send test event
        </button>
      </div>
      {!receiving && <p class="hint">Test events go to active or failing webhooks only.</p>}
      {sentTest && (
        <p class="message" role="status">
          Test event sent:{' '}
          <a href={linkTo({ page: 'delivery', id: sentTest.id })}>delivery {sentTest.id}</a>
        </p>
      )}
      <ErrorMessage error={action.error} />
      <ConfirmDialog
        open={confirmDelete}
        title="Delete this webhook?"
        confirmLabel="Delete webhook"
        danger
        pending={action.pending}
        onConfirm={remove}
        onClose={() => setConfirmDelete(false)}
      >
        <p class="url">{endpoint.url}</p>
        <p>
          It receives nothing more. Its deliveries stay on record, and those waiting for a retry are
          cancelled. This cannot be undone.
        </p>
      </ConfirmDialog>
    </section>
  );
}

function ChartPanel({ endpointId }: { endpointId: string }) {
  const [range, setRange] = useState<ChartRange>(CHART_RANGES[1]);
  const { data, error } = usePolling(
    () =>
      request<EndpointStats>(
        'GET',
        `/v1/webhooks/${encodeURIComponent(endpointId)}/stats?${statsQuery(range, Date.now())}`,
      ),
    STATS_POLL_MS,
    [endpointId, range.id],
  );

  return (
    <section class="panel" aria-labelledby="chart-panel-title">
      <div class="panel-head">
        <h2 id="chart-panel-title">Deliveries over time</h2>
        <div class="segmented" role="group" aria-label="Time range">
          {CHART_RANGES.map((option) => (
            <button
              key={option.id}
              type="button"
              class="button"
              aria-pressed={option.id === range.id}
              onClick={() => setRange(option)}
            >
              {option.label}
            </button>
          ))}
        </div>
      </div>
      <ErrorMessage error={error} />
      {data && <DeliveryChart stats={data} range={range} />}
    </section>
  );
}
