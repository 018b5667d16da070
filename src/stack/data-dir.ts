import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Returns where the dev stack keeps PostgreSQL's cluster. As root, PostgreSQL runs as the
 * `postgres` user, which must traverse every parent directory. A clone under a private home
 * (mode 700) fails that, so the cluster then goes under /var/tmp, in a folder named after the clone.
 */
export function postgresDataDir(dataDir: string): string {
  const preferred = path.join(dataDir, 'postgres');
  if (process.getuid?.() !== 0 || othersCanTraverse(path.dirname(preferred))) return preferred;

  const key = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12);
  const fallbackParent = tmpdir() === '/tmp' ? '/var/tmp' : tmpdir();
  return path.join(fallbackParent, `postion-webhooks-${key}`, 'postgres');
}

function othersCanTraverse(directory: string): boolean {
  let current = path.resolve(directory);
  for (;;) {
    try {
      if ((statSync(current).mode & 0o001) === 0) return false;
    } catch {
      // Missing directories get created with mode 0755 later; only their parents matter.
    }
    const parent = path.dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}
