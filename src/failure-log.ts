import type { Logger } from './logger';

/**
 * Logs the first failure of a repeated operation and its later recovery, not every failure in
 * between. Probes and scrapes repeat every few seconds, so one line per outage is enough.
 */
export class FailureLog {
  private readonly failing = new Set<string>();

  constructor(private readonly logger: Logger) {}

  /** Runs `work`; returns its value, or null after logging the failure of `name`. */
  async run<T>(name: string, work: () => Promise<T>): Promise<T | null> {
    try {
      const value = await work();
      this.succeeded(name);
      return value;
    } catch (error) {
      this.failed(name, error);
      return null;
    }
  }

  /** Records a success of `name`, and logs it when it ends a run of failures. */
  succeeded(name: string): void {
    if (this.failing.delete(name)) this.logger.info({ operation: name }, 'works again');
  }

  /** Records a failure of `name`, and logs it when it is the first of a run. */
  failed(name: string, error: unknown): void {
    if (this.failing.has(name)) return;
    this.failing.add(name);
    this.logger.warn({ err: error, operation: name }, 'failed; logged once until it works again');
  }
}
