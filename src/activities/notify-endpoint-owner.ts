import { sendPendingNotifications } from '../db/notifications';
import type { ActivityDependencies } from './dependencies';

/** Creates the activity that emails the pending notifications of an endpoint to its owner. */
export function makeNotifyEndpointOwner({ pool, mailer, logger }: ActivityDependencies) {
  return async function notifyEndpointOwner(input: { endpointId: string }): Promise<number> {
    const count = await sendPendingNotifications(pool, input.endpointId, (notification) =>
      mailer.send({
        to: notification.recipient,
        subject: notification.subject,
        text: notification.body,
      }),
    );
    if (count > 0) logger.info({ endpointId: input.endpointId, count }, 'owner notified');
    return count;
  };
}
