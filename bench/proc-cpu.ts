import { readdirSync, readFileSync } from 'node:fs';

// USER_HZ is 100 on every mainstream Linux build; /proc/<pid>/stat counts CPU time in these ticks.
const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime, in ticks: the process and its reaped children. */
  ticks: number;
}

function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may contain spaces and brackets, so split after its last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0);
  return { pid, ppid: Number(fields[1]), ticks };
}

function readAllStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) stats.push(stat);
  }
  return stats;
}

/**
 * Returns the CPU seconds used so far by each root process and all its live descendants, keyed
 * as given. A root that has exited counts as 0. Descendants that exited and were reaped are
 * included through their parent's cutime and cstime; ones that exited unreaped are lost.
 */
export function cpuSecondsOfTrees(roots: Record<string, number>): Record<string, number> {
  const stats = readAllStats();
  const children = new Map<number, ProcStat[]>();
  for (const stat of stats) {
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(stat);
    else children.set(stat.ppid, [stat]);
  }
  const byPid = new Map(stats.map((stat) => [stat.pid, stat]));

  const result: Record<string, number> = {};
  for (const [name, rootPid] of Object.entries(roots)) {
    let ticks = 0;
    const queue = [rootPid];
    while (queue.length > 0) {
      const pid = queue.pop()!;
      ticks += byPid.get(pid)?.ticks ?? 0;
      for (const child of children.get(pid) ?? []) queue.push(child.pid);
    }
    result[name] = ticks / TICKS_PER_SECOND;
  }
  return result;
}

/** Returns the pids of this process's direct children whose command line contains `needle`. */
export function findChildPids(needle: string): number[] {
  return readAllStats()
    .filter((stat) => stat.ppid === process.pid)
    .filter((stat) => {
      try {
        return readFileSync(`/proc/${stat.pid}/cmdline`, 'utf8').includes(needle);
      } catch {
        return false;
      }
    })
    .map((stat) => stat.pid);
}

/** Subtracts two readings of `cpuSecondsOfTrees`, key by key. */
export function cpuDelta(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const key of Object.keys(after)) delta[key] = (after[key] ?? 0) - (before[key] ?? 0);
  return delta;
}
