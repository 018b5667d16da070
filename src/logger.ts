import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Creates the process logger, writing to `destination` (standard output by default). Secrets never
 * go through it, and the redact list is a second line of defence for fields that must not appear
 * even if someone logs a whole object by mistake.
 */
export function createLogger(
  name: string,
  level: string = process.env.LOG_LEVEL ?? 'info',
  destination?: DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    redact: {
      paths: [
        'secret',
        '*.secret',
        'previousSecret',
        '*.previousSecret',
        'newSecret',
        '*.newSecret',
        'previous_secret',
        '*.previous_secret',
        'SECRET_ENCRYPTION_KEYS',
        '*.SECRET_ENCRYPTION_KEYS',
        'PUBLISHER_TOKEN',
        '*.PUBLISHER_TOKEN',
        'publisherToken',
        '*.publisherToken',
        'apiKey',
        '*.apiKey',
        'authorization',
        '*.authorization',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
