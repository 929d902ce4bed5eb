import type { Knex } from 'knex';
import type { FlavorRecord } from './flavors';
import { InstanceNotFound } from '../../errors';
import { applyTagFilter, insertTags, TagFilter, tagsOf } from './instance-tags';
import { keyedRows, RecordCache, selectPacked, selectRows } from './instance-rows';
import type { NetworkAddress, DriverState } from '../../drivers/driver';
import type { TaskState, VmState } from '../../compute/states';

/** The flavor as booted: Nova keeps this copy on the instance so later flavor changes don't alter it. */
export type FlavorSnapshot = Pick<FlavorRecord, 'id' | 'name' | 'memoryMb' | 'vcpus' | 'rootGb' | 'ephemeralGb' | 'swap'>;

export interface InstanceFault {
  readonly code: number;
  readonly message: string;
  readonly details: string;
  readonly createdAt: Date;
}

export interface InstanceRecord {
  readonly uuid: string;
  readonly displayName: string;
  readonly hostname: string;
  readonly projectId: string;
  readonly userId: string;
  readonly host: string | null;
  readonly node: string | null;
  readonly availabilityZone: string;
  readonly imageRef: string;
  readonly flavor: FlavorSnapshot;
  readonly vmState: VmState;
  readonly taskState: TaskState | null;
  readonly powerState: number;
  readonly keyName: string | null;
  readonly keyData: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  readonly addresses: readonly NetworkAddress[];
  readonly driverState: DriverState | null;
  readonly accessIPv4: string | null;
  readonly accessIPv6: string | null;
  readonly diskConfig: string;
  readonly configDrive: string;
  readonly userData: string | null;
  readonly reservationId: string;
  readonly launchIndex: number;
  readonly progress: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly launchedAt: Date | null;
  readonly terminatedAt: Date | null;
  readonly deletedAt: Date | null;
  readonly fault: InstanceFault | null;
  /** the flavor before an unconfirmed resize (VERIFY_RESIZE), for revertResize; null or absent otherwise */
  readonly oldFlavor?: FlavorSnapshot | null;
  /** the flavor a resize or revert under way moves the server to (Nova's new_flavor); counted against quota while it runs */
  readonly newFlavor?: FlavorSnapshot | null;
  /** Nova's lock: while set, only admins may act on the server */
  readonly locked: boolean;
  /** who holds the lock: the owning project or an admin of another one (null when unlocked) */
  readonly lockedBy: LockedBy | null;
  /** while shelved: the shelve snapshot image, when and where (Nova's shelved_* system metadata); null or absent otherwise */
  readonly shelved?: ShelvedInfo | null;
  /** the server tags (2.26), ascending; filled by find and list, absent on records not read from the store */
  readonly tags?: readonly string[];
  /** Nova's display_description (2.19); null or absent when none was given */
  readonly description?: string | null;
  /** why the server was locked (2.73's lock {"locked_reason"}); null or absent otherwise */
  readonly lockedReason?: string | null;
  /** 'none' for a server booted with 2.37's `networks: "none"` (no network at all); null or absent: the default network */
  readonly requestedNetworks?: 'none' | null;
}

export interface ShelvedInfo {
  readonly imageId: string;
  /** ISO 8601 time the shelve finished */
  readonly at: string;
  /** the host the server was shelved on */
  readonly host: string;
  /** once offloaded: the IPv4 fixed addresses it had, for the unshelve's new container (Nova keeps the port) */
  readonly fixedIps?: readonly string[];
}

export type LockedBy = 'owner' | 'admin';

export type InstancePatch = Partial<Pick<InstanceRecord, 'imageRef' | 'flavor' | 'oldFlavor' | 'newFlavor' | 'metadata' |
  'displayName' | 'hostname' | 'vmState' | 'taskState' | 'powerState' | 'addresses' | 'driverState' | 'accessIPv4' |
  'accessIPv6' | 'diskConfig' | 'launchedAt' | 'terminatedAt' | 'deletedAt' | 'progress' | 'host' | 'node' |
  'locked' | 'lockedBy' | 'shelved' |
  'description' | 'lockedReason' | 'keyName' | 'keyData' | 'userData'>>;

/** Exact-match filters done in SQL; regex filters (name, ip) are applied by the caller. */
export interface InstanceQuery {
  readonly projectId?: string;
  readonly vmStates?: readonly VmState[];
  readonly taskStates?: readonly TaskState[];
  readonly imageRef?: string;
  readonly flavorId?: string;
  readonly host?: string;
  readonly reservationId?: string;
  readonly changesSince?: Date;
  /** deleted instances are listed only for changes-since queries (Nova's behaviour) */
  readonly includeDeleted?: boolean;
  /** leave out SOFT_DELETED servers (Nova's server list without `deleted`: soft_deleted False) */
  readonly excludeSoftDeleted?: boolean;
  /** the tag filters of GET /servers (2.26) */
  readonly tags?: TagFilter;
}

