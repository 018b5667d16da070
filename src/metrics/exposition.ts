import type { Registry } from 'prom-client';
import { FailureLog } from '../failure-log';
import type { Logger } from '../logger';

const SDK_SCRAPE_TIMEOUT_MS = 2_000;

/** The text that `/metrics` serves, and its media type. */
export interface MetricsExposition {
  contentType: string;
  render(): Promise<string>;
}

/**
 * Serves the process registry and, when the process runs a Temporal worker, the SDK's metrics read
 * from `sdkMetricsUrl` on loopback, so that each process is one scrape target. Both are in the
 * Prometheus text format and their names do not overlap (`temporal_` against `postion_`,
 * `process_` and `nodejs_`). If the SDK does not respond, the process's own metrics are still served.
 */
export function createMetricsExposition(
  registry: Registry,
  logger: Logger,
  sdkMetricsUrl?: string,
): MetricsExposition {
  const failures = new FailureLog(logger);
  return {
    contentType: registry.contentType,
    async render() {
      const own = await registry.metrics();
      if (!sdkMetricsUrl) return own;
      const sdk = await failures.run('scrape of Temporal SDK metrics', () =>
        fetchText(sdkMetricsUrl),
      );
      return sdk === null ? own : `${own}\n${sdk}`;
    },
  };
}

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(SDK_SCRAPE_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`SDK metrics returned HTTP ${response.status}`);
  return await response.text();
}
