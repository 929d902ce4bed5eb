import type { RouteDef } from '../routing';
import { versioned } from '../microversion';
import { ANY_BODY, requireBeforeVersion } from './version-gates';

/**
 * Routes Nova removed at a microversion (the proxy APIs: 2.36 for the image, network and volume
 * proxies, 2.39 for image metadata): from `removedAt` on they answer Nova's bare 404, before any
 * body validation (Nova picks the method by version before validating), and below it as before.
 */
export function removedAt(removed: string, routes: readonly RouteDef[]): RouteDef[] {
  const before = previous(removed);
  return routes.map((route) => ({
    ...route,
    body: route.body !== null && route.body !== 'raw' && route.body.values().length === 1
      ? versioned([{ min: '2.1', max: before, value: route.body.values()[0] }, { min: removed, value: ANY_BODY }])
      : route.body,
    errors: route.errors.includes(404) ? route.errors : [...route.errors, 404],
    handler: async (input, ctx) => {
      requireBeforeVersion(input, removed);
      return route.handler(input, ctx);
    },
  }));
}

function previous(version: string): string {
  const [major, minor] = version.split('.').map(Number);
  return `${major}.${minor - 1}`;
}
