// Structured JSON logs (pino). One root logger; modules take children with their own bindings.
import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { service: 'spotops' },
    redact: {
      paths: ['*.token', '*.externalId', '*.secretAccessKey', '*.sessionToken'],
      censor: '[redacted]',
    },
  });
}

/** A logger that writes nothing; the default in tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
