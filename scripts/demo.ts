/**
 * Shows Postion Webhooks end to end against a running dev stack (`npm start`):
 *
 * 1. Receiver A checks both signatures of every request and is registered for every event type.
 * 2. The demo publishes one event of each type, times each delivery and confirms it in the API.
 * 3. Receiver B fails every delivery, and the demo prints the retry plan of its delivery.
 * 4. The demo deletes both endpoints, so that they take no later events.
 *
 * Settings come from API_URL, DEV_SITE_API_KEY and PUBLISHER_TOKEN, or else from the
 * `dev-stack.json` that `npm start` writes. Exits 0 when every check passes and 1 otherwise,
 * also when the stack is unreachable or the run takes longer than 60 seconds.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { EVENT_TYPES } from '../src/events/schemas';
import { PostionApi } from './demo/api-client';
import { print, printPhase } from './demo/output';
import { runPhases, type DemoContext } from './demo/phases';
import type { DemoReceiver } from './demo/receiver';
import { evaluateRun, type DemoRunState } from './demo/run-state';
import { SettingsError, loadDemoSettings, type DemoSettings } from './demo/settings';

const RUN_TIMEOUT_MS = 60_000;

async function main(): Promise<number> {
  const startedAt = performance.now();
  const settings = readSettings();
  if (!settings) return 1;

  print(`Postion Webhooks demo: API ${settings.apiUrl} (settings from ${settings.source})`);
  print(`The demo fails if the whole run takes longer than ${RUN_TIMEOUT_MS / 1000} s.`);

  const controller = new AbortController();
  const context: DemoContext = {
    api: new PostionApi(
      settings.apiUrl,
      settings.siteApiKey,
      settings.publisherToken,
      controller.signal,
    ),
    state: { arrivals: new Map() },
    receivers: [],
    signal: controller.signal,
  };
  process.once('SIGINT', () => void closeAll(context.receivers).then(() => process.exit(130)));

  const stopReason = await runWithTimeout(context, controller);
  await closeAll(context.receivers);
  const passed = printSummary(context.state, stopReason);
  await deleteDemoEndpoints(settings, context.state);
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  print(`${passed ? 'PASSED' : 'FAILED'} in ${seconds} s`);
  return passed ? 0 : 1;
}

function readSettings(): DemoSettings | undefined {
  try {
    return loadDemoSettings(process.env, path.resolve(__dirname, '..'));
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return undefined;
  }
}

/**
 * Runs the phases and returns null, or why they stopped early. At the time limit it aborts the
 * context's signal, which every wait and API call of the phases observes.
 */
async function runWithTimeout(
  context: DemoContext,
  controller: AbortController,
): Promise<string | null> {
  const timer = setTimeout(() => controller.abort(), RUN_TIMEOUT_MS);
  try {
    await runPhases(context);
    return null;
  } catch (error) {
    if (controller.signal.aborted) return `timed out after ${RUN_TIMEOUT_MS / 1000} s`;
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}

/** Prints every check and returns whether all of them passed. */
function printSummary(state: DemoRunState, stopReason: string | null): boolean {
  printPhase('Summary');
  if (stopReason) print(`  The demo stopped early: ${stopReason}`);

  const outcomes = evaluateRun(state, EVENT_TYPES);
  const marks = { passed: 'ok  ', failed: 'FAIL', 'not reached': '--  ' };
  for (const outcome of outcomes) {
    print(`  ${marks[outcome.status]}  ${outcome.label}`);
    for (const problem of outcome.problems) print(`          ${problem}`);
  }

  const strays =
    (state.receiverA?.receiver.strayRequests ?? 0) + (state.receiverB?.receiver.strayRequests ?? 0);
  if (strays > 0) print(`  ${strays} requests for endpoints of earlier runs got a 404.`);
  if (outcomes.some((outcome) => outcome.status === 'not reached')) {
    print('  "--" marks checks of steps that the demo did not reach.');
  }
  print();
  return stopReason === null && outcomes.every((outcome) => outcome.status === 'passed');
}

/**
 * Deletes the endpoints this run registered. Their receivers are gone, so left in place they would
 * take every later event of the dev site and retry it for hours against a closed port.
 */
async function deleteDemoEndpoints(settings: DemoSettings, state: DemoRunState): Promise<void> {
  const cleanup = new PostionApi(
    settings.apiUrl,
    settings.siteApiKey,
    settings.publisherToken,
    new AbortController().signal,
  );
  const ids = [state.receiverA?.endpoint?.id, state.receiverB?.endpoint?.id].filter(
    (id): id is string => id !== undefined,
  );
  for (const id of ids) {
    try {
      await cleanup.deleteEndpoint(id);
      print(`Deleted the demo endpoint ${id}.`);
    } catch (error) {
      print(`Could not delete the demo endpoint ${id}: ${(error as Error).message}`);
    }
  }
}

async function closeAll(receivers: DemoReceiver[]): Promise<void> {
  await Promise.all(receivers.map((receiver) => receiver.close()));
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`The demo failed unexpectedly: ${detail}\n`);
    process.exit(1);
  },
);
