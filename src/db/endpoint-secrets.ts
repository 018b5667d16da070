import type { Pool, PoolClient } from 'pg';
import { SECRET_PREFIX } from '../delivery/signature';
import type { StoredSigningSecrets } from '../delivery/signing-secrets';
import type { SecretBox } from '../secrets/secret-box';

// The default follows Svix's open-source server, which keeps a replaced secret valid for 24 hours
// (ExpiringSigningKeys::OLD_KEY_EXPIRY_HOURS in svix/svix-webhooks). A day lets a receiver deploy
// the new secret at an ordinary pace. The week-long maximum bounds how long a leaked secret can
// keep producing valid signatures after its rotation.

/** Grace period of a rotation whose owner does not choose one: one day, in seconds. */
export const DEFAULT_SECRET_GRACE_SECONDS = 24 * 3600;

/** Maximum grace period an owner may choose: one week, in seconds. */
export const MAX_SECRET_GRACE_SECONDS = 7 * 24 * 3600;

/** A rotation request: the secret that takes over and how long the replaced one keeps signing. */
export interface SecretRotation {
  /** A `whsec_<base64>` secret, such as one from `generateEndpointSecret`. */
  newSecret: string;
  /** Whole seconds from 0 (the replaced secret stops at once) to `MAX_SECRET_GRACE_SECONDS`. */
  graceSeconds: number;
}

/** Outcome of a rotation, with times from the database clock. */
export interface SecretRotationResult {
  rotatedAt: Date;
  /** When the replaced secret stops signing, or null when the grace period was 0. */
  previousSecretExpiresAt: Date | null;
}

/** The secret columns of an endpoint row, encrypted. */
export interface EncryptedSecretColumns {
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
}

/**
 * Decrypts the secret columns of endpoint `endpointId`.
 *
 * @throws SecretDecryptionError when a column cannot be decrypted with `secretBox`.
 */
export function decryptSigningSecrets(
  secretBox: SecretBox,
  endpointId: string,
  row: EncryptedSecretColumns,
): StoredSigningSecrets {
  const previous = row.previous_secret;
  return {
    secret: secretBox.decrypt(row.secret, endpointId),
    previousSecret: previous === null ? null : secretBox.decrypt(previous, endpointId),
    previousSecretExpiresAt: row.previous_secret_expires_at,
  };
}

/**
 * Replaces an endpoint's secret. The current secret becomes the previous one and keeps signing
 * beside the new one for `graceSeconds`. Rotating again during a grace period makes the secret
 * current at that moment the previous one, so the oldest secret stops signing before its expiry.
 * That keeps two secrets per endpoint at most, and a receiver that has deployed the secret of the
 * first rotation keeps verifying. The new secret is stored encrypted, and the replaced one moves to
 * `previous_secret` as it was stored. Returns null when the site has no endpoint with that id or
 * it was deleted.
 *
 * @throws RangeError when `graceSeconds` or the form of `newSecret` is invalid.
 */
export async function rotateEndpointSecret(
  db: Pool | PoolClient,
  secretBox: SecretBox,
  siteId: string,
  endpointId: string,
  rotation: SecretRotation,
): Promise<SecretRotationResult | null> {
  checkRotation(rotation);

  // In an UPDATE, `secret` on the right-hand side is the value before this statement.
  const { rows } = await db.query<{ updated_at: Date; previous_secret_expires_at: Date | null }>(
    `UPDATE endpoints
     SET previous_secret = CASE WHEN $4::integer > 0 THEN secret END,
         previous_secret_expires_at =
           CASE WHEN $4::integer > 0 THEN now() + make_interval(secs => $4::integer) END,
         secret = $3,
         updated_at = now()
     WHERE site_id = $1 AND id = $2 AND deleted_at IS NULL
     RETURNING updated_at, previous_secret_expires_at`,
    [siteId, endpointId, secretBox.encrypt(rotation.newSecret, endpointId), rotation.graceSeconds],
  );
  const row = rows[0];
  if (!row) return null;
  return { rotatedAt: row.updated_at, previousSecretExpiresAt: row.previous_secret_expires_at };
}

/** An endpoint's current secret and when its previous one stops signing. */
export interface RevealedEndpointSecret {
  secret: string;
  /** End of the grace period, or null when no previous secret signs any more. */
  previousSecretExpiresAt: Date | null;
}

/**
 * Returns an endpoint's current secret, for the owner to copy, or null when the site has no
 * endpoint with that id or it was deleted. The previous secret itself is never returned, because
 * the owner had it before the rotation. Its expiry is returned only while it lies ahead of the database clock. The worker
 * decides with its own clock whether a request carries the previous signature, so near the expiry
 * the two can differ by the skew between the clocks.
 */
export async function findEndpointSecret(
  db: Pool | PoolClient,
  secretBox: SecretBox,
  siteId: string,
  endpointId: string,
): Promise<RevealedEndpointSecret | null> {
  const { rows } = await db.query<{ secret: string; previous_secret_expires_at: Date | null }>(
    `SELECT secret,
            CASE WHEN previous_secret_expires_at > now() THEN previous_secret_expires_at END
              AS previous_secret_expires_at
     FROM endpoints WHERE site_id = $1 AND id = $2 AND deleted_at IS NULL`,
    [siteId, endpointId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    secret: secretBox.decrypt(row.secret, endpointId),
    previousSecretExpiresAt: row.previous_secret_expires_at,
  };
}

const SECRET_FORM = new RegExp(`^${SECRET_PREFIX}[A-Za-z0-9+/]+={0,2}$`);

// The messages leave the secret out, because errors end up in logs and API responses.
function checkRotation(rotation: SecretRotation): void {
  const grace = rotation.graceSeconds;
  if (!Number.isInteger(grace) || grace < 0 || grace > MAX_SECRET_GRACE_SECONDS) {
    throw new RangeError(
      `graceSeconds must be a whole number from 0 to ${MAX_SECRET_GRACE_SECONDS}, got ${grace}`,
    );
  }
  if (!SECRET_FORM.test(rotation.newSecret)) {
    throw new RangeError(
      `newSecret must be ${SECRET_PREFIX} followed by base64; create one with generateEndpointSecret`,
    );
  }
}
