import { Runtime } from '@temporalio/worker';
import type { Logger } from '../logger';
import { findFreePort } from '../stack/ports';
import { createSdkLogger } from './runtime-logger';

// Ports are chosen by probing, so another process may take one before the SDK binds it.
const BIND_TRIES = 3;

/** The Temporal SDK runtime of this process. */
export interface TemporalRuntime {
  /** Loopback URL where the SDK's core serves its Prometheus metrics. */
  metricsUrl: string;
}

/**
 * Installs the Temporal SDK runtime of a process that runs a worker, with the SDK's log lines going
 * to pino. Its core serves worker metrics (task slots, poll and schedule-to-start latencies, sticky
 * cache) in Prometheus format on a free loopback port, and `/metrics` of the process merges them
 * into its own output. Call it once, before the first native connection is created.
 *
 * The runtime's own signal handling is turned off: the process stops its worker itself, after it
 * has marked itself not ready.
 */
export async function installTemporalRuntime(logger: Logger): Promise<TemporalRuntime> {
  for (let tries = 1; ; tries++) {
    const port = await findFreePort();
    const bindAddress = `127.0.0.1:${port}`;
    try {
      Runtime.install({
        logger: createSdkLogger(logger),
        shutdownSignals: [],
        telemetryOptions: { metrics: { prometheus: { bindAddress } } },
      });
      return { metricsUrl: `http://${bindAddress}/metrics` };
    } catch (error) {
      const inUse = error instanceof Error && error.message.includes('Address already in use');
      if (!inUse || tries >= BIND_TRIES) throw error;
      logger.debug({ bindAddress }, 'SDK metrics port taken meanwhile; trying another');
    }
  }
}
