import pino from 'pino';

export type Logger = pino.Logger;

/** The root logger; modules take child loggers (requestId, instanceId, driver) from it. */
export function createLogger(level: string): Logger {
  return pino({ level, redact: ['password', '*.password', 'token', '*.token', 'headers["x-auth-token"]'] });
}

export const silentLogger = (): Logger => pino({ level: 'silent' });
