import { appendFileSync } from 'node:fs';
import path from 'node:path';
import pino, { type DestinationStream, type Level, type StreamEntry } from 'pino';
import { createLogger, type Logger } from '../../src/logger';

/**
 * Writes each line to a file of the run's log folder named after the running test file. The name
 * is looked up at the first line, because loggers made in setup files exist before the test
 * framework does. Appending synchronously keeps every line, however a test file ends.
 */
function logFolderDestination(folder: string): DestinationStream {
  let file: string | undefined;
  return {
    write(line: string) {
      file ??= path.join(folder, `${currentTestName()}.log`);
      appendFileSync(file, line);
    },
  };
}

/** Names the running test file by its path from the repository root, or the process without one. */
export function currentTestName(): string {
  const testPath = (globalThis as { expect?: jest.Expect }).expect?.getState().testPath;
  if (!testPath) return `process-${process.pid}`;
  return path.relative(process.cwd(), testPath).split(path.sep).join('__');
}

/**
 * Creates a logger with the production redaction. It writes every line from debug up to the run's
 * log folder (TEST_LOG_DIR, which the leak scan reads after the run) and to standard output from
 * LOG_LEVEL up, `consoleLevel` by default. `extra` receives every line from debug up as well.
 */
export function createTestLogger(
  name = 'test',
  consoleLevel = 'silent',
  extra?: DestinationStream,
): Logger {
  const streams: StreamEntry[] = [];
  const folder = process.env.TEST_LOG_DIR;
  if (folder) streams.push({ level: 'debug', stream: logFolderDestination(folder) });
  if (extra) streams.push({ level: 'debug', stream: extra });

  const level = process.env.LOG_LEVEL ?? consoleLevel;
  if (level !== 'silent') streams.push({ level: level as Level, stream: process.stdout });
  if (streams.length === 0) return createLogger(name, 'silent');

  const lowest = Math.min(...streams.map((entry) => pino.levels.values[entry.level!]!));
  return createLogger(name, pino.levels.labels[lowest]!, pino.multistream(streams));
}
