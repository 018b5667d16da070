import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * Creates the process's metrics registry with Node's process metrics (CPU, memory, event loop lag,
 * garbage collection). Those keep prom-client's standard `process_` and `nodejs_` names, which the
 * usual Node.js dashboards expect, while the platform's own metrics start with `postion_`.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
