import {
  defineSearchAttributeKey,
  SearchAttributeType,
  type SearchAttributePair,
} from '@temporalio/common';

// Custom search attributes let an operator find a site's or an endpoint's deliveries in the
// Temporal Web UI. A server must have them registered before workflows can use them.

/** Site that owns the endpoint. */
export const SITE_ID_ATTRIBUTE = defineSearchAttributeKey(
  'PostionSiteId',
  SearchAttributeType.KEYWORD,
);
/** Endpoint the delivery goes to. */
export const ENDPOINT_ID_ATTRIBUTE = defineSearchAttributeKey(
  'PostionEndpointId',
  SearchAttributeType.KEYWORD,
);
/** Event type, such as `payment.failed`. */
export const EVENT_TYPE_ATTRIBUTE = defineSearchAttributeKey(
  'PostionEventType',
  SearchAttributeType.KEYWORD,
);

/** Names and types to register on a Temporal server, as `temporal` CLI flags expect them. */
export const SEARCH_ATTRIBUTE_REGISTRATIONS = {
  [SITE_ID_ATTRIBUTE.name]: 'Keyword',
  [ENDPOINT_ID_ATTRIBUTE.name]: 'Keyword',
  [EVENT_TYPE_ATTRIBUTE.name]: 'Keyword',
} as const;

/** Returns the search attributes of one delivery. */
export function deliverySearchAttributes(target: {
  siteId: string;
  endpointId: string;
  eventType: string;
}): SearchAttributePair[] {
  return [
    { key: SITE_ID_ATTRIBUTE, value: target.siteId },
    { key: ENDPOINT_ID_ATTRIBUTE, value: target.endpointId },
    { key: EVENT_TYPE_ATTRIBUTE, value: target.eventType },
  ];
}
