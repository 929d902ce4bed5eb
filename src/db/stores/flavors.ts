import type { Knex } from 'knex';
import { Conflict, FlavorNotFound, NotFound } from '../../errors';

export interface FlavorRecord {
  readonly id: string;
  readonly name: string;
  readonly memoryMb: number;
  readonly vcpus: number;
  readonly rootGb: number;
  readonly ephemeralGb: number;
  readonly swap: number;
  readonly rxtxFactor: number;
  readonly isPublic: boolean;
  readonly disabled: boolean;
  readonly description: string | null;
}

/** Who looks at flavors: admins see every flavor, others public ones and private ones shared with their project. */
export interface FlavorViewer {
  readonly isAdmin: boolean;
  readonly projectId: string | null;
}

export interface FlavorQuery {
  readonly isPublic?: boolean | null;
  readonly viewer?: FlavorViewer;
  readonly minRam?: number;
  readonly minDisk?: number;
  readonly sortKey?: string;
  readonly sortDir?: 'asc' | 'desc';
}

/** Nova's default flavors (m1.tiny … m1.large). */
export const DEFAULT_FLAVORS: readonly FlavorRecord[] = [
  ['1', 'm1.tiny', 512, 1, 1], ['2', 'm1.small', 2048, 1, 20], ['3', 'm1.medium', 4096, 2, 40], ['4', 'm1.large', 8192, 4, 80],
].map(([id, name, memoryMb, vcpus, rootGb]) => ({
  id: id as string, name: name as string, memoryMb: memoryMb as number, vcpus: vcpus as number, rootGb: rootGb as number,
  ephemeralGb: 0, swap: 0, rxtxFactor: 1, isPublic: true, disabled: false, description: null,
}));

const SORT_COLUMNS: Record<string, string> = {
  flavorid: 'id', id: 'id', name: 'name', memory_mb: 'memory_mb', vcpus: 'vcpus', root_gb: 'root_gb',
  ephemeral_gb: 'ephemeral_gb', swap: 'swap', rxtx_factor: 'rxtx_factor', created_at: 'created_at',
};

export class FlavorStore {
  constructor(private readonly db: Knex) {}

  async seedDefaults(): Promise<void> {
    const now = Date.now();
    for (const f of DEFAULT_FLAVORS) {
      await this.db('flavors').insert(toRow(f, now)).onConflict('id').ignore();
    }
  }

  /** A flavor by id; with a viewer, a private flavor the viewer has no access to is not found (Nova's _flavor_get_query_from_db). */
  async find(id: string, viewer?: FlavorViewer): Promise<FlavorRecord> {
    const query = this.db('flavors').where('id', id);
    if (viewer && !viewer.isAdmin) this.visibleTo(query, viewer.projectId);
    const row = await query.first();
    if (!row) throw new FlavorNotFound(id);
    return rowToFlavor(row);
  }

  /**
   * Nova's flavor_get_all: is_public true means public flavors plus private ones shared with the
   * viewer's project; false only private ones; null every flavor. Non-admins never see more than
   * public + shared.
   */
  async list(q: FlavorQuery = {}): Promise<FlavorRecord[]> {
    const query = this.db('flavors').where('disabled', false);
    const projectId = q.viewer?.projectId ?? null;
    if (q.viewer && !q.viewer.isAdmin) this.visibleTo(query, projectId);
    if (q.isPublic === true) this.visibleTo(query, projectId);
    else if (q.isPublic === false) query.where('is_public', false);
    if (q.minRam !== undefined) query.where('memory_mb', '>=', q.minRam);
    if (q.minDisk !== undefined) query.where('root_gb', '>=', q.minDisk);
    query.orderBy(SORT_COLUMNS[q.sortKey ?? 'flavorid'] ?? 'id', q.sortDir ?? 'asc').orderBy('id', 'asc');
    return (await query).map(rowToFlavor);
  }

  private visibleTo(query: Knex.QueryBuilder, projectId: string | null): void {
    query.where((w) => {
      w.where('is_public', true);
      if (projectId !== null) {
        w.orWhereIn('id', this.db('flavor_projects').select('flavor_id').where('project_id', projectId));
      }
    });
  }

  /** Nova's flavors.create: 409 when the id or the name is taken. */
  async create(f: Omit<FlavorRecord, 'disabled' | 'description'> & { description?: string | null }): Promise<FlavorRecord> {
    const flavor: FlavorRecord = { ...f, disabled: false, description: f.description ?? null };
    return this.db.transaction(async (trx) => {
      if (await trx('flavors').where('id', f.id).first()) throw new Conflict(`Flavor with ID ${f.id} already exists.`);
      if (await trx('flavors').where('name', f.name).first()) throw new Conflict(`Flavor with name ${f.name} already exists.`);
      await trx('flavors').insert(toRow(flavor, Date.now()));
      return flavor;
    }).catch(async (err) => {
      // a concurrent create of the same id/name lost the race on the unique constraints
      if (err instanceof Conflict) throw err;
      if (await this.db('flavors').where('id', f.id).orWhere('name', f.name).first()) {
        throw new Conflict(`Flavor with ID ${f.id} already exists.`);
      }
      throw err;
    });
  }

