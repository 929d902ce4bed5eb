import type { Knex } from 'knex';
import { Conflict, NotFound } from '../../errors';
import { isUniqueViolation } from './identity';

export interface AggregateRecord {
  readonly id: number;
  readonly uuid: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly updatedAt: Date | null;
  /** in the order they were added */
  readonly hosts: string[];
  readonly metadata: Record<string, string>;
}

/** Nova's AggregateNotFound (404). */
export class AggregateNotFound extends NotFound {
  constructor(id: number | string) {
    super(`Aggregate ${id} could not be found.`);
  }
}

/** Nova's AggregateNameExists (409 on create and update). */
export class AggregateNameExists extends Conflict {
  constructor(name: string) {
    super(`Aggregate ${name} already exists.`);
  }
}

/** Nova's AggregateHostExists (409 on add_host). */
export class AggregateHostExists extends Conflict {
  constructor(id: number, host: string) {
    super(`Aggregate ${id} already has host ${host}.`);
  }
}

/** Nova's AggregateHostNotFound (remove_host answers it as 404 with a message of its own). */
export class AggregateHostNotFound extends NotFound {
  constructor(id: number, host: string) {
    super(`Aggregate ${id} has no host ${host}.`);
  }
}

export const AZ_KEY = 'availability_zone';

/** aggregates, aggregate_hosts and aggregate_metadata (migration 0019). */
export class AggregateStore {
  constructor(private readonly db: Knex) {}

  async list(): Promise<AggregateRecord[]> {
    return this.hydrate(this.db, await this.db('aggregates').orderBy('id'));
  }

  async find(id: number, db: Knex | Knex.Transaction = this.db): Promise<AggregateRecord> {
    const row = await db('aggregates').where({ id }).first();
    if (!row) throw new AggregateNotFound(id);
    return (await this.hydrate(db, [row]))[0];
  }

  /** A new aggregate with its initial metadata; a taken name is Nova's 409 (also when a concurrent create wins). */
  async create(a: { uuid: string; name: string; metadata: Record<string, string>; createdAt: Date }): Promise<AggregateRecord> {
    try {
      const id = await this.db.transaction(async (trx) => {
        if (await trx('aggregates').where({ name: a.name }).first()) throw new AggregateNameExists(a.name);
        const [row] = await trx('aggregates').insert({ uuid: a.uuid, name: a.name, created_at: a.createdAt.getTime(), updated_at: null }).returning('id');
        const newId = Number(typeof row === 'object' ? row.id : row);
        const entries = Object.entries(a.metadata);
        if (entries.length > 0) await trx('aggregate_metadata').insert(entries.map(([key, value]) => ({ aggregate_id: newId, key, value })));
        return newId;
      });
      return this.find(id);
    } catch (err) {
      if (isUniqueViolation(err)) throw new AggregateNameExists(a.name);
      throw err;
    }
  }

  async rename(id: number, name: string, now: Date): Promise<void> {
    try {
      await this.db.transaction(async (trx) => {
        await this.find(id, trx);
        const other = await trx('aggregates').where({ name }).whereNot({ id }).first();
        if (other) throw new AggregateNameExists(name);
        await trx('aggregates').where({ id }).update({ name, updated_at: now.getTime() });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AggregateNameExists(name);
      throw err;
    }
  }

  /** Nova's Aggregate.update_metadata: a null value removes the key, others are set; updated_at is touched. */
  async updateMetadata(id: number, updates: Record<string, string | null>, now: Date): Promise<void> {
    await this.db.transaction(async (trx) => {
      await this.find(id, trx);
      for (const [key, value] of Object.entries(updates)) {
        await trx('aggregate_metadata').where({ aggregate_id: id, key }).delete();
        if (value !== null) await trx('aggregate_metadata').insert({ aggregate_id: id, key, value });
      }
      await trx('aggregates').where({ id }).update({ updated_at: now.getTime() });
    });
  }

  async addHost(id: number, host: string, now: Date): Promise<void> {
    try {
      await this.db.transaction(async (trx) => {
        await this.find(id, trx);
        if (await trx('aggregate_hosts').where({ aggregate_id: id, host }).first()) throw new AggregateHostExists(id, host);
        await trx('aggregate_hosts').insert({ aggregate_id: id, host, created_at: now.getTime() });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AggregateHostExists(id, host);
      throw err;
    }
  }

  async removeHost(id: number, host: string): Promise<void> {
    await this.db.transaction(async (trx) => {
      await this.find(id, trx);
      const n = await trx('aggregate_hosts').where({ aggregate_id: id, host }).delete();
      if (n === 0) throw new AggregateHostNotFound(id, host);
    });
  }

  async delete(id: number): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx('aggregate_metadata').where({ aggregate_id: id }).delete();
      await trx('aggregate_hosts').where({ aggregate_id: id }).delete();
      const n = await trx('aggregates').where({ id }).delete();
      if (n === 0) throw new AggregateNotFound(id);
    });
  }

  /** host → the availability zones of the aggregates it is in (Nova's AggregateList.get_by_metadata_key). */
  async zonesByHost(): Promise<Map<string, string[]>> {
    const rows: { host: string; value: string }[] = await this.db('aggregate_hosts as h')
      .join('aggregate_metadata as m', 'm.aggregate_id', 'h.aggregate_id')
      .where('m.key', AZ_KEY).orderBy('h.aggregate_id').select('h.host', 'm.value');
    const out = new Map<string, string[]>();
    for (const r of rows) {
      const zones = out.get(r.host) ?? [];
      if (!zones.includes(r.value)) zones.push(r.value);
      out.set(r.host, zones);
    }
    return out;
  }

  /**
   * The instances table's availability_zone of a host's live servers: Nova shows a server's zone as
   * its host's (availability_zones.get_instance_availability_zone); we keep the column in step when
   * an aggregate changes the zone of a host.
   */
  async setInstancesZone(host: string, zone: string): Promise<void> {
    await this.db('instances').where({ host }).whereNull('deleted_at').whereNot({ availability_zone: zone }).update({ availability_zone: zone });
  }

  /** how many live servers these hosts run (Nova's InstanceList.get_count_by_hosts) */
  async countInstancesOnHosts(hosts: readonly string[]): Promise<number> {
    if (hosts.length === 0) return 0;
    const row = await this.db('instances').whereIn('host', hosts as string[]).whereNull('deleted_at').count({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }

  private async hydrate(db: Knex | Knex.Transaction, rows: Record<string, any>[]): Promise<AggregateRecord[]> { // eslint-disable-line @typescript-eslint/no-explicit-any
    if (rows.length === 0) return [];
    const ids = rows.map((r) => Number(r.id));
    const hosts: { aggregate_id: number; host: string }[] = await db('aggregate_hosts').whereIn('aggregate_id', ids)
      .orderBy('created_at').orderBy('host').select('aggregate_id', 'host');
    const meta: { aggregate_id: number; key: string; value: string }[] = await db('aggregate_metadata').whereIn('aggregate_id', ids)
      .orderBy('key').select('aggregate_id', 'key', 'value');
    return rows.map((r) => {
      const id = Number(r.id);
      return {
        id, uuid: r.uuid, name: r.name,
        createdAt: new Date(Number(r.created_at)), updatedAt: r.updated_at === null ? null : new Date(Number(r.updated_at)),
        hosts: hosts.filter((h) => Number(h.aggregate_id) === id).map((h) => h.host),
        metadata: Object.fromEntries(meta.filter((m) => Number(m.aggregate_id) === id).map((m) => [m.key, m.value])),
      };
    });
  }
}

