import type { AuthContext } from '../identity/auth-context';
import { Forbidden } from '../errors';

/**
 * Nova's admin-only rules that are checked after the server lookup, so that a server of another
 * project is a 404 before it is a 403. Whole-route admin rules are declared on the route instead.
 */
export function requireAdminPolicy(auth: AuthContext, rule: string): void {
  if (!auth.isAdmin) throw new Forbidden(`Policy doesn't allow os_compute_api:${rule} to be performed.`);
}
