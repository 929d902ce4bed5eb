import type { Input } from '../routing';
import type { Schema } from '../validation';
import { ItemNotFound } from '../../errors';

/**
 * Nova's VersionNotFoundForAPIMethod: a method that does not exist at the requested microversion
 * answers a bare 404 ("as if the method is simply not implemented").
 */
export class VersionNotFound extends ItemNotFound {
  constructor() {
    super('The resource could not be found.');
  }
}

/** a route new in `min`: 404 below it */
export function requireMinVersion(input: Pick<Input, 'version'>, min: string): void {
  if (!input.version.atLeast(min)) throw new VersionNotFound();
}

/** a route removed in `removedAt`: 404 from it on */
export function requireBeforeVersion(input: Pick<Input, 'version'>, removedAt: string): void {
  if (input.version.atLeast(removedAt)) throw new VersionNotFound();
}

/** the body schema of versions where the route does not exist: anything (the handler answers 404 first, as Nova does) */
export const ANY_BODY: Schema = {};
