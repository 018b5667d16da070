import { randomBytes } from 'node:crypto';
import { migrate } from '../src/db/migrate';
import type { Pool } from '../src/db/pool';
import { addApiKey, generateApiKey } from '../src/db/api-keys';
import { upsertSite } from '../src/db/sites';
import { generateEndpointSecret } from '../src/delivery/signature';
import { newId } from '../src/ids';
import type { SecretBox } from '../src/secrets/secret-box';

/** A site made for one fan-out, with its active endpoints. */
export interface BenchSite {
  siteId: string;
  apiKey: string;
  endpointIds: string[];
}

/**
 * Creates a site with `fanOut` endpoints subscribed to `subscriber.created` and pointing at the
 * receiver. The endpoints are inserted as `active`, skipping verification, which is not what
 * this benchmark measures. Their secrets are encrypted with `secretBox`, as the API stores them.
 * Site ids are unique per run, so a shared database keeps older runs.
 */
export async function createBenchSite(
  pool: Pool,
  secretBox: SecretBox,
  receiverUrl: string,
  fanOut: number,
): Promise<BenchSite> {
  await migrate(pool);
  const siteId = `site_bench_${randomBytes(6).toString('hex')}`;
  const apiKey = generateApiKey();
  await upsertSite(pool, {
    id: siteId,
    name: `Benchmark fan-out ${fanOut}`,
    ownerEmail: 'bench@localhost',
  });
  await addApiKey(pool, siteId, apiKey);

  const endpointIds: string[] = [];
  for (let i = 0; i < fanOut; i++) {
    const id = newId('ep');
    await pool.query(
      `INSERT INTO endpoints (id, site_id, url, description, event_types, secret, status, verified_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'active', now())`,
      [
        id,
        siteId,
        `${receiverUrl}/${id}`,
        `benchmark ${i + 1}/${fanOut}`,
        ['subscriber.created'],
        secretBox.encrypt(generateEndpointSecret(), id),
      ],
    );
    endpointIds.push(id);
  }
  return { siteId, apiKey, endpointIds };
}
