import { useState } from 'preact/hooks';
import { request } from '../api/client';
import type { Delivery, DeliveryStatus, Page } from '../api/types';
import { formatCountdown, formatTime } from '../format';
import { useNow, usePolling } from '../hooks';
import { linkTo } from '../routing';
import { ErrorMessage, EventTypeOptions, Pager } from './common';
import { DELIVERY_STATUS_LABELS, DeliveryBadge } from './status-badge';

const PAGE_SIZE = 20;
const IN_FLIGHT_POLL_MS = 2_000;
const IDLE_POLL_MS = 5_000;

/** Renders the delivery log of an endpoint, newest first, filtered by status and event type. */
export function DeliveryLog({ endpointId }: { endpointId: string }) {
  const [status, setStatus] = useState('');
  const [eventType, setEventType] = useState('');
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const now = useNow();

  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (status) query.set('status', status);
  if (eventType) query.set('event_type', eventType);
  if (cursor) query.set('cursor', cursor);
  const path = `/v1/webhooks/${encodeURIComponent(endpointId)}/deliveries?${query}`;
  const { data, error } = usePolling(
    () => request<Page<Delivery>>('GET', path),
    (page) => (page?.data.some(isInFlight) ? IN_FLIGHT_POLL_MS : IDLE_POLL_MS),
    [path],
  );

  const filter = (change: () => void) => {
    change();
    setCursors([null]);
  };

  return (
    <section class="panel" aria-labelledby="log-title">
      <h2 id="log-title">Delivery log</h2>
      <div class="filters">
        <div class="field">
          <label for="filter-status">Status</label>
          <select
            id="filter-status"
            value={status}
            onChange={(event) => filter(() => setStatus(event.currentTarget.value))}
          >
            <option value="">All statuses</option>
            {(Object.keys(DELIVERY_STATUS_LABELS) as DeliveryStatus[]).map((value) => (
              <option key={value} value={value}>
                {DELIVERY_STATUS_LABELS[value]}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-event">Event type</label>
          <select
            id="filter-event"
            value={eventType}
            onChange={(event) => filter(() => setEventType(event.currentTarget.value))}
          >
            <option value="">All event types</option>
            <EventTypeOptions />
          </select>
        </div>
      </div>
      <ErrorMessage error={error} />
      {data && data.data.length === 0 && (
        <p class="empty">
          {status || eventType ? 'No delivery matches these filters.' : 'No deliveries yet.'}
        </p>
      )}
      {data && data.data.length > 0 && (
        <table class="table delivery-table">
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Created</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Next attempt</th>
              <th scope="col">Last response</th>
            </tr>
          </thead>
          <tbody>
            {data.data.map((delivery) => (
              <DeliveryRow key={delivery.id} delivery={delivery} now={now} />
            ))}
          </tbody>
        </table>
      )}
      {data && (
        <Pager
          label="Pages of deliveries"
          cursors={cursors}
          nextCursor={data.next_cursor}
          onChange={setCursors}
          previousLabel="Newer"
          nextLabel="Older"
        />
      )}
    </section>
  );
}

function isInFlight(delivery: Delivery): boolean {
  return delivery.status === 'pending' || delivery.status === 'retrying';
}

function DeliveryRow({ delivery, now }: { delivery: Delivery; now: number }) {
  return (
    <tr>
      <td data-label="Event">
        <a href={linkTo({ page: 'delivery', id: delivery.id })}>
          <code>{delivery.event_type}</code>
        </a>
        <div class="muted id">{delivery.event_id}</div>
      </td>
      <td data-label="Created">{formatTime(delivery.created_at)}</td>
      <td data-label="Status">
        <DeliveryBadge status={delivery.status} />
      </td>
      <td data-label="Attempts">
        {delivery.attempt_count} of {delivery.max_attempts}
      </td>
      <td data-label="Next attempt">
        {delivery.status === 'retrying' && delivery.next_attempt_at ? (
          <time
            class="countdown"
            dateTime={delivery.next_attempt_at}
            title={formatTime(delivery.next_attempt_at)}
          >
            {formatCountdown(delivery.next_attempt_at, now)}
          </time>
        ) : (
          <span class="muted">None</span>
        )}
      </td>
      <td data-label="Last response">
        <LastResponse delivery={delivery} />
      </td>
    </tr>
  );
}

function LastResponse({ delivery }: { delivery: Delivery }) {
  if (delivery.last_status_code !== null && !delivery.last_error) {
    return <code>{delivery.last_status_code}</code>;
  }
  if (delivery.last_error) {
    return <span class="error-text">{delivery.last_error}</span>;
  }
  return <span class="muted">None</span>;
}
