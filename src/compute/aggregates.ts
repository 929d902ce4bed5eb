import { randomUUID } from 'node:crypto';
import type { DriverRegistry } from '../drivers/registry';
import {
  AggregateHostNotFound, AggregateNotFound, AggregateRecord, AggregateStore, AZ_KEY,
} from '../db/stores/aggregates';
import { BadRequest, Conflict, ItemNotFound } from '../errors';
import type { HostZones } from './availability-zones';

/** Nova's InvalidAggregateAction* messages, by the action that was refused */
const REFUSED = {
  add: (id: number, reason: string) => `Cannot add host to aggregate ${id}. Reason: ${reason}.`,
  delete: (id: number, reason: string) => `Cannot remove host from aggregate ${id}. Reason: ${reason}.`,
  update: (id: number, reason: string) => `Cannot update aggregate ${id}. Reason: ${reason}.`,
  updateMeta: (id: number, reason: string) => `Cannot update metadata of aggregate ${id}. Reason: ${reason}.`,
} as const;
type RefusedAction = keyof typeof REFUSED;

/** Nova's InvalidAggregateAction: 400, except on add_host where the API answers it as 409 */
class InvalidAggregateAction extends BadRequest {}

/** Nova's ComputeHostNotFound (404) */
export class ComputeHostNotFound extends ItemNotFound {
  constructor(host: string) {
    super(`Compute host ${host} could not be found.`);
  }
}

/** Python's repr of a list of strings, as Nova puts it in its messages ("['az1', 'az2']") */
const pyList = (items: readonly string[]) => `[${items.map((i) => `'${i}'`).join(', ')}]`;

const MAX_DB_INT = 2 ** 31 - 1;

/** Nova's utils.validate_integer(id, 'id'): 400 for a non-integer id; an id no row can have is a plain 404. */
export function aggregateId(raw: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(raw)) throw new BadRequest('Invalid input received: id must be an integer');
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || Math.abs(id) > MAX_DB_INT) throw new AggregateNotFound(raw.trim());
  return id;
}

/**
 * Host aggregates (Nova's compute.api.AggregateAPI): CRUD, hosts and metadata, the availability
 * zone as metadata key `availability_zone` with Nova's safety checks (a host in one zone only; a
 * zone with servers in it cannot be renamed). Hosts are novashim's compute hosts. When a host's
 * zone changes, its live servers' OS-EXT-AZ:availability_zone follows (Nova reads it from the host).
 */
export class AggregateService {
  constructor(private readonly store: AggregateStore, private readonly drivers: DriverRegistry, private readonly zones: HostZones) {}

  list(): Promise<AggregateRecord[]> {
    return this.store.list();
  }

  get(rawId: string): Promise<AggregateRecord> {
    return this.store.find(aggregateId(rawId));
  }

  async create(name: string, zone: string | null | undefined): Promise<AggregateRecord> {
    return this.store.create({ uuid: randomUUID(), name, metadata: zone ? { [AZ_KEY]: zone } : {}, createdAt: new Date() });
  }

  /** PUT: a new name and/or zone; the name is saved before the zone is checked, as in Nova */
  async update(rawId: string, changes: { name?: string; availability_zone?: string | null }): Promise<AggregateRecord> {
    const id = aggregateId(rawId);
    let aggregate = await this.store.find(id);
    const now = new Date();
    if (changes.name !== undefined) {
      await this.store.rename(id, changes.name, now);
      aggregate = await this.store.find(id);
    }
    if (Object.hasOwn(changes, 'availability_zone')) {
      const values = { [AZ_KEY]: changes.availability_zone ?? null };
      await this.checkZoneChange(values, aggregate, 'update', { checkNoInstances: true });
      await this.store.updateMetadata(id, values, now);
      await this.syncHostZones(aggregate.hosts);
    }
    return this.store.find(id);
  }

