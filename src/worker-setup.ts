import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDependencies } from './activities';
import type { Config } from './config';
import type { Pool } from './db/pool';
import { createEndpointAgent } from './delivery/http-attempt';
import type { Logger } from './logger';
import { createMailer } from './mail/mailer';
import type { DeliveryMetrics } from './metrics/delivery-metrics';
import { AddressFilter } from './network/address-filter';
import { SecretBox } from './secrets/secret-box';
import { workerTracingOptions } from './telemetry/tracing';

/** Options of `createDeliveryWorker`. */
export interface DeliveryWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  dependencies: ActivityDependencies;
  /**
   * A prebuilt workflow bundle; without one the worker bundles `src/workflows` itself. With
   * tracing on, build it with `workflowTracingModules()` as its workflow interceptor modules.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Workflows kept in memory between their tasks; the SDK's default when unset. */
  maxCachedWorkflows?: number;
  /** Time running tasks get after `shutdown()`; the SDK's default (none) when unset. */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  /** Time after which the worker stops waiting for its tasks; the SDK waits forever when unset. */
  shutdownForceTime?: WorkerOptions['shutdownForceTime'];
}

/**
 * Creates a worker that runs every workflow and activity of the delivery platform, traced when
 * `startTracing` has turned tracing on.
 */
export async function createDeliveryWorker(options: DeliveryWorkerOptions): Promise<Worker> {
  const workflowSource = options.workflowBundle
    ? { workflowBundle: options.workflowBundle }
    : { workflowsPath: require.resolve('./workflows') };
  const tracing = workerTracingOptions();
  // The SDK warns about workflow interceptor modules given beside a prebuilt bundle, whose own
  // modules were fixed when it was built.
  const interceptors =
    tracing.interceptors && options.workflowBundle
      ? { ...tracing.interceptors, workflowModules: [] }
      : tracing.interceptors;

  return await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.dependencies),
    maxCachedWorkflows: options.maxCachedWorkflows,
    interceptors,
    sinks: tracing.sinks,
    // The SDK rejects a duration set to undefined, so unset ones are left out.
    ...(options.shutdownGraceTime !== undefined && {
      shutdownGraceTime: options.shutdownGraceTime,
    }),
    ...(options.shutdownForceTime !== undefined && {
      shutdownForceTime: options.shutdownForceTime,
    }),
    ...workflowSource,
  });
}

/** Activity dependencies built from the settings, and a function that closes what they opened. */
export interface OwnedActivityDependencies {
  dependencies: ActivityDependencies;
  close(): Promise<void>;
}

/**
 * Builds the dependencies of the activities around `pool`: the HTTP agent, the mailer and the
 * `SecretBox` of `SECRET_ENCRYPTION_KEYS`. The activities count attempts in `metrics` when given.
 */
export function createActivityDependencies(
  config: Config,
  pool: Pool,
  logger: Logger,
  metrics?: DeliveryMetrics,
): OwnedActivityDependencies {
  const addressFilter = new AddressFilter(config.ENDPOINT_ADDRESS_ALLOWLIST);
  const dispatcher = createEndpointAgent({ addressFilter });
  const mailer = createMailer({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM, logger });
  return {
    dependencies: {
      pool,
      dispatcher,
      mailer,
      secretBox: new SecretBox(config.SECRET_ENCRYPTION_KEYS),
      logger,
      clock: () => new Date(),
      metrics,
    },
    close: async () => {
      await dispatcher.close();
      mailer.close();
    },
  };
}
