import type { Knex } from 'knex';
import { KeypairExists, KeypairNotFound } from '../../errors';

export interface KeypairRecord {
  readonly id: number;
  readonly userId: string;
  readonly name: string;
  readonly type: string;
  readonly publicKey: string;
  readonly fingerprint: string;
  readonly createdAt: Date;
}

export class KeypairStore {
  constructor(private readonly db: Knex) {}

  async list(userId: string): Promise<KeypairRecord[]> {
    return (await this.db('keypairs').where('user_id', userId).orderBy('name')).map(rowToKeypair);
  }

  /** Nova's get_key_pairs with limit/marker (2.35): names after the marker, in name order; null when the marker is unknown. */
  async page(userId: string, limit: number | undefined, marker: string | undefined): Promise<KeypairRecord[] | null> {
    if (marker !== undefined && !(await this.exists(userId, marker))) return null;
    const q = this.db('keypairs').where('user_id', userId).orderBy('name');
    if (marker !== undefined) q.andWhere('name', '>', marker);
    if (limit !== undefined) q.limit(limit);
    return (await q).map(rowToKeypair);
  }

  async find(userId: string, name: string): Promise<KeypairRecord> {
    const row = await this.db('keypairs').where({ user_id: userId, name }).first();
    if (!row) throw new KeypairNotFound(name);
    return rowToKeypair(row);
  }

  async insert(k: Omit<KeypairRecord, 'id'>): Promise<void> {
    try {
      await this.db('keypairs').insert({
        user_id: k.userId, name: k.name, type: k.type, public_key: k.publicKey,
        fingerprint: k.fingerprint, created_at: k.createdAt.getTime(),
      });
    } catch (err) {
      if (await this.exists(k.userId, k.name)) throw new KeypairExists(k.name);
      throw err;
    }
  }

  async delete(userId: string, name: string): Promise<void> {
    const n = await this.db('keypairs').where({ user_id: userId, name }).delete();
    if (n === 0) throw new KeypairNotFound(name);
  }

  private async exists(userId: string, name: string): Promise<boolean> {
    return !!(await this.db('keypairs').where({ user_id: userId, name }).first());
  }
}

function rowToKeypair(row: Record<string, any>): KeypairRecord { // eslint-disable-line @typescript-eslint/no-explicit-any
  return {
    id: Number(row.id), userId: row.user_id, name: row.name, type: row.type, publicKey: row.public_key,
    fingerprint: row.fingerprint, createdAt: new Date(Number(row.created_at)),
  };
}
