import type { AuthContext } from './auth-context';

/**
 * Validated tokens, so that a request does not read the token, user, project and roles again
 * (four queries of a ~1 ms GET /servers/{id}). An entry is good until the earlier of `ttlMs` after
 * it was made and the token's expiry, and only while the identity store's generation is the one
 * it was made at: any identity write of this process (revocation, disabling, deletion, role
 * change, password change) bumps it, so such changes take effect at once here. Another API
 * process on the same database sees them within `ttlMs` (keystonemiddleware caches validated
 * tokens for token_cache_time, 300 s by default, in the same way).
 */
export class TokenCache {
  private readonly entries = new Map<string, { context: AuthContext; until: number; generation: number }>();

  constructor(private readonly ttlMs: number, private readonly max = 10_000) {}

  get(tokenHash: string, now: number, generation: number): AuthContext | undefined {
    const hit = this.entries.get(tokenHash);
    if (!hit) return undefined;
    if (hit.generation === generation && now < hit.until) return hit.context;
    this.entries.delete(tokenHash);
    return undefined;
  }

  /** `generation`: the store's generation read BEFORE the context was read from it */
  set(tokenHash: string, context: AuthContext, now: number, generation: number): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!); // the oldest
    this.entries.set(tokenHash, { context: freeze(context), until: Math.min(now + this.ttlMs, context.expiresAt.getTime()), generation });
  }
}

/** one context serves many requests: none may change it */
function freeze(context: AuthContext): AuthContext {
  Object.freeze(context.roles);
  Object.freeze(context.methods);
  return Object.freeze(context);
}
