import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * Upper bounds of the attempt duration histogram, in seconds. The last one is the 10 s limit of an
 * attempt, so the `+Inf` bucket holds only attempts cut by that limit.
 */
export const ATTEMPT_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Final outcome of a delivery that stopped making attempts. */
export type FinishedDeliveryOutcome = 'succeeded' | 'failed';

/** One recorded attempt, as the metrics see it. */
export interface AttemptObservation {
  eventType: string;
  succeeded: boolean;
  durationMs: number;
}

/**
 * Counters of delivery attempts and finished deliveries, updated by the attempt activity once the
 * attempt is recorded. An activity retry that finds its attempt already recorded adds nothing, so
 * each attempt counts once.
 */
export class DeliveryMetrics {
  private readonly attempts: Counter<'event_type' | 'outcome'>;
  private readonly attemptDuration: Histogram<'outcome'>;
  private readonly finished: Counter<'event_type' | 'outcome'>;

  constructor(registry: Registry) {
    this.attempts = new Counter({
      name: 'postion_delivery_attempts_total',
      help: 'Delivery attempts recorded, by event type and outcome (succeeded or failed).',
      labelNames: ['event_type', 'outcome'],
      registers: [registry],
    });
    this.attemptDuration = new Histogram({
      name: 'postion_delivery_attempt_duration_seconds',
      help: 'Time from the start of an attempt to the endpoint response or failure, by outcome.',
      labelNames: ['outcome'],
      buckets: ATTEMPT_DURATION_BUCKETS,
      registers: [registry],
    });
    this.finished = new Counter({
      name: 'postion_deliveries_finished_total',
      help: 'Deliveries that succeeded or failed after their last attempt, by event type and outcome.',
      labelNames: ['event_type', 'outcome'],
      registers: [registry],
    });
  }

  /** Counts one recorded attempt and observes its duration. */
  recordAttempt(attempt: AttemptObservation): void {
    const outcome = attempt.succeeded ? 'succeeded' : 'failed';
    this.attempts.inc({ event_type: attempt.eventType, outcome });
    this.attemptDuration.observe({ outcome }, attempt.durationMs / 1000);
  }

  /** Counts a delivery that will make no more attempts. */
  recordFinished(eventType: string, outcome: FinishedDeliveryOutcome): void {
    this.finished.inc({ event_type: eventType, outcome });
  }
}
