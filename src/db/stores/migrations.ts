import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { BadRequest, NotFound } from '../../errors';

/** Nova's fields.MigrationType */
export type MigrationType = 'migration' | 'resize' | 'live-migration' | 'evacuation';

/** Nova's objects.Migration, as far as os-migrations shows it. */
export interface MigrationRecord {
  readonly id: number;
  readonly uuid: string;
  readonly instanceUuid: string;
  readonly migrationType: MigrationType;
  readonly status: string;
  readonly sourceCompute: string | null;
  readonly sourceNode: string | null;
  readonly destCompute: string | null;
  readonly destNode: string | null;
  readonly destHost: string | null;
  readonly oldInstanceTypeId: number | null;
  readonly newInstanceTypeId: number | null;
  readonly hidden: boolean;
  readonly projectId: string | null;
  readonly userId: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date | null;
}

export type NewMigration = Omit<MigrationRecord, 'id' | 'uuid' | 'hidden' | 'createdAt' | 'updatedAt'>;
export type MigrationPatch = Partial<Pick<MigrationRecord, 'status' | 'destCompute' | 'destNode' | 'destHost'>>;

/** Nova's migration_get_all_by_filters: exact-match filters, paging by uuid marker, newest first. */
export interface MigrationQuery {
  readonly status?: string;
  /** source or destination compute */
  readonly host?: string;
  readonly sourceCompute?: string;
  readonly instanceUuid?: string;
  readonly migrationType?: string;
  readonly hidden?: boolean;
  /** updated_at (or created_at when never updated) at or after */
  readonly changesSince?: Date;
  /** updated_at (or created_at when never updated) at or before */
  readonly changesBefore?: Date;
  readonly limit?: number;
  /** the uuid of the last migration of the previous page */
  readonly marker?: string;
}

/** Nova's MarkerNotFound (400). */
export class MarkerNotFound extends BadRequest {
  constructor(marker: string) {
    super(`Marker ${marker} could not be found.`);
  }
}

/** Nova's MigrationNotFoundForInstance (404; force_complete answers it as 400). */
export class MigrationNotFoundForInstance extends NotFound {
  constructor(id: string, instanceUuid: string) {
    super(`Migration ${id} not found for instance ${instanceUuid}`);
  }
}

const COLUMNS: Record<keyof MigrationPatch, string> = {
  status: 'status', destCompute: 'dest_compute', destNode: 'dest_node', destHost: 'dest_host',
};

export class MigrationStore {
  constructor(private readonly db: Knex) {}

  async create(m: NewMigration): Promise<MigrationRecord> {
    const uuid = randomUUID();
    await this.db('migrations').insert({
      uuid, instance_uuid: m.instanceUuid, migration_type: m.migrationType, status: m.status,
      source_compute: m.sourceCompute, source_node: m.sourceNode, dest_compute: m.destCompute, dest_node: m.destNode,
      dest_host: m.destHost, old_instance_type_id: m.oldInstanceTypeId, new_instance_type_id: m.newInstanceTypeId,
      hidden: false, project_id: m.projectId, user_id: m.userId, created_at: Date.now(), updated_at: null,
    });
    return this.findByUuid(uuid) as Promise<MigrationRecord>;
  }

  /** Sets the status (and destination); with `expectStatus` only when the status is still one of those. */
  async update(id: number, patch: MigrationPatch, expectStatus?: readonly string[]): Promise<boolean> {
    const row: Record<string, unknown> = { updated_at: Date.now() };
    for (const [k, v] of Object.entries(patch)) row[COLUMNS[k as keyof MigrationPatch]] = v;
    const q = this.db('migrations').where('id', id);
    if (expectStatus) q.whereIn('status', expectStatus as string[]);
    return (await q.update(row)) > 0;
  }

  async findByUuid(uuid: string): Promise<MigrationRecord | undefined> {
    const row = await this.live().where('migrations.uuid', uuid).first();
    return row ? toRecord(row) : undefined;
  }