const COLUMNS: Record<keyof InstancePatch, string> = {
  displayName: 'display_name', hostname: 'hostname', vmState: 'vm_state', taskState: 'task_state',
  powerState: 'power_state', addresses: 'addresses_json', driverState: 'driver_state', accessIPv4: 'access_ip_v4',
  accessIPv6: 'access_ip_v6', diskConfig: 'disk_config', launchedAt: 'launched_at', terminatedAt: 'terminated_at',
  deletedAt: 'deleted_at', progress: 'progress', host: 'host', node: 'node',
  imageRef: 'image_ref', flavor: 'flavor_json', oldFlavor: 'old_flavor_json', newFlavor: 'new_flavor_json', metadata: 'metadata_json',
  locked: 'locked', lockedBy: 'locked_by',
  shelved: 'shelved_json',
  description: 'description', lockedReason: 'locked_reason', keyName: 'key_name', keyData: 'key_data', userData: 'user_data',
};

export class InstanceStore {
  /** records of listed rows by content: see instance-rows.ts */
  private readonly records = new RecordCache<InstanceRecord>();
  private columns?: Promise<{ column: string; name: string }[]>;

  constructor(private readonly db: Knex) {}

  /** One multi-row INSERT: a multiple create stores all of its instances or none. */
  async insert(...records: InstanceRecord[]): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx('instances').insert(records.map(recordToRow));
      await insertTags(trx, records.map((r) => ({ uuid: r.uuid, tags: r.tags })));
    });
  }

  /** A live instance; deleted ones are 404 unless asked for (admins listing changes-since). */
  async find(uuid: string, opts: { includeDeleted?: boolean } = {}): Promise<InstanceRecord> {
    const q = this.withFault().where('instances.uuid', uuid);
    if (!opts.includeDeleted) q.whereNull('instances.deleted_at');
    const row = await q.first();
    if (!row) throw new InstanceNotFound(uuid);
    return { ...rowToRecord(row), tags: (await tagsOf(this.db, [uuid])).get(uuid) };
  }

  /** Newest first, as Nova's default sort (created_at desc, uuid desc). */
  async list(q: InstanceQuery): Promise<InstanceRecord[]> {
    const query = this.withFault();
    if (q.projectId) query.where('instances.project_id', q.projectId);
    if (!q.includeDeleted) query.whereNull('instances.deleted_at');
    if (q.vmStates) query.whereIn('instances.vm_state', q.vmStates as string[]);
    if (q.excludeSoftDeleted) query.whereNot('instances.vm_state', 'soft-delete');
    if (q.taskStates) query.whereIn('instances.task_state', q.taskStates as string[]);
    if (q.imageRef) query.where('instances.image_ref', q.imageRef);
    if (q.flavorId) query.where('instances.flavor_id', q.flavorId);
    if (q.host) query.where('instances.host', q.host);
    if (q.reservationId) query.where('instances.reservation_id', q.reservationId);
    if (q.changesSince) query.where('instances.updated_at', '>=', q.changesSince.getTime());
    query.orderBy([{ column: 'instances.created_at', order: 'desc' }, { column: 'instances.uuid', order: 'desc' }]);
    if (q.tags) applyTagFilter(this.db, query, q.tags);
    // each row as one JSON text (SQLite) or an array, and an unchanged row (and tags) gives the same frozen record as before (instance-rows.ts)
    const rows = await selectPacked(this.db, query, 'instances.uuid', await this.listColumns())
      ?? keyedRows(await selectRows(this.db, query));
    const tags = await tagsOf(this.db, rows.map((r) => r.uuid)); // one query for the whole list
    return this.records.records(rows, (uuid) => tags.get(uuid) ?? [], (row, t) => ({ ...rowToRecord(row), tags: t }));
  }

  /**
   * Updates an instance; with `expectTask` only if its task_state is still that value (compare and
   * swap), so two concurrent actions cannot both win. Returns whether a row changed.
   */
  async update(uuid: string, patch: InstancePatch, expectTask?: TaskState | null): Promise<boolean> {
    const q = this.db('instances').where('uuid', uuid).whereNull('deleted_at');
    if (expectTask !== undefined) {
      if (expectTask === null) q.whereNull('task_state');
      else q.where('task_state', expectTask);
    }
    const changed = (await q.update({ ...patchToRow(patch), updated_at: Date.now() })) > 0;
    // Nova's instance_destroy drops the server's tags with it
    if (changed && patch.deletedAt) await this.db('instance_tags').where('instance_uuid', uuid).del();
    return changed;
  }

  async setFault(uuid: string, fault: InstanceFault): Promise<void> {
    await this.db('instance_faults')
      .insert({ instance_uuid: uuid, code: fault.code, message: fault.message.slice(0, 4000), details: fault.details, created_at: fault.createdAt.getTime() })
      .onConflict('instance_uuid').merge();
  }

  private withFault() {
    return this.db('instances')
      .leftJoin('instance_faults', 'instances.uuid', 'instance_faults.instance_uuid')
      .select('instances.*', ...FAULT_COLUMNS.map((f) => `${f.column} as ${f.name}`));
  }

  /** the columns withFault selects, named (every column of instances, read once: migrations run before) */
  private listColumns(): Promise<{ column: string; name: string }[]> {
    this.columns ??= this.db('instances').columnInfo().then((info) => [
      ...Object.keys(info).map((name) => ({ column: `instances.${name}`, name })), ...FAULT_COLUMNS,
    ]);
    return this.columns;
  }
}

