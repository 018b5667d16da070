import type { EventType } from './schemas';

/**
 * One line per event type on what its `data` carries, for people choosing what to subscribe to.
 * The dashboard imports this module, so it must import nothing at run time.
 */
export const EVENT_SUMMARIES: Record<EventType, string> = {
  'subscriber.created': 'A new subscriber: id, email, name, plan and site id.',
  'subscriber.updated': 'A subscriber changed plan: the subscriber, previous and new plan.',
  'subscriber.deleted': 'A subscriber cancelled: the subscriber and the cancellation reason.',
  'post.published': 'A post went live: id, title, URL and author.',
  'purchase.completed': 'A one-time purchase: product, amount in minor units with currency, buyer.',
  'payment.received': 'A subscription payment: amount, subscriber and plan.',
  'payment.failed': 'A subscription payment failed: the subscriber and the failure reason.',
};

/** Every event type, in the order the product documents them. */
export const EVENT_TYPE_NAMES = Object.keys(EVENT_SUMMARIES) as EventType[];
