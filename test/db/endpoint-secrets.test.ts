import { findEndpointSecret, rotateEndpointSecret } from '../../src/db/endpoint-secrets';
import { findEndpointTarget, insertEndpoint } from '../../src/db/endpoints';
import { generateEndpointSecret } from '../../src/delivery/signature';
import { newId } from '../../src/ids';
import { SecretDecryptionError } from '../../src/secrets/secret-box';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createEndpoint, createSite } from '../helpers/fixtures';
import { testSecretBox } from '../helpers/secret-keys';

let db: TestDatabase;
const box = testSecretBox();

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

/** Reads an endpoint's secret columns, decrypting both secrets. */
async function storedSecrets(endpointId: string) {
  const { rows } = await db.pool.query(
    `SELECT secret, previous_secret, previous_secret_expires_at, updated_at
     FROM endpoints WHERE id = $1`,
    [endpointId],
  );
  const row = rows[0];
  return {
    ...row,
    secret: box.decrypt(row.secret, endpointId),
    previous_secret: row.previous_secret && box.decrypt(row.previous_secret, endpointId),
  };
}

async function databaseNow(): Promise<Date> {
  const { rows } = await db.pool.query<{ now: Date }>('SELECT now()');
  return rows[0]!.now;
}

describe('rotateEndpointSecret', () => {
  test('keeps the old secret until the grace period ends', async () => {
    const { siteId, endpointId, secret } = await newEndpoint();
    const newSecret = generateEndpointSecret();

    const result = await rotateEndpointSecret(db.pool, box, siteId, endpointId, {
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

    const result = await rotateEndpointSecret(db.pool, box, siteId, endpointId, {
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
    await rotateEndpointSecret(db.pool, box, siteId, endpointId, rotation);

    await rotateEndpointSecret(db.pool, box, siteId, endpointId, {
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
    await rotateEndpointSecret(db.pool, box, siteId, endpointId, {
      newSecret: second,
      graceSeconds: 3600,
    });

    const result = await rotateEndpointSecret(db.pool, box, siteId, endpointId, {
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

    const result = await rotateEndpointSecret(db.pool, box, otherSite.id, endpointId, {
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

    const result = await rotateEndpointSecret(db.pool, box, siteId, 'ep_missing', {
      newSecret: generateEndpointSecret(),
      graceSeconds: 60,
    });

    expect(result).toBeNull();
  });

  test.each([-1, 1.5, Number.NaN, 604_801])('grace of %p is rejected', async (graceSeconds) => {
    const { siteId, endpointId, secret } = await newEndpoint();

    await expect(
      rotateEndpointSecret(db.pool, box, siteId, endpointId, {
        newSecret: generateEndpointSecret(),
        graceSeconds,
      }),
    ).rejects.toThrow(`graceSeconds must be a whole number from 0 to 604800, got`);
    expect((await storedSecrets(endpointId)).secret).toBe(secret);
  });

  test('grace of one week is accepted', async () => {
    const { siteId, endpointId } = await newEndpoint();

    const result = await rotateEndpointSecret(db.pool, box, siteId, endpointId, {
      newSecret: generateEndpointSecret(),
      graceSeconds: 604_800,
    });

    const graceMs = result!.previousSecretExpiresAt!.getTime() - result!.rotatedAt.getTime();
    expect(graceMs).toBe(604_800_000);
  });

  test('secret without whsec prefix is rejected without echoing it', async () => {
    const { siteId, endpointId } = await newEndpoint();
    const badSecret = 'c2VjcmV0LXdpdGhvdXQtcHJlZml4';

    const error = await rotateEndpointSecret(db.pool, box, siteId, endpointId, {
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
    const rotation = await rotateEndpointSecret(db.pool, box, siteId, endpointId, {
      newSecret,
      graceSeconds: 3600,
    });

    const found = await findEndpointSecret(db.pool, box, siteId, endpointId);

    expect(found).toEqual({
      secret: newSecret,
      previousSecretExpiresAt: rotation!.previousSecretExpiresAt,
    });
  });

  test('never returns the previous secret', async () => {
    const { siteId, endpointId, secret } = await newEndpoint();
    await rotateEndpointSecret(db.pool, box, siteId, endpointId, {
      newSecret: generateEndpointSecret(),
      graceSeconds: 3600,
    });

    const found = await findEndpointSecret(db.pool, box, siteId, endpointId);

    expect(JSON.stringify(found)).not.toContain(secret);
  });

  test('endpoint never rotated has no grace period', async () => {
    const { siteId, endpointId, secret } = await newEndpoint();

    const found = await findEndpointSecret(db.pool, box, siteId, endpointId);

    expect(found).toEqual({ secret, previousSecretExpiresAt: null });
  });

  test('expired grace period reads as null', async () => {
    const { siteId, endpointId } = await newEndpoint();
    await rotateEndpointSecret(db.pool, box, siteId, endpointId, {
      newSecret: generateEndpointSecret(),
      graceSeconds: 3600,
    });
    // Moves the stored expiry into the past, as if the hour had gone by.
    const past = new Date((await databaseNow()).getTime() - 1000);
    await db.pool.query('UPDATE endpoints SET previous_secret_expires_at = $2 WHERE id = $1', [
      endpointId,
      past,
    ]);

    const found = await findEndpointSecret(db.pool, box, siteId, endpointId);

    expect(found!.previousSecretExpiresAt).toBeNull();
  });

  test('endpoint of another site is not found', async () => {
    const { endpointId } = await newEndpoint();
    const otherSite = await createSite(db.pool);

    expect(await findEndpointSecret(db.pool, box, otherSite.id, endpointId)).toBeNull();
  });
});

describe('encryption at rest', () => {
  async function rawSecrets(endpointId: string) {
    const { rows } = await db.pool.query<{ secret: string; previous_secret: string | null }>(
      'SELECT secret, previous_secret FROM endpoints WHERE id = $1',
      [endpointId],
    );
    return rows[0]!;
  }

  test('insertEndpoint stores the secret encrypted', async () => {
    const site = await createSite(db.pool);
    const secret = generateEndpointSecret();
    const id = newId('ep');

    await insertEndpoint(db.pool, box, {
      id,
      siteId: site.id,
      url: 'http://127.0.0.1:9/hook',
      description: '',
      eventTypes: ['subscriber.created'],
      secret,
    });

    const raw = await rawSecrets(id);
    expect(raw.secret).toMatch(/^enc:v1:test-1:/);
    expect(raw.secret).not.toContain('whsec_');
    expect((await findEndpointSecret(db.pool, box, site.id, id))!.secret).toBe(secret);
    expect((await findEndpointTarget(db.pool, box, id))!.secret).toBe(secret);
  });

  test('rotation keeps both secrets encrypted', async () => {
    const { siteId, endpointId, secret } = await newEndpoint();
    const newSecret = generateEndpointSecret();

    await rotateEndpointSecret(db.pool, box, siteId, endpointId, { newSecret, graceSeconds: 60 });

    const raw = await rawSecrets(endpointId);
    expect(raw.secret).toMatch(/^enc:v1:test-1:/);
    expect(raw.previous_secret).toMatch(/^enc:v1:test-1:/);
    expect(`${raw.secret} ${raw.previous_secret}`).not.toContain('whsec_');
    const target = await findEndpointTarget(db.pool, box, endpointId);
    expect(target).toMatchObject({ secret: newSecret, previousSecret: secret });
  });

  test('legacy plaintext row keeps working', async () => {
    const site = await createSite(db.pool);
    const legacy = await createEndpoint(db.pool, site.id, 'http://127.0.0.1:9/hook', {
      legacySecret: true,
    });
    const newSecret = generateEndpointSecret();

    const revealed = await findEndpointSecret(db.pool, box, site.id, legacy.id);
    await rotateEndpointSecret(db.pool, box, site.id, legacy.id, { newSecret, graceSeconds: 60 });

    expect(revealed!.secret).toBe(legacy.secret);
    const raw = await rawSecrets(legacy.id);
    expect(raw.secret).toMatch(/^enc:v1:test-1:/);
    expect(raw.previous_secret).toBe(legacy.secret);
    const target = await findEndpointTarget(db.pool, box, legacy.id);
    expect(target).toMatchObject({ secret: newSecret, previousSecret: legacy.secret });
  });

  test('secret copied to another endpoint fails to decrypt', async () => {
    const source = await newEndpoint();
    const target = await newEndpoint();
    await db.pool.query(
      'UPDATE endpoints SET secret = (SELECT secret FROM endpoints WHERE id = $1) WHERE id = $2',
      [source.endpointId, target.endpointId],
    );

    const error = await findEndpointSecret(db.pool, box, target.siteId, target.endpointId).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(SecretDecryptionError);
    expect((error as SecretDecryptionError).endpointId).toBe(target.endpointId);
  });
});
