import { useState } from 'preact/hooks';
import { request } from '../api/client';
import type { Endpoint, Recovery } from '../api/types';
import { formatTime } from '../format';
import { usePolling } from '../hooks';
import { ErrorMessage, useAction } from './common';

const RUNNING_POLL_MS = 1_000;
const IDLE_POLL_MS = 15_000;

/** Redelivers the failed deliveries of an endpoint since a time, and shows the progress. */
export function RecoveryPanel({ endpoint }: { endpoint: Endpoint }) {
  const [since, setSince] = useState(() => toLocalInput(Date.now() - 86_400_000));
  const action = useAction();
  const path = `/v1/webhooks/${encodeURIComponent(endpoint.id)}/recoveries`;
  const recoveries = usePolling(
    () => request<{ data: Recovery[] }>('GET', path),
    (loaded) => (loaded?.data[0]?.status === 'running' ? RUNNING_POLL_MS : IDLE_POLL_MS),
    [path],
  );
  const latest = recoveries.data?.data[0];
  const progress = usePolling(
    async () =>
      latest ? request<Recovery>('GET', `/v1/recoveries/${encodeURIComponent(latest.id)}`) : null,
    (loaded) => (loaded?.status === 'running' ? RUNNING_POLL_MS : IDLE_POLL_MS),
    [latest?.id],
  );
  const current = progress.data ?? latest;

  const start = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      await request('POST', `/v1/webhooks/${encodeURIComponent(endpoint.id)}/recover`, {
        since: new Date(since).toISOString(),
      });
      recoveries.reload();
    });
  };

  return (
    <section class="panel" aria-labelledby="recovery-title">
      <h2 id="recovery-title">Recover failed deliveries</h2>
      <p class="hint">
        Sends every failed delivery created since a time again, as new deliveries of the same bytes.
      </p>
      <form class="toolbar" onSubmit={start} noValidate>
        <div class="field">
          <label for="recover-since">Failed since (your time zone)</label>
          <input
            id="recover-since"
            type="datetime-local"
            value={since}
            onInput={(event) => setSince(event.currentTarget.value)}
          />
        </div>
        <button
          type="submit"
          class="button"
          disabled={action.pending || current?.status === 'running'}
        >
          Recover
        </button>
      </form>
      <ErrorMessage error={action.error} />
      {current && <RecoveryProgress recovery={current} />}
    </section>
  );
}

function RecoveryProgress({ recovery }: { recovery: Recovery }) {
  const done = recovery.total === 0 ? 1 : recovery.redelivered / recovery.total;
  return (
    <div class="recovery" role="status">
      <p>
        Recovery of deliveries failed since {formatTime(recovery.since)}: {recovery.status},{' '}
        {recovery.redelivered} of {recovery.total} redelivered.
        {recovery.error && <> {recovery.error}</>}
      </p>
      <progress max={1} value={done} aria-label="Recovery progress" />
    </div>
  );
}

/** Formats an instant for a datetime-local input, which shows the browser's time zone. */
function toLocalInput(ms: number): string {
  const date = new Date(ms);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
