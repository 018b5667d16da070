import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

// Lines of output kept per process for failure messages. Older lines are dropped.
const KEPT_LINES = 300;
const STOP_TIMEOUT_MS = 15_000;

/** How a child process ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A child process that leads a process group of its own. `tsx` runs the script in a second Node
 * process, so signals go to the whole group, because a SIGKILL sent to the `tsx` process alone
 * would leave the script running.
 */
export class ChildGroup {
  readonly pid: number;
  readonly exited: Promise<ChildExit>;
  private readonly lines: string[] = [];
  private readonly watchers = new Set<(line: string) => void>();
  private exit: ChildExit | null = null;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    if (child.pid === undefined) throw new Error(`${name} did not start: no process id`);
    this.pid = child.pid;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => this.record(line));
    }
  }

  /** Whether the group leader is still running. */
  get running(): boolean {
    return this.exit === null;
  }

  /** Resolves with the first output line that matches `pattern`, including lines already seen. */
  async waitForLine(pattern: RegExp, timeoutMs: number): Promise<string> {
    const seen = this.lines.find((line) => pattern.test(line));
    if (seen !== undefined) return seen;

    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.watchers.delete(watch);
        reject(
          new Error(`${this.name} printed no line matching ${pattern} within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const watch = (line: string) => {
        if (!pattern.test(line)) return;
        clearTimeout(timer);
        this.watchers.delete(watch);
        resolve(line);
      };
      this.watchers.add(watch);
      void this.exited.then((exit) => {
        if (!this.watchers.delete(watch)) return;
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${describeExit(exit)}) before printing ${pattern}`));
      });
    });
  }

  /** Sends `signal` to every process of the group. A group that is gone already is no error. */
  signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }

  /** Kills the whole group with SIGKILL, as a crash or the OOM killer would, and waits for it. */
  async crash(): Promise<ChildExit> {
    this.signalGroup('SIGKILL');
    return await this.exited;
  }

  /**
   * Sends SIGTERM to the group leader, which lets the program shut down as it would under a
   * supervisor, and SIGKILLs the group if the leader has not exited within 15 s. Anything left in
   * the group after the leader exits is killed too.
   */
  async stop(): Promise<ChildExit> {
    if (this.running) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), STOP_TIMEOUT_MS);
    const exit = await this.exited;
    clearTimeout(timer);
    this.signalGroup('SIGKILL');
    return exit;
  }

  /** Returns the last `count` lines of output, prefixed with the process name. */
  tail(count = 40): string {
    return this.lines
      .slice(-count)
      .map((line) => `[${this.name}] ${line}`)
      .join('\n');
  }

  private record(line: string): void {
    this.lines.push(line);
    if (this.lines.length > KEPT_LINES) this.lines.shift();
    for (const watch of [...this.watchers]) watch(line);
  }
}

function describeExit(exit: ChildExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

/**
 * The process groups one test file started. `stopAll` in `afterAll` stops those still running,
 * and a synchronous exit hook kills any left if the test process ends first.
 */
export class ChildGroups {
  private readonly groups: ChildGroup[] = [];
  private readonly killOnExit = () => {
    for (const group of this.groups) if (group.running) group.signalGroup('SIGKILL');
  };

  constructor() {
    process.once('exit', this.killOnExit);
  }

  /** Starts `command` with `args` as the leader of a new process group. */
  start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): ChildGroup {
    const child = spawn(command, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const group = new ChildGroup(name, child);
    this.groups.push(group);
    return group;
  }

  /** Returns the last output lines of every group started, for failure messages. */
  tails(count?: number): string {
    return this.groups.map((group) => group.tail(count)).join('\n');
  }

  /** Stops every group still running, newest first. */
  async stopAll(): Promise<void> {
    for (const group of [...this.groups].reverse()) await group.stop();
    process.removeListener('exit', this.killOnExit);
  }
}
