import type { Pool } from 'pg';
import { FailureLog } from '../failure-log';
import type { Logger } from '../logger';
import { TimeoutError, withTimeout } from '../timeout';

/** Time each readiness check has before it counts as failed. */
export const READINESS_CHECK_TIMEOUT_MS = 2_000;

/** One dependency that the process needs to do its work. */
export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency responds before `deadline`, and rejects otherwise. */
  run(deadline: Date): Promise<void>;
}

/** Result of one check, as `/readyz` shows it. */
export type CheckResult = { status: 'ok' } | { status: 'failed'; detail: string };

/** Body of `/readyz`. */
export interface ReadinessReport {
  status: 'ready' | 'not_ready' | 'stopping';
  checks: Record<string, CheckResult>;
}

/**
 * Runs the readiness checks of a process on request. Once `markStopping` is called, every report
 * is `stopping` at once, so that a load balancer stops sending work while the process drains.
 */
export class Readiness {
  private stopping = false;
  private readonly failures: FailureLog;

  constructor(
    private readonly checks: ReadinessCheck[],
    logger: Logger,
    private readonly timeoutMs = READINESS_CHECK_TIMEOUT_MS,
  ) {
    this.failures = new FailureLog(logger);
  }

  /** Makes every later report `stopping`, without running the checks. */
  markStopping(): void {
    this.stopping = true;
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** Runs every check at once and reports each one. */
  async evaluate(): Promise<ReadinessReport> {
    if (this.stopping) return { status: 'stopping', checks: {} };

    const results = await Promise.all(this.checks.map((check) => this.runCheck(check)));
    const checks = Object.fromEntries(this.checks.map((check, i) => [check.name, results[i]!]));
    const ready = results.every((result) => result.status === 'ok');
    return { status: ready ? 'ready' : 'not_ready', checks };
  }

  private async runCheck(check: ReadinessCheck): Promise<CheckResult> {
    const deadline = new Date(Date.now() + this.timeoutMs);
    try {
      await withTimeout(check.run(deadline), this.timeoutMs, `${check.name} check`);
      this.failures.succeeded(`${check.name} readiness check`);
      return { status: 'ok' };
    } catch (error) {
      this.failures.failed(`${check.name} readiness check`, error);
      // The response names no host or port, because /readyz needs no credentials.
      const detail = error instanceof TimeoutError ? error.message : `${check.name} unreachable`;
      return { status: 'failed', detail };
    }
  }
}

/** Checks that PostgreSQL returns a row for `SELECT 1`. */
export function databaseCheck(pool: Pool): ReadinessCheck {
  return {
    name: 'database',
    run: async () => {
      await pool.query('SELECT 1');
    },
  };
}

/** The part of a Temporal client or native connection that `temporalCheck` calls. */
export interface TemporalConnection {
  withDeadline<R>(deadline: Date, fn: () => Promise<R>): Promise<R>;
  workflowService: { getSystemInfo(request: object): Promise<unknown> };
}

/** Checks that the Temporal frontend responds to `GetSystemInfo`, a call that reads no workflow. */
export function temporalCheck(connection: TemporalConnection): ReadinessCheck {
  return {
    name: 'temporal',
    run: async (deadline) => {
      await connection.withDeadline(deadline, () => connection.workflowService.getSystemInfo({}));
    },
  };
}
