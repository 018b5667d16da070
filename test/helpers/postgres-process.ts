import type { ChildGroup, ChildGroups } from './child-processes';
import { childEnvironment, startTsx } from './service-processes';

const START_TIMEOUT_MS = 60_000;

/** Embedded PostgreSQL running in a child process. */
export interface PostgresProcess {
  url: string;
  group: ChildGroup;
}

/**
 * Starts embedded PostgreSQL on 127.0.0.1:`port` with its cluster in `dataDir`, initialising the
 * cluster on first use. Starting it again with the same arguments reopens the same data.
 */
export async function startPostgresProcess(
  groups: ChildGroups,
  dataDir: string,
  port: number,
): Promise<PostgresProcess> {
  const group = startTsx(
    groups,
    'postgres',
    'test/helpers/run-postgres.ts',
    [dataDir, String(port)],
    childEnvironment(),
  );
  const ready = await group.waitForLine(/"msg":"postgres ready"/, START_TIMEOUT_MS);
  return { url: (JSON.parse(ready) as { url: string }).url, group };
}
