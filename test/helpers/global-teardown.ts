import { rm } from 'node:fs/promises';
import { describeLeaks, scanRunFolder, scanWorkflowHistories } from './secret-scan';
import { TEST_KEY_MATERIAL } from './secret-keys';

/**
 * Scans the run for secret material, then stops what `global-setup` started, newest first. The
 * scan reads every line the test loggers wrote, the histories that time-skipping test servers
 * saved before they stopped, and the history of every workflow started on the shared Temporal dev
 * server during the run. A finding fails the run, because jest reports an error thrown here and
 * exits with code 1.
 */
export default async function globalTeardown(): Promise<void> {
  let scanFailure: unknown;
  try {
    await scanForLeaks();
  } catch (error) {
    scanFailure = error;
  }

  const stops = (globalThis as { __testStops?: Array<() => Promise<void>> }).__testStops ?? [];
  for (const stop of stops.reverse()) await stop();
  if (scanFailure) throw scanFailure;
}

async function scanForLeaks(): Promise<void> {
  const logFolder = process.env.TEST_LOG_DIR;
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  const startedAt = process.env.TEST_RUN_STARTED_AT;
  if (!logFolder || !address || !startedAt) {
    throw new Error(
      'the leak scan needs TEST_LOG_DIR, TEST_TEMPORAL_ADDRESS and TEST_RUN_STARTED_AT',
    );
  }

  const began = Date.now();
  const saved = await scanRunFolder(logFolder, TEST_KEY_MATERIAL);
  const dev = await scanWorkflowHistories(address, new Date(startedAt), TEST_KEY_MATERIAL);
  const leaks = [...saved.leaks, ...dev.leaks];
  const seconds = ((Date.now() - began) / 1000).toFixed(1);
  const scanned =
    `${saved.logFiles} log files and ${saved.histories} test server histories in ${logFolder}, ` +
    `and ${dev.histories} dev server histories`;

  if (leaks.length > 0) {
    throw new Error(
      `Secret material found in ${scanned}; the folder is kept for inspection:\n${describeLeaks(leaks)}`,
    );
  }
  process.stderr.write(`[leak scan] no secret material in ${scanned} (${seconds} s)\n`);
  await rm(logFolder, { recursive: true, force: true });
}
