import { Client, Connection } from '@temporalio/client';

/** Address and namespace of the Temporal server. */
export interface TemporalSettings {
  address: string;
  namespace: string;
}

/** Connects a client for starting and querying workflows; fails fast if the server is down. */
export async function connectClient(settings: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect({ address: settings.address });
  return new Client({ connection, namespace: settings.namespace });
}
