/**
 * Tracing end to end. One event is published through the API with tracing off, then with it on,
 * when one trace must lead from the API request to the endpoint's POST. A worker that bundles its
 * own workflows traces a verification, and the recorded histories replay with tracing on. Spans go
 * over OTLP/HTTP to a collector on 127.0.0.1.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { readdirSync } from 'node:fs';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createTemporalClient } from '../../src/temporal/connection';
import { createDeliveryWorker } from '../../src/worker-setup';
import {
  startTracing,
  stopTracing,
  tracingEnabled,
  workerTracingOptions,
} from '../../src/telemetry/tracing';
import { HISTORIES_DIR, readHistory } from '../helpers/histories';
import { testDependencies, workflowBundle } from '../helpers/temporal';
import { callApi, startApiStack, type ApiStack } from '../helpers/api-stack';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createEndpoint, createSite, subscriberCreated } from '../helpers/fixtures';
import {
  startOtlpCollector,
  type CollectedSpan,
  type OtlpCollector,
} from '../helpers/otlp-collector';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { createTestLogger } from '../helpers/test-logger';

const SERVER = 2;
const CLIENT = 3;
// Stands for a token in an endpoint's path, as chat webhook URLs carry one.
const PATH_TOKEN = 'path-token-5f0c2b';

let db: TestDatabase;
let receiver: Receiver;
let collector: OtlpCollector;
let stack: ApiStack | undefined;

beforeAll(async () => {
  [db, receiver, collector] = await Promise.all([
    createTestDatabase(),
    startReceiver(),
    startOtlpCollector(),
  ]);
});

afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  await stopTracing();
  // Lets the next test register a tracer provider of its own.
  trace.disable();
  context.disable();
  propagation.disable();
});

afterAll(async () => {
  await Promise.all([db?.drop(), receiver?.close(), collector?.close()]);
});

/** Publishes one event to a new endpoint and waits until its delivery workflow has completed. */
async function publishAndDeliver(taskQueue: string) {
  stack = await startApiStack(db, taskQueue);
  const site = await createSite(db.pool);
  const url = `${receiver.url}/services/${PATH_TOKEN}`;
  const endpoint = await createEndpoint(db.pool, site.id, url);
  const event = subscriberCreated(site.id);

  const response = await callApi(stack.apiUrl, 'POST', '/v1/events', stack.publisherToken, event);
  expect(response.status).toBe(202);
  const { rows } = await db.pool.query<{ id: string; workflow_id: string }>(
    'SELECT id, workflow_id FROM deliveries WHERE event_id = $1',
    [event.id],
  );
  expect(rows).toHaveLength(1);
  const delivery = rows[0]!;
  await expect(stack.client.workflow.getHandle(delivery.workflow_id).result()).resolves.toEqual(
    expect.objectContaining({ outcome: 'succeeded' }),
  );
  return { endpoint, eventId: event.id, deliveryId: delivery.id, token: stack.publisherToken };
}

test('tracing off creates no spans', async () => {
  // A provider that records every span anyone creates, so that any span would show here.
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);

  const started = await startTracing({}, 'api', createTestLogger());
  await publishAndDeliver('tracing-off-test');
  await stack!.stop();
  stack = undefined;
  await provider.forceFlush();

  expect(started).toBe(false);
  expect(tracingEnabled()).toBe(false);
  expect(exporter.getFinishedSpans()).toEqual([]);
  expect(collector.paths).toEqual([]);
});

