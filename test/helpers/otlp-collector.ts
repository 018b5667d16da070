import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One span as an OTLP/JSON export carried it, with the service name of its resource. */
export interface CollectedSpan {
  serviceName: string;
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP span kind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, string | number | boolean>;
}

/** A loopback OTLP/HTTP collector that keeps the spans of every JSON export it receives. */
export interface OtlpCollector {
  /** Base endpoint, as OTEL_EXPORTER_OTLP_ENDPOINT takes it. */
  url: string;
  spans: CollectedSpan[];
  /** Request paths, one per export. */
  paths: string[];
  close(): Promise<void>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpExport {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: Array<{
      spans?: Array<{
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: OtlpAttribute[];
      }>;
    }>;
  }>;
}

/** Starts a collector on 127.0.0.1 that responds to every export with 200. */
export async function startOtlpCollector(): Promise<OtlpCollector> {
  const collector: OtlpCollector = { url: '', spans: [], paths: [], close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      collector.paths.push(req.url ?? '');
      collector.spans.push(...readSpans(JSON.parse(body.toString('utf8')) as OtlpExport));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  collector.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  collector.close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return collector;
}

function readSpans(payload: OtlpExport): CollectedSpan[] {
  const spans: CollectedSpan[] = [];
  for (const resourceSpans of payload.resourceSpans ?? []) {
    const resource = toRecord(resourceSpans.resource?.attributes);
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        spans.push({
          serviceName: String(resource['service.name']),
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId ?? '',
          name: span.name,
          kind: span.kind,
          attributes: toRecord(span.attributes),
        });
      }
    }
  }
  return spans;
}

function toRecord(attributes: OtlpAttribute[] = []): Record<string, string | number | boolean> {
  const record: Record<string, string | number | boolean> = {};
  for (const { key, value } of attributes) {
    if (value.stringValue !== undefined) record[key] = value.stringValue;
    else if (value.intValue !== undefined) record[key] = Number(value.intValue);
    else if (value.boolValue !== undefined) record[key] = value.boolValue;
    else if (value.doubleValue !== undefined) record[key] = value.doubleValue;
  }
  return record;
}
