/** Facts that go into the email sent when an endpoint starts failing. */
export interface FailingEndpointFacts {
  endpointId: string;
  endpointUrl: string;
  siteName: string;
  deliveryId: string;
  eventId: string;
  lastError: string;
  attempts: number;
}

/** Writes the subject and text of the email that warns an owner that their endpoint is failing. */
export function writeFailingEndpointEmail(facts: FailingEndpointFacts): {
  subject: string;
  body: string;
} {
  const subject = `Webhook endpoint failing: ${facts.endpointUrl}`;
  const body = [
    `Deliveries to your webhook endpoint ${facts.endpointUrl} on ${facts.siteName} are failing.`,
    '',
    `Delivery ${facts.deliveryId} of event ${facts.eventId} failed all ${facts.attempts} attempts.`,
    `Last error: ${facts.lastError}`,
    '',
    'We keep sending new events to this endpoint, and it returns to active as soon as one is',
    'delivered. To fix it, make the endpoint answer 2xx within 10 seconds and check that it',
    'verifies the X-Postion-Signature header with the secret shown when you added it.',
    '',
    `Endpoint id: ${facts.endpointId}`,
    'You get this email once per failing episode.',
  ].join('\n');
  return { subject, body };
}
