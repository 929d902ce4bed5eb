import type { Knex } from 'knex';

export interface ConsoleTokenRecord {
  readonly tokenHash: string;
  readonly consoleType: string;
  readonly instanceUuid: string;
  readonly expiresAt: Date;
  readonly createdAt: Date;
}

/** console_auth_tokens: hashed one-time console tokens (see migration 0011). */
export class ConsoleTokenStore {
  constructor(private readonly db: Knex) {}

  async insert(t: ConsoleTokenRecord): Promise<void> {
    await this.db('console_auth_tokens').insert({
      token_hash: t.tokenHash, console_type: t.consoleType, instance_uuid: t.instanceUuid,
      expires_at: t.expiresAt.getTime(), created_at: t.createdAt.getTime(),
    });
  }

  /**
   * Takes the token: the row is deleted, so only one caller ever gets it (the DELETE is the claim,
   * atomic across processes sharing the database). Null when unknown, used or expired at `now`.
   */
  async consume(tokenHash: string, now: Date): Promise<ConsoleTokenRecord | null> {
    const row = await this.db('console_auth_tokens').where('token_hash', tokenHash).first();
    if (!row) return null;
    const taken = await this.db('console_auth_tokens').where('token_hash', tokenHash).delete();
    if (taken !== 1 || Number(row.expires_at) <= now.getTime()) return null;
    return rowToToken(row);
  }

  /** Looks a live token up without taking it (os-console-auth-tokens); null when unknown, used or expired. */
  async peek(tokenHash: string, now: Date): Promise<ConsoleTokenRecord | null> {
    const row = await this.db('console_auth_tokens').where('token_hash', tokenHash).first();
    return row && Number(row.expires_at) > now.getTime() ? rowToToken(row) : null;
  }

  /** drops every token that expired by `now`; returns how many */
  async purgeExpired(now: Date): Promise<number> {
    return this.db('console_auth_tokens').where('expires_at', '<=', now.getTime()).delete();
  }
}

function rowToToken(row: Record<string, any>): ConsoleTokenRecord { // eslint-disable-line @typescript-eslint/no-explicit-any
  return {
    tokenHash: row.token_hash, consoleType: row.console_type, instanceUuid: row.instance_uuid,
    expiresAt: new Date(Number(row.expires_at)), createdAt: new Date(Number(row.created_at)),
  };
}
