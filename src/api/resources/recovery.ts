import { z } from 'zod';
import type { Recovery } from '../../db/recoveries';
import { workflowUrl, type WorkflowLinks } from './delivery';
import { component, timestamp } from './registry';

export const recoverySchema = component(
  'Recovery',
  z.object({
    id: z.string(),
    endpoint_id: z.string(),
    since: timestamp().describe('failed deliveries created at or after this instant qualify'),
    status: z.enum(['running', 'completed', 'failed', 'cancelled']),
    total: z.number().int().describe('deliveries that qualified when the recovery started'),
    redelivered: z.number().int().describe('redeliveries started so far'),
    error: z.string().nullable().describe('why a failed recovery stopped'),
    workflow_id: z.string(),
    workflow_url: z.string().describe('the recovery workflow in the Temporal Web UI'),
    created_at: timestamp(),
    updated_at: timestamp(),
    completed_at: timestamp().nullable(),
  }),
  'A durable redelivery of the failed deliveries of an endpoint since a time',
);

export const recoveryListSchema = component(
  'RecoveryList',
  z.object({ data: z.array(recoverySchema) }),
);

export function serializeRecovery(
  links: WorkflowLinks,
  recovery: Recovery,
): z.infer<typeof recoverySchema> {
  return {
    id: recovery.id,
    endpoint_id: recovery.endpointId,
    since: recovery.since.toISOString(),
    status: recovery.status,
    total: recovery.total,
    redelivered: recovery.redelivered,
    error: recovery.error,
    workflow_id: recovery.workflowId,
    workflow_url: workflowUrl(links, recovery.workflowId),
    created_at: recovery.createdAt.toISOString(),
    updated_at: recovery.updatedAt.toISOString(),
    completed_at: recovery.completedAt?.toISOString() ?? null,
  };
}
