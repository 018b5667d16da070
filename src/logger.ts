import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Creates the process logger. Secrets never go through it: the redact list is a second line of
 * defence for fields that must not appear even if someone logs a whole object by mistake.
 */
export function createLogger(
  name: string,
  level: string = process.env.LOG_LEVEL ?? 'info',
): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        'secret',
        '*.secret',
        'previousSecret',
        '*.previousSecret',
        'apiKey',
        '*.apiKey',
        'authorization',
        '*.authorization',
      ],
      censor: '[redacted]',
    },
  });
}
