/**
 * Failure semantics of a delivery, in one place.
 *
 * 1. Endpoint failures: anything the endpoint does wrong (non-2xx, redirect, timeout, refused or
 *    reset connection, bad TLS, unresolvable name, a name that resolves to a non-public address).
 *    The attempt activity returns them as a failed result, never throws them. Each consumes one
 *    attempt and the workflow follows the retry schedule.
 * 2. Our failures: the database down, a worker killed mid-attempt, Temporal briefly unreachable,
 *    an endpoint secret encrypted with a key missing from SECRET_ENCRYPTION_KEYS.
 *    The activity throws (or times out) and Temporal retries it under `INFRASTRUCTURE_RETRY`.
 *    The attempt number does not advance, so no endpoint attempt is consumed; at worst the
 *    endpoint receives the same attempt twice, with the same body and event id.
 * 3. Invalid input: a workflow started with arguments that can never work. The activity throws an
 *    `ApplicationFailure` of a type in `NON_RETRYABLE_TYPES`, and the workflow fails at once.
 *
 * This module is imported by workflow code, so it must stay free of Node APIs.
 */
import type { RetryPolicy } from '@temporalio/common';

/** Error type names that Temporal must not retry. */
export const NON_RETRYABLE_TYPES = {
  /** An activity received an argument it can never act on, such as an attempt number of 0. */
  invalidInput: 'InvalidInput',
  /** The row a workflow was started for (an event, an endpoint) never appeared in the database. */
  rowNotFound: 'RowNotFound',
} as const;

/**
 * Retry policy for our own failures. No attempt limit: an accepted event must outlive an outage
 * of any length. The interval is capped at one minute so that deliveries resume soon after it.
 */
export const INFRASTRUCTURE_RETRY: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  nonRetryableErrorTypes: Object.values(NON_RETRYABLE_TYPES),
};
