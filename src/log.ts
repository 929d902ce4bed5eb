import pino from 'pino';

export type Logger = pino.Logger;

/** The root logger; modules take child loggers (requestId, instanceId, driver) from it. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = { level, redact: ['password', '*.password', 'token', '*.token', 'headers["x-auth-token"]'] };
  return destination ? pino(options, destination) : pino(options);
}

export const silentLogger = (): Logger => pino({ level: 'silent' });
