import { findEndpointSecret, rotateEndpointSecret } from '../../src/db/endpoint-secrets';
import { generateEndpointSecret } from '../../src/delivery/signature';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createEndpoint, createSite } from '../helpers/fixtures';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

async function newEndpoint() {
  const site = await createSite(db.pool);
  const endpoint = await createEndpoint(db.pool, site.id, 'http://127.0.0.1:9/hook');
  return { siteId: site.id, endpointId: endpoint.id, secret: endpoint.secret };
}

async function storedSecrets(endpointId: string) {
  const { rows } = await db.pool.query(
    `SELECT secret, previous_secret, previous_secret_expires_at, updated_at
     FROM endpoints WHERE id = $1`,
    [endpointId],
  );
  return rows[0];
}

async function databaseNow(): Promise<Date> {
  const { rows } = await db.pool.query<{ now: Date }>('SELECT now()');
  return rows[0]!.now;
}

describe('rotateEndpointSecret', () => {
  test('keeps the old secret until the grace period ends', async () => {
    const { siteId, endpointId, secret } = await newEndpoint();
    const newSecret = generateEndpointSecret();

    const result = await rotateEndpointSecret(db.pool, siteId, endpointId, {
      newSecret,
      graceSeconds: 3600,
    });

    const row = await storedSecrets(endpointId);
    expect(row.secret).toBe(newSecret);
    expect(row.previous_secret).toBe(secret);
    expect(row.updated_at).toEqual(result!.rotatedAt);
    expect(result!.previousSecretExpiresAt).toEqual(row.previous_secret_expires_at);
    const graceMs = result!.previousSecretExpiresAt!.getTime() - result!.rotatedAt.getTime();
    expect(graceMs).toBe(3_600_000);
  });

  test('grace of 0 drops the old secret at once', async () => {
    const { siteId, endpointId } = await newEndpoint();
    const newSecret = generateEndpointSecret();

    const result = await rotateEndpointSecret(db.pool, siteId, endpointId, {
      newSecret,
      graceSeconds: 0,
    });

    expect(result!.previousSecretExpiresAt).toBeNull();
    const row = await storedSecrets(endpointId);
    expect(row.secret).toBe(newSecret);
    expect(row.previous_secret).toBeNull();
    expect(row.previous_secret_expires_at).toBeNull();
  });

  test('grace of 0 ends a running grace period', async () => {
    const { siteId, endpointId } = await newEndpoint();
    const rotation = { newSecret: generateEndpointSecret(), graceSeconds: 3600 };
    await rotateEndpointSecret(db.pool, siteId, endpointId, rotation);

    await rotateEndpointSecret(db.pool, siteId, endpointId, {
      newSecret: generateEndpointSecret(),
      graceSeconds: 0,
    });

    const row = await storedSecrets(endpointId);
    expect(row.previous_secret).toBeNull();
    expect(row.previous_secret_expires_at).toBeNull();
  });

  test('second rotation during grace replaces the previous secret', async () => {
    const { siteId, endpointId, secret: first } = await newEndpoint();
    const second = generateEndpointSecret();
    const third = generateEndpointSecret();
    await rotateEndpointSecret(db.pool, siteId, endpointId, {
      newSecret: second,
      graceSeconds: 3600,
    });

    const result = await rotateEndpointSecret(db.pool, siteId, endpointId, {
      newSecret: third,
      graceSeconds: 600,
    });

    const row = await storedSecrets(endpointId);
    expect(row.secret).toBe(third);
    expect(row.previous_secret).toBe(second);
    expect(row.previous_secret).not.toBe(first);
    const graceMs = result!.previousSecretExpiresAt!.getTime() - result!.rotatedAt.getTime();
    expect(graceMs).toBe(600_000);
  });

  test('endpoint of another site is not rotated', async () => {
    const { endpointId, secret } = await newEndpoint();
    const otherSite = await createSite(db.pool);

    const result = await rotateEndpointSecret(db.pool, otherSite.id, endpointId, {
      newSecret: generateEndpointSecret(),
      graceSeconds: 3600,
    });

    expect(result).toBeNull();
    const row = await storedSecrets(endpointId);
    expect(row.secret).toBe(secret);
    expect(row.previous_secret).toBeNull();
  });

  test('unknown endpoint returns null', async () => {
    const { siteId } = await newEndpoint();

    const result = await rotateEndpointSecret(db.pool, siteId, 'ep_missing', {
      newSecret: generateEndpointSecret(),
      graceSeconds: 60,
    });

    expect(result).toBeNull();
  });

  test.each([-1, 1.5, Number.NaN, 604_801])('grace of %p is rejected', async (graceSeconds) => {
    const { siteId, endpointId, secret } = await newEndpoint();

    await expect(
      rotateEndpointSecret(db.pool, siteId, endpointId, {
        newSecret: generateEndpointSecret(),
        graceSeconds,
      }),
    ).rejects.toThrow(`graceSeconds must be a whole number from 0 to 604800, got`);
    expect((await storedSecrets(endpointId)).secret).toBe(secret);
  });

  test('grace of one week is accepted', async () => {
    const { siteId, endpointId } = await newEndpoint();

    const result = await rotateEndpointSecret(db.pool, siteId, endpointId, {
      newSecret: generateEndpointSecret(),
      graceSeconds: 604_800,
    });

    const graceMs = result!.previousSecretExpiresAt!.getTime() - result!.rotatedAt.getTime();
    expect(graceMs).toBe(604_800_000);
  });

  test('secret without whsec prefix is rejected without echoing it', async () => {
    const { siteId, endpointId } = await newEndpoint();
    const badSecret = 'c2VjcmV0LXdpdGhvdXQtcHJlZml4';

    const error = await rotateEndpointSecret(db.pool, siteId, endpointId, {
      newSecret: badSecret,
      graceSeconds: 60,
    }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toContain('newSecret must be whsec_ followed by base64');
    expect((error as Error).message).not.toContain(badSecret);
  });
});

describe('findEndpointSecret', () => {
  test('returns the current secret and the grace period end', async () => {
    const { siteId, endpointId } = await newEndpoint();
    const newSecret = generateEndpointSecret();
    const rotation = await rotateEndpointSecret(db.pool, siteId, endpointId, {
      newSecret,
      graceSeconds: 3600,
    });

    const found = await findEndpointSecret(db.pool, siteId, endpointId);

    expect(found).toEqual({
      secret: newSecret,
      previousSecretExpiresAt: rotation!.previousSecretExpiresAt,
    });
  });

  test('never returns the previous secret', async () => {
    const { siteId, endpointId, secret } = await newEndpoint();
    await rotateEndpointSecret(db.pool, siteId, endpointId, {
      newSecret: generateEndpointSecret(),
      graceSeconds: 3600,
    });

    const found = await findEndpointSecret(db.pool, siteId, endpointId);

    expect(JSON.stringify(found)).not.toContain(secret);
  });

  test('endpoint never rotated has no grace period', async () => {
    const { siteId, endpointId, secret } = await newEndpoint();

    const found = await findEndpointSecret(db.pool, siteId, endpointId);

    expect(found).toEqual({ secret, previousSecretExpiresAt: null });
  });

  test('expired grace period reads as null', async () => {
    const { siteId, endpointId } = await newEndpoint();
    await rotateEndpointSecret(db.pool, siteId, endpointId, {
      newSecret: generateEndpointSecret(),
      graceSeconds: 3600,
    });
    // Moves the stored expiry into the past, as if the hour had gone by.
    const past = new Date((await databaseNow()).getTime() - 1000);
    await db.pool.query('UPDATE endpoints SET previous_secret_expires_at = $2 WHERE id = $1', [
      endpointId,
      past,
    ]);

    const found = await findEndpointSecret(db.pool, siteId, endpointId);

    expect(found!.previousSecretExpiresAt).toBeNull();
  });

  test('endpoint of another site is not found', async () => {
    const { endpointId } = await newEndpoint();
    const otherSite = await createSite(db.pool);

    expect(await findEndpointSecret(db.pool, otherSite.id, endpointId)).toBeNull();
  });
});
