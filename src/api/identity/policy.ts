import type { AuthContext } from '../../identity/auth-context';
import { Forbidden } from '../../errors';
import type { Query } from '../query';
import { lastValue } from '../query';

/** Keystone's admin_required: the token must carry the admin role (403 in Keystone's words otherwise). */
export function requireAdmin(auth: AuthContext, action: string): void {
  if (!auth.isAdmin) throw forbidden(action);
}

/** identity:…_owner rules: the user acting on itself, or an admin. */
export function requireSelfOrAdmin(auth: AuthContext, userId: string, action: string): void {
  if (auth.userId !== userId && !auth.isAdmin) throw forbidden(action);
}

/** identity:change_password: only the user itself. */
export function requireSelf(auth: AuthContext, userId: string, action: string): void {
  if (auth.userId !== userId) throw forbidden(action);
}

function forbidden(action: string): Forbidden {
  return new Forbidden(`You are not authorized to perform the requested action: identity:${action}.`);
}

/** A query filter's value, the last one when repeated. */
export const filter = (q: Query, key: string): string | undefined => lastValue(q[key]);

/** Keystone's boolean query filters: '0' and 'false' (any case) are false, anything else true. */
export function booleanFilter(q: Query, key: string): boolean | undefined {
  const v = filter(q, key);
  if (v === undefined) return undefined;
  return !['0', 'false', 'no', 'off'].includes(v.toLowerCase());
}
