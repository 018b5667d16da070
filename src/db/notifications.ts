import type { Pool, PoolClient } from 'pg';
import { newId } from '../ids';
import { withTransaction } from './pool';

/** An email to a site owner, as stored before it is sent. */
export interface Notification {
  id: string;
  siteId: string;
  endpointId: string | null;
  kind: string;
  recipient: string;
  subject: string;
  body: string;
}

/**
 * Stores a notification unless one with the same dedupe key exists. Returns true if it was new.
 * The dedupe key names the episode (for example an endpoint's failing episode), so repeating the
 * work that creates it never produces a second email.
 */
export async function createNotification(
  client: PoolClient,
  notification: Omit<Notification, 'id'> & { dedupeKey: string },
): Promise<boolean> {
  const { rowCount } = await client.query(
    `INSERT INTO notifications (id, site_id, endpoint_id, kind, dedupe_key, recipient, subject, body, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending')
     ON CONFLICT (dedupe_key) DO NOTHING`,
    [
      newId('ntf'),
      notification.siteId,
      notification.endpointId,
      notification.kind,
      notification.dedupeKey,
      notification.recipient,
      notification.subject,
      notification.body,
    ],
  );
  return rowCount === 1;
}

/**
 * Runs `send` for each pending notification of an endpoint and records how it went. Rows are
 * locked while they are sent, so two workflows finishing at once cannot both send the same one.
 */
export async function sendPendingNotifications(
  pool: Pool,
  endpointId: string,
  send: (notification: Notification) => Promise<'sent' | 'stored'>,
): Promise<number> {
  return await withTransaction(pool, async (client) => {
    const { rows } = await client.query(
      `SELECT id, site_id, endpoint_id, kind, recipient, subject, body FROM notifications
       WHERE endpoint_id = $1 AND status = 'pending'
       ORDER BY id FOR UPDATE SKIP LOCKED`,
      [endpointId],
    );

    for (const row of rows) {
      const notification: Notification = {
        id: row.id,
        siteId: row.site_id,
        endpointId: row.endpoint_id,
        kind: row.kind,
        recipient: row.recipient,
        subject: row.subject,
        body: row.body,
      };
      const status = await send(notification);
      await client.query(
        `UPDATE notifications SET status = $2, sent_at = CASE WHEN $2 = 'sent' THEN now() END WHERE id = $1`,
        [row.id, status],
      );
    }

    return rows.length;
  });
}
