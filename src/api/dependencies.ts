import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { UrlPolicy } from '../endpoints/url-policy';
import type { Readiness } from '../health/readiness';
import type { Logger } from '../logger';
import type { ApiMetrics } from '../metrics/api-metrics';
import type { SecretBox } from '../secrets/secret-box';

/** Everything the API's routes use. */
export interface ApiDependencies {
  pool: Pool;
  temporal: Client;
  logger: Logger;
  /** Encrypts endpoint secrets before they are stored and decrypts them to reveal. */
  secretBox: SecretBox;
  taskQueue: string;
  namespace: string;
  /** Base URL of the Temporal Web UI, for links to delivery workflows. */
  temporalUiUrl: string;
  /** Bearer token of Postion's publishing services; without it, publishing is closed. */
  publisherToken: string | undefined;
  urlPolicy: UrlPolicy;
  /** Tag delivery workflows with the custom search attributes (the server must know them). */
  tagDeliveries: boolean;
  /** Ask for eager starts of delivery workflows; the client must share a worker's connection. */
  eagerWorkflowStart: boolean;
  /** Checks of `/readyz`; when absent, the pool and the Temporal client are checked. */
  readiness?: Readiness;
  /** Metrics the API records and serves at `/metrics`; when absent, a registry of the app's own. */
  metrics?: ApiMetrics;
  /** Folder of the built dashboard; `dist/dashboard` of the repository when absent. */
  dashboardDir?: string;
}