test('one trace leads from API request to POST', async () => {
  const settings = { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url };
  expect(await startTracing(settings, 'api', createTestLogger())).toBe(true);
  const { endpoint, eventId, deliveryId, token } = await publishAndDeliver('tracing-on-test');
  await stack!.stop();
  stack = undefined;
  // Flushes the spans still waiting in the batch processor.
  await stopTracing();

  const request = findSpan(collector.spans, 'POST /v1/events');
  const spans = collector.spans.filter((span) => span.traceId === request.traceId);
  const start = findSpan(spans, 'StartWorkflow:deliverWebhook');
  const run = findSpan(spans, 'RunWorkflow:deliverWebhook');
  const scheduled = findSpan(spans, 'StartActivity:sendDeliveryAttempt');
  const attempt = findSpan(spans, 'RunActivity:sendDeliveryAttempt');
  const post = findSpan(spans, 'POST');
  process.stderr.write(`[tracing] ${describeTrace(spans)}\n`);

  expect(collector.paths.every((path) => path === '/v1/traces')).toBe(true);
  expect(request.parentSpanId).toBe('');
  expect(request.kind).toBe(SERVER);
  expect(request.attributes['http.route']).toBe('/v1/events');
  expect(request.attributes['http.response.status_code']).toBe(202);
  expect(start.parentSpanId).toBe(request.spanId);
  expect(run.parentSpanId).toBe(start.spanId);
  expect(scheduled.parentSpanId).toBe(run.spanId);
  expect(attempt.parentSpanId).toBe(scheduled.spanId);
  expect(post.parentSpanId).toBe(attempt.spanId);
  expect(post.kind).toBe(CLIENT);
  expect(post.attributes).toEqual({
    'http.request.method': 'POST',
    'server.address': '127.0.0.1',
    'server.port': Number(new URL(receiver.url).port),
    'postion.delivery.id': deliveryId,
    'postion.endpoint.id': endpoint.id,
    'postion.event.id': eventId,
    'postion.attempt.number': 1,
    'http.response.status_code': 200,
  });
  expect(new Set(spans.map((span) => span.serviceName))).toEqual(new Set(['postion-api']));

  const values = collector.spans.flatMap((span) => Object.values(span.attributes).map(String));
  expect(values.filter((value) => value.includes(endpoint.secret))).toEqual([]);
  expect(values.filter((value) => value.includes('whsec_'))).toEqual([]);
  expect(values.filter((value) => value.includes(PATH_TOKEN))).toEqual([]);
  expect(values.filter((value) => value.includes(token))).toEqual([]);
});

// The worker process bundles the workflows itself, so the interceptor module must reach the bundle
// through the worker options rather than through a prebuilt bundle.
test('self-bundling worker traces verification', async () => {
  const settings = { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url };
  expect(await startTracing(settings, 'worker', createTestLogger())).toBe(true);
  const site = await createSite(db.pool);
  const url = `${receiver.url}/services/${PATH_TOKEN}`;
  const endpoint = await createEndpoint(db.pool, site.id, url, { status: 'pending_verification' });

  const connection = await NativeConnection.connect({
    address: process.env.TEST_TEMPORAL_ADDRESS!,
  });
  const taskQueue = 'tracing-worker-test';
  const worker = await createDeliveryWorker({
    connection,
    namespace: 'default',
    taskQueue,
    dependencies: testDependencies(db.pool),
  });
  const client = createTemporalClient(connection, 'default');
  const result = await worker.runUntil(
    client.workflow.execute('verifyEndpointUrl', {
      taskQueue,
      workflowId: `tracing-verify-${endpoint.id}`,
      args: [{ endpointId: endpoint.id, generation: 1 }],
    }),
  );
  await connection.close();
  await stopTracing();

  const start = findSpan(collector.spans, 'StartWorkflow:verifyEndpointUrl');
  const spans = collector.spans.filter((span) => span.traceId === start.traceId);
  const run = findSpan(spans, 'RunWorkflow:verifyEndpointUrl');
  const attempt = findSpan(spans, 'RunActivity:verifyEndpoint');
  const post = findSpan(spans, 'POST');

  expect(result).toEqual({ outcome: 'verified', reason: null });
  expect(run.parentSpanId).toBe(start.spanId);
  expect(findSpan(spans, 'StartActivity:verifyEndpoint').parentSpanId).toBe(run.spanId);
  expect(post.parentSpanId).toBe(attempt.spanId);
  expect(post.attributes['postion.endpoint.id']).toBe(endpoint.id);
  expect(post.attributes['postion.delivery.id']).toBeUndefined();
  expect(new Set(spans.map((span) => span.serviceName))).toEqual(new Set(['postion-worker']));
});

// Deliveries recorded without tracing may wake on a worker that has it on, after a restart.
test('recorded histories replay with tracing on', async () => {
  const settings = { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url };
  expect(await startTracing(settings, 'worker', createTestLogger())).toBe(true);
  const options = { workflowBundle: await workflowBundle(), sinks: workerTracingOptions().sinks };
  const files = readdirSync(HISTORIES_DIR).filter((file) => file.endsWith('.binpb'));

  expect(files.length).toBeGreaterThan(0);
  for (const file of files) {
    await expect(Worker.runReplayHistory(options, readHistory(file))).resolves.toBeUndefined();
  }
});

function findSpan(spans: CollectedSpan[], name: string): CollectedSpan {
  const found = spans.filter((span) => span.name === name);
  if (found.length !== 1) {
    throw new Error(
      `expected one span named ${name}, found ${found.length}: ${describeTrace(spans)}`,
    );
  }
  return found[0]!;
}

/** Lists spans as `name<-parent name`, for the test output and failure messages. */
function describeTrace(spans: CollectedSpan[]): string {
  const names = new Map(spans.map((span) => [span.spanId, span.name]));
  return spans
    .map((span) => `${span.name}<-${names.get(span.parentSpanId) ?? (span.parentSpanId || 'root')}`)
    .join(', ');
}
