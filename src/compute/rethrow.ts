import type { DomainError } from '../errors';

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Re-maps a domain error whose meaning changes with context (Nova turns ImageNotFound into 400 on
 * server create): `.catch(rethrowAs(BadRequest, ImageNotFound, () => 'Can not find requested image'))`.
 */
export function rethrowAs(to: new (message: string) => DomainError, from: ErrorClass, message?: () => string) {
  return (err: unknown): never => {
    if (err instanceof from) throw new to(message ? message() : (err as Error).message);
    throw err;
  };
}