  /** Nova's Migration.get_by_id_and_instance: MigrationNotFoundForInstance when the id is not one of the server's. */
  async findForInstance(id: string, instanceUuid: string): Promise<MigrationRecord> {
    const n = Number(id);
    const row = Number.isInteger(n) && /^\d+$/.test(id)
      ? await this.live().where('migrations.id', n).where('migrations.instance_uuid', instanceUuid).first()
      : undefined;
    if (!row) throw new MigrationNotFoundForInstance(id, instanceUuid);
    return toRecord(row);
  }

  /** The newest migration of a server, of one type and in one of some statuses. */
  async latest(instanceUuid: string, type: MigrationType, statuses: readonly string[]): Promise<MigrationRecord | undefined> {
    const row = await this.live().where('migrations.instance_uuid', instanceUuid).where('migrations.migration_type', type)
      .whereIn('migrations.status', statuses as string[]).orderBy([{ column: 'migrations.created_at', order: 'desc' }, { column: 'migrations.id', order: 'desc' }]).first();
    return row ? toRecord(row) : undefined;
  }

  /** Newest first (created_at desc, id desc), as Nova's get_migrations_sorted. */
  async list(q: MigrationQuery): Promise<MigrationRecord[]> {
    if (q.limit === 0) return [];
    const query = this.live();
    if (q.status !== undefined) query.where('migrations.status', q.status);
    if (q.host !== undefined) query.where((w) => w.where('migrations.source_compute', q.host!).orWhere('migrations.dest_compute', q.host!));
    else if (q.sourceCompute !== undefined) query.where('migrations.source_compute', q.sourceCompute);
    if (q.migrationType !== undefined) query.where('migrations.migration_type', q.migrationType);
    if (q.hidden !== undefined) query.where('migrations.hidden', q.hidden);
    if (q.instanceUuid !== undefined) query.where('migrations.instance_uuid', q.instanceUuid);
    // Nova's _get_query_nova_resource_by_changes_time: coalesce(updated_at, created_at)
    const changed = this.db.raw('coalesce(migrations.updated_at, migrations.created_at)');
    if (q.changesSince) query.where(changed, '>=', q.changesSince.getTime());
    if (q.changesBefore) query.where(changed, '<=', q.changesBefore.getTime());
    if (q.marker !== undefined) {
      const marker = await this.db('migrations').where('uuid', q.marker).first();
      if (!marker) throw new MarkerNotFound(q.marker);
      const at = Number(marker.created_at);
      query.where((w) => w.where('migrations.created_at', '<', at)
        .orWhere((x) => x.where('migrations.created_at', at).where('migrations.id', '<', marker.id)));
    }
    query.orderBy([{ column: 'migrations.created_at', order: 'desc' }, { column: 'migrations.id', order: 'desc' }]);
    if (q.limit !== undefined) query.limit(q.limit);
    return (await query).map(toRecord);
  }

  /** Nova soft-deletes a server's migrations with the server: those of deleted servers are not shown. */
  private live() {
    return this.db('migrations').select('migrations.*')
      .leftJoin('instances', 'instances.uuid', 'migrations.instance_uuid')
      .whereNull('instances.deleted_at');
  }
}

const date = (v: unknown) => (v === null || v === undefined ? null : new Date(Number(v)));
const int = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function toRecord(r: Record<string, any>): MigrationRecord { // eslint-disable-line @typescript-eslint/no-explicit-any
  return {
    id: Number(r.id), uuid: r.uuid, instanceUuid: r.instance_uuid, migrationType: r.migration_type, status: r.status,
    sourceCompute: r.source_compute, sourceNode: r.source_node, destCompute: r.dest_compute, destNode: r.dest_node,
    destHost: r.dest_host, oldInstanceTypeId: int(r.old_instance_type_id), newInstanceTypeId: int(r.new_instance_type_id),
    hidden: Boolean(r.hidden), projectId: r.project_id ?? null, userId: r.user_id ?? null,
    createdAt: date(r.created_at)!, updatedAt: date(r.updated_at),
  };
}

/** Nova shows the flavor's internal integer id; a flavor here has only its flavorid: the integer one, or null. */
export function instanceTypeId(flavorId: string): number | null {
  return /^\d{1,9}$/.test(flavorId) ? Number(flavorId) : null;
}
