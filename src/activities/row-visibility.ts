import { ApplicationFailure, Context } from '@temporalio/activity';
import { NON_RETRYABLE_TYPES } from '../failures';

// The API starts workflows inside the transaction that inserts their row, so an activity can run
// before that commit. Twelve tries of the infrastructure retry policy span about six minutes.
const VISIBILITY_ATTEMPTS = 12;

/**
 * Throws because the `table` row with id `id` is not in the database yet: a retryable failure while
 * its transaction may still commit, and a non-retryable one once it clearly never will.
 */
export function rowNotVisible(table: string, id: string): never {
  if (Context.current().info.attempt >= VISIBILITY_ATTEMPTS) {
    throw ApplicationFailure.nonRetryable(
      `${table} ${id} is not in the database; the request that created it must have failed`,
      NON_RETRYABLE_TYPES.rowNotFound,
    );
  }
  throw ApplicationFailure.retryable(`${table} ${id} is not visible yet`, 'RowNotYetVisible');
}
