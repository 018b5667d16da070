import { Client, Connection, type ClientOptions } from '@temporalio/client';
import { clientTracingInterceptors } from '../telemetry/tracing';

/** Address and namespace of the Temporal server. */
export interface TemporalSettings {
  address: string;
  namespace: string;
}

/** Connects a client for starting and querying workflows; fails fast if the server is down. */
export async function connectClient(settings: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect({ address: settings.address });
  return createTemporalClient(connection, settings.namespace);
}

/**
 * Creates a client on an open connection, such as a worker's native connection. When tracing is
 * on, each workflow it starts carries the caller's trace context in its headers.
 */
export function createTemporalClient(
  connection: ClientOptions['connection'],
  namespace: string,
): Client {
  return new Client({ connection, namespace, interceptors: clientTracingInterceptors() });
}
