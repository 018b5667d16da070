import { readdirSync, readFileSync } from 'node:fs';

// USER_HZ is 100 on every mainstream Linux build; /proc/<pid>/stat counts CPU time in these ticks.
const TICKS_PER_SECOND = 100;

/** One process, as read from /proc/<pid>/stat. */
export interface ProcStat {
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
 * Returns each root process with its live descendants, keyed as given. A root that has exited
 * has an empty list.
 */
export function processTrees(roots: Record<string, number>): Record<string, ProcStat[]> {
  const stats = readAllStats();
  const children = new Map<number, ProcStat[]>();
  for (const stat of stats) {
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(stat);
    else children.set(stat.ppid, [stat]);
  }
  const byPid = new Map(stats.map((stat) => [stat.pid, stat]));

  const result: Record<string, ProcStat[]> = {};
  for (const [name, rootPid] of Object.entries(roots)) {
    const members: ProcStat[] = [];
    const queue = [rootPid];
    while (queue.length > 0) {
      const pid = queue.pop()!;
      const stat = byPid.get(pid);
      if (stat) members.push(stat);
      for (const child of children.get(pid) ?? []) queue.push(child.pid);
    }
    result[name] = members;
  }
  return result;
}

/**
 * Returns the CPU seconds used so far by each root process and all its live descendants, keyed
 * as given. A root that has exited counts as 0. Descendants that exited and were reaped are
 * included through their parent's cutime and cstime; ones that exited unreaped are lost.
 */
export function cpuSecondsOfTrees(roots: Record<string, number>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [name, members] of Object.entries(processTrees(roots))) {
    const ticks = members.reduce((sum, member) => sum + member.ticks, 0);
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
