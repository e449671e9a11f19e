import pino from 'pino';

export type Logger = pino.Logger;

/**
 * Structured JSON lines. Callers log ids (request, activity, job), never e-mail addresses,
 * messages or tokens; the redaction below is a second line of defence for common field names.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: undefined,
    redact: {
      paths: ['email', '*.email', 'authorization', '*.authorization', 'password', '*.password', 'secret', '*.secret', 'message', 'justification'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
