/** An endpoint's decrypted secrets: the current one and, after a rotation, the one it replaced. */
export interface StoredSigningSecrets {
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
}

/** The secrets that sign one request. */
export interface SigningSecrets {
  secret: string;
  /** The secret a rotation replaced, present only during its grace period. */
  previousSecret?: string;
}

/**
 * Selects the secrets that sign a request sent at `now`: the previous secret signs only while its
 * expiry lies after `now`. Callers pass the activity's clock, which also sets `webhook-timestamp`,
 * so a single clock decides both and tests can move it.
 */
export function selectSigningSecrets(stored: StoredSigningSecrets, now: Date): SigningSecrets {
  const { secret, previousSecret, previousSecretExpiresAt } = stored;
  if (previousSecret === null || previousSecretExpiresAt === null) return { secret };
  if (previousSecretExpiresAt.getTime() <= now.getTime()) return { secret };
  return { secret, previousSecret };
}
