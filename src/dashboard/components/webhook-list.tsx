import { useState } from 'preact/hooks';
import { request } from '../api/client';
import type { Endpoint, EndpointSummary, Page } from '../api/types';
import { EVENT_TYPE_NAMES } from '../../events/catalog';
import { formatAgo, formatRate } from '../format';
import { useNow, usePolling } from '../hooks';
import { linkTo } from '../routing';
import { ErrorMessage, PageTitle, Pager } from './common';
import { DeliveryBadge, EndpointBadge } from './status-badge';

const PAGE_SIZE = 25;
const POLL_MS = 5_000;

interface ListPage {
  endpoints: Page<Endpoint>;
  summaries: Map<string, EndpointSummary>;
}

/** Loads one page of endpoints with their figures, which page alike. */
async function loadPage(cursor: string | null): Promise<ListPage> {
  const query = `limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  const [endpoints, summaries] = await Promise.all([
    request<Page<Endpoint>>('GET', `/v1/webhooks?${query}`),
    request<Page<EndpointSummary>>('GET', `/v1/webhook-stats?${query}`),
  ]);
  return {
    endpoints,
    summaries: new Map(summaries.data.map((summary) => [summary.endpoint_id, summary])),
  };
}

/** Dashboard → Webhooks: every endpoint with its status, success rate and last delivery. */
export function WebhookListPage() {
  // Cursors of the pages before the current one, to go back.
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const { data, error } = usePolling(() => loadPage(cursor), POLL_MS, [cursor]);
  const now = useNow();

  return (
    <>
      <div class="page-head">
        <PageTitle>Webhooks</PageTitle>
        <a class="button button-primary" href={linkTo({ page: 'add-webhook' })}>
          Add webhook
        </a>
      </div>
      <p class="lead">
        Endpoints of your site that receive signed events. Success rates cover the last 24 hours.
      </p>
      <ErrorMessage error={error} />
      {data && data.endpoints.data.length === 0 && cursors.length === 1 && (
        <div class="empty">
          <p>No webhooks yet. Add one to start receiving events at your own URL.</p>
        </div>
      )}
      {data && data.endpoints.data.length > 0 && (
        <table class="table webhook-table">
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Events</th>
              <th scope="col">Status</th>
              <th scope="col">Success (24 h)</th>
              <th scope="col">Last delivery</th>
            </tr>
          </thead>
          <tbody>
            {data.endpoints.data.map((endpoint) => (
              <WebhookRow
                key={endpoint.id}
                endpoint={endpoint}
                summary={data.summaries.get(endpoint.id)}
                now={now}
              />
            ))}
          </tbody>
        </table>
      )}
      {data && (
        <Pager
          label="Pages of webhooks"
          cursors={cursors}
          nextCursor={data.endpoints.next_cursor}
          onChange={setCursors}
        />
      )}
    </>
  );
}

function WebhookRow(props: { endpoint: Endpoint; summary?: EndpointSummary; now: number }) {
  const { endpoint, summary, now } = props;
  return (
    <tr>
      <td data-label="URL">
        <a class="url" href={linkTo({ page: 'webhook', id: endpoint.id })}>
          {endpoint.url}
        </a>
        {endpoint.description && <div class="muted">{endpoint.description}</div>}
      </td>
      <td data-label="Events">
        <EventList events={endpoint.events} />
      </td>
      <td data-label="Status">
        <EndpointBadge status={endpoint.status} />
      </td>
      <td data-label="Success (24 h)">
        <SuccessRate summary={summary} />
      </td>
      <td data-label="Last delivery">
        {summary?.last_delivery ? (
          <a href={linkTo({ page: 'delivery', id: summary.last_delivery.id })}>
            <DeliveryBadge status={summary.last_delivery.status} />{' '}
            {formatAgo(summary.last_delivery.created_at, now)}
          </a>
        ) : (
          <span class="muted">None yet</span>
        )}
      </td>
    </tr>
  );
}

/** Renders the subscribed event types, or "All events" when the endpoint takes every type. */
export function EventList({ events }: { events: string[] }) {
  if (EVENT_TYPE_NAMES.every((type) => events.includes(type))) {
    return <span class="chip">All events</span>;
  }
  return (
    <ul class="chips">
      {events.map((type) => (
        <li key={type} class="chip">
          {type}
        </li>
      ))}
    </ul>
  );
}

function rateTone(rate: number): string {
  if (rate >= 0.99) return 'good';
  if (rate >= 0.9) return 'warning';
  return 'bad';
}

function SuccessRate({ summary }: { summary?: EndpointSummary }) {
  if (!summary || summary.success_rate === null) return <span class="muted">No deliveries</span>;
  const { succeeded, failed, retrying } = summary.deliveries;
  const tone = rateTone(summary.success_rate);
  return (
    <span class={`rate rate-${tone}`}>
      {formatRate(summary.success_rate)}{' '}
      <span class="muted">
        ({succeeded} of {succeeded + failed + retrying})
      </span>
    </span>
  );
}