  /** set_metadata: a null value removes its key */
  async setMetadata(rawId: string, metadata: Record<string, string | null>): Promise<AggregateRecord> {
    const id = aggregateId(rawId);
    const aggregate = await this.store.find(id);
    await this.checkZoneChange(metadata, aggregate, 'updateMeta', { checkNoInstances: true });
    await this.store.updateMetadata(id, metadata, new Date());
    if (Object.hasOwn(metadata, AZ_KEY)) await this.syncHostZones(aggregate.hosts);
    return this.store.find(id);
  }

  async delete(rawId: string): Promise<void> {
    const id = aggregateId(rawId);
    const aggregate = await this.store.find(id);
    if (aggregate.hosts.length > 0) throw new InvalidAggregateAction(REFUSED.delete(id, 'Host aggregate is not empty'));
    await this.store.delete(id);
  }

  async addHost(rawId: string, host: string): Promise<AggregateRecord> {
    const id = aggregateId(rawId);
    this.requireComputeHost(host);
    const aggregate = await this.store.find(id);
    try {
      await this.checkZoneChange(aggregate.metadata, aggregate, 'add', { hosts: [host] });
    } catch (err) {
      if (err instanceof InvalidAggregateAction) throw new Conflict(err.message);
      throw err;
    }
    await this.store.addHost(id, host, new Date());
    await this.syncHostZones([host]);
    return this.store.find(id);
  }

  /** remove_host: Nova answers every "not there" alike, with a message of its own */
  async removeHost(rawId: string, host: string): Promise<AggregateRecord> {
    const id = aggregateId(rawId);
    const notFound = new ItemNotFound(`Cannot remove host ${host} in aggregate ${rawId}`);
    try {
      this.requireComputeHost(host);
      await this.store.removeHost(id, host);
    } catch (err) {
      if (err instanceof AggregateNotFound || err instanceof AggregateHostNotFound || err instanceof ComputeHostNotFound) throw notFound;
      throw err;
    }
    await this.syncHostZones([host]);
    return this.store.find(id);
  }

  /** Nova's _get_service_in_cell_by_host: only a compute host novashim knows */
  private requireComputeHost(host: string): void {
    if (!this.drivers.hosts().includes(host)) throw new ComputeHostNotFound(host);
  }

  /** Nova's AggregateAPI.is_safe_to_update_az */
  private async checkZoneChange(
    metadata: Record<string, string | null>, aggregate: AggregateRecord, action: RefusedAction,
    opts: { hosts?: readonly string[]; checkNoInstances?: boolean },
  ): Promise<void> {
    if (!Object.hasOwn(metadata, AZ_KEY)) return;
    const zone = metadata[AZ_KEY];
    const refuse = (reason: string) => new InvalidAggregateAction(REFUSED[action](aggregate.id, reason));
    if (!zone) throw refuse(`Aggregate ${aggregate.name} does not support empty named availability zone`);
    const hosts = opts.hosts && opts.hosts.length > 0 ? opts.hosts : aggregate.hosts;
    const conflicting = (await this.store.list())
      .filter((a) => a.id !== aggregate.id && Object.hasOwn(a.metadata, AZ_KEY) && a.metadata[AZ_KEY] !== zone)
      .filter((a) => a.hosts.some((h) => hosts.includes(h)))
      .map((a) => a.metadata[AZ_KEY]);
    if (conflicting.length > 0) throw refuse(`One or more hosts already in availability zone(s) ${pyList(conflicting)}`);
    const sameZone = aggregate.metadata[AZ_KEY] === zone;
    if (opts.checkNoInstances && !sameZone && await this.store.countInstancesOnHosts(hosts) > 0) {
      throw refuse('One or more hosts contain instances in this zone');
    }
  }

  private async syncHostZones(hosts: readonly string[]): Promise<void> {
    for (const host of hosts) await this.store.setInstancesZone(host, await this.zones.zoneOf(host));
  }
}
