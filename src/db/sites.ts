import type { Pool, PoolClient } from 'pg';

/** A site as stored. */
export interface Site {
  id: string;
  name: string;
  ownerEmail: string;
}

interface SiteRow {
  id: string;
  name: string;
  owner_email: string;
}

function toSite(row: SiteRow): Site {
  return { id: row.id, name: row.name, ownerEmail: row.owner_email };
}

/** Inserts a site, or updates its name and owner email when the id exists. */
export async function upsertSite(db: Pool | PoolClient, site: Site): Promise<void> {
  await db.query(
    `INSERT INTO sites (id, name, owner_email) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, owner_email = EXCLUDED.owner_email`,
    [site.id, site.name, site.ownerEmail],
  );
}

/** Inserts a new site; returns false when the id is taken. */
export async function insertSite(db: Pool | PoolClient, site: Site): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO sites (id, name, owner_email) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
    [site.id, site.name, site.ownerEmail],
  );
  return rowCount === 1;
}

/** Changes the given fields of a site and returns it, or null when it does not exist. */
export async function updateSite(
  pool: Pool,
  id: string,
  changes: { name?: string; ownerEmail?: string },
): Promise<Site | null> {
  const { rows } = await pool.query<SiteRow>(
    `UPDATE sites SET name = COALESCE($2, name), owner_email = COALESCE($3, owner_email)
     WHERE id = $1 RETURNING id, name, owner_email`,
    [id, changes.name ?? null, changes.ownerEmail ?? null],
  );
  return rows[0] ? toSite(rows[0]) : null;
}

/** Returns a site, or null when it does not exist. */
export async function findSite(pool: Pool, siteId: string): Promise<Site | null> {
  const { rows } = await pool.query<SiteRow>(
    'SELECT id, name, owner_email FROM sites WHERE id = $1',
    [siteId],
  );
  return rows[0] ? toSite(rows[0]) : null;
}
