import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../logger';

const PINO_METHODS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Creates a Temporal SDK logger that writes its lines into pino from `level` up. */
export function createSdkLogger(logger: Logger, level: LogLevel = 'WARN'): DefaultLogger {
  const sdkLogger = logger.child({ component: 'temporal-sdk' });
  return new DefaultLogger(level, (entry) => {
    sdkLogger[PINO_METHODS[entry.level]]({ ...entry.meta }, entry.message);
  });
}

/**
 * Routes the Temporal SDK's own log lines (worker state, bundling, core warnings) into pino from
 * `level` up. Call it once, before the first connection or worker is created.
 */
export function installTemporalLogger(logger: Logger, level: LogLevel = 'WARN'): void {
  Runtime.install({ logger: createSdkLogger(logger, level) });
}
