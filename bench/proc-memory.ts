import { readFileSync } from 'node:fs';
import { processTrees } from './proc-cpu';

const KIB_PER_MIB = 1_024;

/** Returns a process's resident set size (VmRSS) in KiB, or 0 once it has exited. */
function readRssKiB(pid: number): number {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return 0;
  }
  // The line reads "VmRSS:   123456 kB", where kB means KiB. Kernel threads have no such line.
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(text);
  return match ? Number(match[1]) : 0;
}

/**
 * Returns the resident memory in MiB of each root process and all its live descendants, keyed as
 * given. Pages shared between processes of a tree (libraries, PostgreSQL's shared buffers) count
 * once per process, so a tree of several processes is overstated by its shared pages.
 */
export function rssMiBOfTrees(roots: Record<string, number>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [name, members] of Object.entries(processTrees(roots))) {
    const kib = members.reduce((sum, member) => sum + readRssKiB(member.pid), 0);
    result[name] = kib / KIB_PER_MIB;
  }
  return result;
}
