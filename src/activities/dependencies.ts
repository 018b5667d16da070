import type { Pool } from 'pg';
import type { Dispatcher } from 'undici';
import type { Logger } from '../logger';
import type { Mailer } from '../mail/mailer';
import type { DeliveryMetrics } from '../metrics/delivery-metrics';
import type { SecretBox } from '../secrets/secret-box';

/** Outside services the activities use. Tests pass real ones on loopback. */
export interface ActivityDependencies {
  pool: Pool;
  /** Connection pool for requests to endpoints. */
  dispatcher: Dispatcher;
  mailer: Mailer;
  /** Decrypts endpoint secrets read from the database. */
  secretBox: SecretBox;
  /** Current time for attempt records and signature timestamps. */
  clock: () => Date;
  logger: Logger;
  /** Per-attempt time limit in milliseconds; 10 s in production. */
  attemptTimeoutMs?: number;
  /** Counters of recorded attempts and finished deliveries; absent where nothing is scraped. */
  metrics?: DeliveryMetrics;
}
