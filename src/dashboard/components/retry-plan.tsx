import type { DeliveryDetail } from '../api/types';
import { RETRY_SCHEDULE_MS } from '../../retry-schedule';
import { formatCountdown, formatDelay, formatTime } from '../format';

/**
 * Renders the planned schedule of a delivery, each of its attempts done or to come. A retry waits
 * its delay after the end of the failed attempt before it. So only the next attempt has a fixed
 * time, and later ones are shown as delays.
 */
export function RetryPlan({ delivery, now }: { delivery: DeliveryDetail; now: number }) {
  const slots = Array.from({ length: RETRY_SCHEDULE_MS.length + 1 }, (_, index) => index + 1);
  return (
    <section class="panel" aria-labelledby="plan-title">
      <h2 id="plan-title">Retry plan</h2>
      <p class="hint">
        After a failed attempt the delivery waits {RETRY_SCHEDULE_MS.map(formatDelay).join(', ')}{' '}
        before each retry: at most {RETRY_SCHEDULE_MS.length + 1} attempts.
      </p>
      <ol class="plan">
        {slots.map((number) => (
          <li key={number} class={`plan-step plan-${stepState(delivery, number)}`}>
            <PlanStep delivery={delivery} number={number} now={now} />
          </li>
        ))}
      </ol>
    </section>
  );
}

type StepState = 'done' | 'next' | 'later' | 'skipped';

function stepState(delivery: DeliveryDetail, number: number): StepState {
  if (delivery.attempts.some((attempt) => attempt.attempt_number === number)) return 'done';
  if (delivery.status === 'pending' || delivery.status === 'retrying') {
    return number === delivery.attempt_count + 1 ? 'next' : 'later';
  }
  return 'skipped';
}

function PlanStep({
  delivery,
  number,
  now,
}: {
  delivery: DeliveryDetail;
  number: number;
  now: number;
}) {
  const attempt = delivery.attempts.find((item) => item.attempt_number === number);
  const delay = number === 1 ? null : formatDelay(RETRY_SCHEDULE_MS[number - 2]!);
  const label =
    number === 1 ? 'Attempt 1' : `Attempt ${number} (retry ${number - 1}, after ${delay})`;

  if (attempt) {
    const outcome = attempt.succeeded ? 'succeeded' : 'failed';
    return (
      <>
        <strong>{label}</strong>: {outcome} at {formatTime(attempt.started_at)}
        {attempt.status_code !== null && <> (HTTP {attempt.status_code})</>}
      </>
    );
  }
  switch (stepState(delivery, number)) {
    case 'next':
      return (
        <>
          <strong>{label}</strong>:{' '}
          {delivery.status === 'retrying' && delivery.next_attempt_at ? (
            <>
              planned for {formatTime(delivery.next_attempt_at)},{' '}
              <span class="countdown">{formatCountdown(delivery.next_attempt_at, now)}</span>
            </>
          ) : (
            'under way'
          )}
        </>
      );
    case 'later':
      return (
        <>
          <strong>{label}</strong>: if attempt {number - 1} fails, {delay} after it ends
        </>
      );
    default:
      return (
        <>
          <strong>{label}</strong>:{' '}
          {delivery.status === 'cancelled' ? 'not sent, the delivery was cancelled' : 'not needed'}
        </>
      );
  }
}
