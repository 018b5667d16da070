import type { EventType } from './schemas';

const reader = { id: 'sub_7Q2KD9', email: 'maya.lindqvist@example.com', name: 'Maya Lindqvist' };

/**
 * Returns realistic `data` for one event of each type on `siteId`. Amounts are in minor units
 * (cents), as the schemas require.
 */
export function sampleEventData(siteId: string): Record<EventType, Record<string, unknown>> {
  return {
    'subscriber.created': { ...reader, plan: 'free', site_id: siteId },
    'subscriber.updated': {
      subscriber: reader,
      previous_plan: 'free',
      new_plan: 'monthly',
      site_id: siteId,
    },
    'subscriber.deleted': {
      subscriber: reader,
      cancellation_reason: 'Moving to the yearly plan of a sister publication',
      site_id: siteId,
    },
    'post.published': {
      id: 'post_4F8WZ1',
      title: 'What we learned shipping a newsletter every week for a year',
      url: 'https://blog.example.com/posts/a-year-of-weekly-newsletters',
      author: { id: 'usr_31MX0A', name: 'Jonas Ekberg' },
      site_id: siteId,
    },
    'purchase.completed': {
      product: { id: 'prod_GUIDE24', name: 'Field Guide to Independent Publishing (PDF)' },
      amount: { amount: 2900, currency: 'USD' },
      buyer: reader,
      site_id: siteId,
    },
    'payment.received': {
      amount: { amount: 800, currency: 'USD' },
      subscriber: reader,
      plan: 'monthly',
      site_id: siteId,
    },
    'payment.failed': {
      subscriber: reader,
      failure_reason: 'card_declined: insufficient funds',
      site_id: siteId,
    },
  };
}