  /** Removes a flavor with its extra specs and access list; servers keep their own copy of it. */
  async delete(id: string): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx('flavor_extra_specs').where('flavor_id', id).delete();
      await trx('flavor_projects').where('flavor_id', id).delete();
      const n = await trx('flavors').where('id', id).delete();
      if (!n) throw new FlavorNotFound(id);
    });
  }

  /** Creates or replaces the given keys, leaving others as they are. */
  async setExtraSpecs(id: string, specs: Record<string, string>): Promise<void> {
    await this.find(id);
    for (const [key, value] of Object.entries(specs)) {
      await this.db('flavor_extra_specs').insert({ flavor_id: id, key, value }).onConflict(['flavor_id', 'key']).merge(['value']);
    }
  }

  async deleteExtraSpec(id: string, key: string): Promise<void> {
    await this.find(id);
    const n = await this.db('flavor_extra_specs').where({ flavor_id: id, key }).delete();
    if (!n) throw new NotFound(`Flavor ${id} has no extra specs with key ${key}.`);
  }

  /** The projects a flavor is shared with, in the order they were added. */
  async accessList(id: string): Promise<string[]> {
    const rows = await this.db('flavor_projects').where('flavor_id', id).orderBy('project_id').select('project_id');
    return rows.map((r: { project_id: string }) => r.project_id);
  }

  async addAccess(id: string, projectId: string): Promise<void> {
    await this.find(id);
    const exists = () => this.db('flavor_projects').where({ flavor_id: id, project_id: projectId }).first();
    const conflict = new Conflict(`Flavor access already exists for flavor ${id} and project ${projectId} combination.`);
    if (await exists()) throw conflict;
    try {
      await this.db('flavor_projects').insert({ flavor_id: id, project_id: projectId });
    } catch (err) {
      if (await exists()) throw conflict; // a concurrent add won the race
      throw err;
    }
  }

  async removeAccess(id: string, projectId: string): Promise<void> {
    await this.find(id);
    const n = await this.db('flavor_projects').where({ flavor_id: id, project_id: projectId }).delete();
    if (!n) throw new NotFound(`Flavor access not found for ${id} / ${projectId} combination.`);
  }

  static isSortKey(key: string): boolean {
    return key in SORT_COLUMNS;
  }

  /** The extra specs of several flavors at once (2.61 flavor lists), by flavor id. */
  async extraSpecsOf(ids: readonly string[]): Promise<Record<string, Record<string, string>>> {
    const out: Record<string, Record<string, string>> = Object.fromEntries(ids.map((id) => [id, {}]));
    if (ids.length === 0) return out;
    const rows = await this.db('flavor_extra_specs').whereIn('flavor_id', ids).select('flavor_id', 'key', 'value');
    for (const r of rows as { flavor_id: string; key: string; value: string }[]) out[r.flavor_id][r.key] = r.value;
    return out;
  }

  /** PUT /flavors/{id} (2.55): only the description changes. */
  async updateDescription(id: string, description: string | null): Promise<FlavorRecord> {
    const n = await this.db('flavors').where('id', id).update({ description });
    if (!n) throw new FlavorNotFound(id);
    return this.find(id);
  }

  async extraSpecs(id: string, viewer?: FlavorViewer): Promise<Record<string, string>> {
    await this.find(id, viewer);
    const rows = await this.db('flavor_extra_specs').where('flavor_id', id).select('key', 'value');
    return Object.fromEntries(rows.map((r: { key: string; value: string }) => [r.key, r.value]));
  }
}

function toRow(f: FlavorRecord, now: number) {
  return {
    id: f.id, name: f.name, memory_mb: f.memoryMb, vcpus: f.vcpus, root_gb: f.rootGb, ephemeral_gb: f.ephemeralGb,
    swap: f.swap, rxtx_factor: f.rxtxFactor, is_public: f.isPublic, disabled: f.disabled, description: f.description, created_at: now,
  };
}

function rowToFlavor(row: Record<string, any>): FlavorRecord { // eslint-disable-line @typescript-eslint/no-explicit-any
  return {
    id: row.id, name: row.name, memoryMb: Number(row.memory_mb), vcpus: Number(row.vcpus), rootGb: Number(row.root_gb),
    ephemeralGb: Number(row.ephemeral_gb), swap: Number(row.swap), rxtxFactor: Number(row.rxtx_factor),
    isPublic: !!row.is_public, disabled: !!row.disabled, description: row.description,
  };
}
