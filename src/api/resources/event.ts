import { z } from 'zod';
import type { EndpointOutcome, EventRecord } from '../../db/events';
import { deliveryStatusSchema } from './delivery';
import { component, timestamp } from './registry';

export const eventSchema = component(
  'Event',
  z.object({
    id: z.string(),
    event: z.string().describe('the event type, as in the payload'),
    site_id: z.string(),
    timestamp: timestamp().describe('when it happened, as in the payload'),
    received_at: timestamp(),
    test: z.boolean().describe('sent by the owner to one endpoint, not published by Postion'),
  }),
  'Something that happened on a site, as published to its endpoints',
);

export const endpointOutcomeSchema = component(
  'EndpointOutcome',
  z.object({
    endpoint_id: z.string(),
    endpoint_url: z.string(),
    delivery_id: z.string().describe('the latest delivery of the event to this endpoint'),
    status: deliveryStatusSchema,
    attempt_count: z.number().int(),
    last_status_code: z.number().int().nullable(),
    completed_at: timestamp().nullable(),
    deliveries: z.number().int().describe('deliveries to this endpoint, redeliveries included'),
  }),
);

export const eventDetailSchema = component(
  'EventDetail',
  eventSchema.extend({
    payload: z.string().describe('the exact body sent to endpoints'),
    outcomes: z.array(endpointOutcomeSchema),
  }),
);

export const acceptedEventSchema = component(
  'AcceptedEvent',
  z.object({
    id: z.string().describe('the event id, given or assigned'),
    deliveries: z
      .number()
      .int()
      .describe(
        'endpoints the event is delivered to; 0 when no endpoint of data.site_id receives it',
      ),
  }),
);

export function serializeEvent(event: EventRecord): z.infer<typeof eventSchema> {
  return {
    id: event.id,
    event: event.type,
    site_id: event.siteId,
    timestamp: event.occurredAt.toISOString(),
    received_at: event.receivedAt.toISOString(),
    test: event.test,
  };
}

export function serializeOutcome(outcome: EndpointOutcome): z.infer<typeof endpointOutcomeSchema> {
  return {
    endpoint_id: outcome.endpointId,
    endpoint_url: outcome.endpointUrl,
    delivery_id: outcome.deliveryId,
    status: outcome.status as z.infer<typeof deliveryStatusSchema>,
    attempt_count: outcome.attemptCount,
    last_status_code: outcome.lastStatusCode,
    completed_at: outcome.completedAt?.toISOString() ?? null,
    deliveries: outcome.deliveries,
  };
}
