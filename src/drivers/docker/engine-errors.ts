import { DomainError, DriverError } from '../../errors';

/**
 * docker-modem rejects with an Error carrying the HTTP status and the engine's JSON body; socket
 * failures (ECONNREFUSED, ENOENT) arrive as plain Node errors without a status.
 */
interface ModemError {
  readonly statusCode?: number;
  readonly json?: unknown;
  readonly message?: string;
}

export function engineStatus(err: unknown): number | undefined {
  const status = (err as ModemError | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

export const isNotFound = (err: unknown): boolean => engineStatus(err) === 404;
/** 304: start of a running / stop of a stopped container */
export const isNotModified = (err: unknown): boolean => engineStatus(err) === 304;
export const isConflict = (err: unknown): boolean => engineStatus(err) === 409;

/** the engine's own words ("No such container: …"), not docker-modem's "(HTTP code 404) …" prefix */
export function engineMessage(err: unknown): string {
  const body = (err as ModemError | null)?.json as { message?: unknown } | null | undefined;
  if (body && typeof body.message === 'string' && body.message) return body.message;
  const message = (err as ModemError | null)?.message;
  return typeof message === 'string' && message ? message : String(err);
}

/** domain errors pass through; anything else becomes a DriverError with the engine's message */
export function asDriverError(err: unknown, doing?: string): DomainError {
  if (err instanceof DomainError) return err;
  return new DriverError(doing ? `${doing}: ${engineMessage(err)}` : engineMessage(err));
}
