import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ClientInterceptors } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';
import type { Config } from '../config';
import type { Logger } from '../logger';

/** Kind of process, which names the service its spans belong to. */
export type ServiceRole = 'api' | 'worker';

/** The `service.name` resource attribute of each role. */
export const SERVICE_NAMES: Readonly<Record<ServiceRole, string>> = {
  api: 'postion-api',
  worker: 'postion-worker',
};

/** Name of the tracer of the spans that this platform creates itself. */
export const TRACER_NAME = 'postion-webhooks';

/** Settings that turn tracing on. */
export type TracingSettings = Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT'>;

// OTLP/HTTP exporters append this path to the base endpoint that OTEL_EXPORTER_OTLP_ENDPOINT names
// (OpenTelemetry Protocol Exporter specification, "Endpoint URLs for OTLP/HTTP").
const TRACES_PATH = 'v1/traces';

// Exports the `interceptors` factory that the worker bundles into the workflow sandbox.
const WORKFLOW_INTERCEPTORS_MODULE =
  '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors';

/** Interceptors and sinks of a started tracer provider, for Temporal clients and workers. */
interface ActiveTracing {
  shutdown(): Promise<void>;
  clientInterceptors: ClientInterceptors;
  workerOptions: Required<Pick<WorkerOptions, 'interceptors' | 'sinks'>>;
}

// One tracer provider per process, as OpenTelemetry registers it globally.
let active: ActiveTracing | null = null;

/**
 * Starts a tracer provider that exports spans over OTLP/HTTP, when `OTEL_EXPORTER_OTLP_ENDPOINT`
 * is set, and registers it globally. Temporal clients and workers created afterwards through
 * `connectClient`, `createTemporalClient` and `createDeliveryWorker` carry its interceptors.
 * Without the setting it does nothing and loads none of the OpenTelemetry SDK packages.
 * Returns whether tracing is on.
 */
export async function startTracing(
  settings: TracingSettings,
  role: ServiceRole,
  logger: Logger,
): Promise<boolean> {
  const endpoint = settings.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || active) return active !== null;

  const url = new URL(TRACES_PATH, endpoint.endsWith('/') ? endpoint : `${endpoint}/`);
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: url.href }));
  active = await registerProvider(spanProcessor, SERVICE_NAMES[role]);

  // The origin leaves out any user name and password in the endpoint.
  logger.info({ serviceName: SERVICE_NAMES[role], collector: url.origin }, 'tracing started');
  return true;
}

/**
 * Registers a tracer provider around `spanProcessor`, with the W3C trace context propagator and
 * an AsyncLocalStorage context manager, and builds the Temporal interceptors that use it.
 */
async function registerProvider(
  spanProcessor: SpanProcessor,
  serviceName: string,
): Promise<ActiveTracing> {
  const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
  const { Resource } = await import('@opentelemetry/resources');
  const otelWorker = await import('@temporalio/interceptors-opentelemetry/lib/worker');
  const otelClient = await import('@temporalio/interceptors-opentelemetry/lib/client');

  const resource = new Resource({ 'service.name': serviceName });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();

  const workflowInterceptor = new otelClient.OpenTelemetryWorkflowClientInterceptor();
  return {
    shutdown: () => provider.shutdown(),
    clientInterceptors: { workflow: [workflowInterceptor] },
    workerOptions: {
      interceptors: {
        workflowModules: [require.resolve(WORKFLOW_INTERCEPTORS_MODULE)],
        activity: [
          (context) => ({
            inbound: new otelWorker.OpenTelemetryActivityInboundInterceptor(context),
            outbound: new otelWorker.OpenTelemetryActivityOutboundInterceptor(context),
          }),
        ],
      },
      // Workflow code runs in a sandbox without the provider, so its spans reach it through a sink.
      sinks: { exporter: otelWorker.makeWorkflowExporter(spanProcessor, resource) },
    },
  };
}

/** Flushes the spans not yet exported and stops the tracer provider, if tracing is on. */
export async function stopTracing(): Promise<void> {
  const stopping = active;
  active = null;
  await stopping?.shutdown();
}

/** Returns whether `startTracing` has started a tracer provider in this process. */
export function tracingEnabled(): boolean {
  return active !== null;
}

/** Interceptors of a Temporal client: the workflow start carries the trace context. */
export function clientTracingInterceptors(): ClientInterceptors {
  return active?.clientInterceptors ?? {};
}

/**
 * Worker options that trace activities and, through their sink, workflows. Empty when tracing is
 * off. The workflow interceptors apply only when the worker bundles its workflows itself; a
 * prebuilt bundle must have been built with `workflowTracingModules()`.
 */
export function workerTracingOptions(): Partial<Pick<WorkerOptions, 'interceptors' | 'sinks'>> {
  return active?.workerOptions ?? {};
}

/** Workflow interceptor modules to bundle with the workflows; none when tracing is off. */
export function workflowTracingModules(): string[] {
  return active?.workerOptions.interceptors.workflowModules ?? [];
}