/** the fault columns a listed or found instance carries (withFault) */
const FAULT_COLUMNS = [
  { column: 'instance_faults.code', name: 'fault_code' }, { column: 'instance_faults.message', name: 'fault_message' },
  { column: 'instance_faults.details', name: 'fault_details' }, { column: 'instance_faults.created_at', name: 'fault_created_at' },
] as const;

const ms = (d: Date | null) => (d ? d.getTime() : null);
const date = (v: unknown) => (v === null || v === undefined ? null : new Date(Number(v)));

function patchToRow(p: InstancePatch): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(p) as [keyof InstancePatch, unknown][]) {
    row[COLUMNS[key]] = serialize(key, value);
    if (key === 'flavor') row.flavor_id = (value as FlavorSnapshot).id; // the id is also a column, for ?flavor=
  }
  return row;
}

function serialize(key: keyof InstancePatch, value: unknown): unknown {
  if (key === 'addresses') return JSON.stringify(value);
  if (key === 'driverState') return value === null ? null : JSON.stringify(value);
  if (key === 'flavor' || key === 'oldFlavor' || key === 'newFlavor' || key === 'metadata' || key === 'shelved') return value === null || value === undefined ? null : JSON.stringify(value);
  if (value instanceof Date) return value.getTime();
  return value;
}

function recordToRow(i: InstanceRecord): Record<string, unknown> {
  return {
    uuid: i.uuid, display_name: i.displayName, hostname: i.hostname, project_id: i.projectId, user_id: i.userId,
    host: i.host, node: i.node, availability_zone: i.availabilityZone, image_ref: i.imageRef, flavor_id: i.flavor.id,
    flavor_json: JSON.stringify(i.flavor), vm_state: i.vmState, task_state: i.taskState, power_state: i.powerState,
    key_name: i.keyName, key_data: i.keyData, metadata_json: JSON.stringify(i.metadata),
    addresses_json: JSON.stringify(i.addresses), driver_state: i.driverState ? JSON.stringify(i.driverState) : null,
    access_ip_v4: i.accessIPv4, access_ip_v6: i.accessIPv6, disk_config: i.diskConfig, config_drive: i.configDrive,
    user_data: i.userData, reservation_id: i.reservationId, launch_index: i.launchIndex, progress: i.progress,
    created_at: ms(i.createdAt), updated_at: ms(i.updatedAt), launched_at: ms(i.launchedAt),
    terminated_at: ms(i.terminatedAt), deleted_at: ms(i.deletedAt),
    old_flavor_json: i.oldFlavor ? JSON.stringify(i.oldFlavor) : null,
    new_flavor_json: i.newFlavor ? JSON.stringify(i.newFlavor) : null,
    locked: i.locked, locked_by: i.lockedBy,
    shelved_json: i.shelved ? JSON.stringify(i.shelved) : null,
    description: i.description ?? null, locked_reason: i.lockedReason ?? null, requested_networks: i.requestedNetworks ?? null,
  };
}

function rowToRecord(r: Record<string, any>): InstanceRecord { // eslint-disable-line @typescript-eslint/no-explicit-any
  return {
    uuid: r.uuid, displayName: r.display_name, hostname: r.hostname, projectId: r.project_id, userId: r.user_id,
    host: r.host, node: r.node, availabilityZone: r.availability_zone, imageRef: r.image_ref,
    flavor: JSON.parse(r.flavor_json), vmState: r.vm_state, taskState: r.task_state, powerState: Number(r.power_state),
    keyName: r.key_name, keyData: r.key_data, metadata: JSON.parse(r.metadata_json),
    addresses: JSON.parse(r.addresses_json), driverState: r.driver_state ? JSON.parse(r.driver_state) : null,
    accessIPv4: r.access_ip_v4, accessIPv6: r.access_ip_v6, diskConfig: r.disk_config, configDrive: r.config_drive,
    userData: r.user_data, reservationId: r.reservation_id, launchIndex: Number(r.launch_index), progress: Number(r.progress),
    createdAt: date(r.created_at)!, updatedAt: date(r.updated_at)!, launchedAt: date(r.launched_at),
    terminatedAt: date(r.terminated_at), deletedAt: date(r.deleted_at),
    oldFlavor: r.old_flavor_json ? JSON.parse(r.old_flavor_json) : null,
    newFlavor: r.new_flavor_json ? JSON.parse(r.new_flavor_json) : null,
    locked: Boolean(r.locked), lockedBy: r.locked_by ?? null,
    shelved: r.shelved_json ? JSON.parse(r.shelved_json) : null,
    description: r.description ?? null, lockedReason: r.locked_reason ?? null, requestedNetworks: r.requested_networks ?? null,
    fault: r.fault_code === null || r.fault_code === undefined ? null : {
      code: Number(r.fault_code), message: r.fault_message, details: r.fault_details, createdAt: date(r.fault_created_at)!,
    },
  };
}
