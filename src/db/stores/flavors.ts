import type { Knex } from 'knex';
import { FlavorNotFound } from '../../errors';

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

export interface FlavorQuery {
  readonly isPublic?: boolean | null;
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

  async find(id: string): Promise<FlavorRecord> {
    const row = await this.db('flavors').where('id', id).first();
    if (!row) throw new FlavorNotFound(id);
    return rowToFlavor(row);
  }

  async list(q: FlavorQuery = {}): Promise<FlavorRecord[]> {
    const query = this.db('flavors').where('disabled', false);
    if (q.isPublic !== undefined && q.isPublic !== null) query.where('is_public', q.isPublic);
    if (q.minRam !== undefined) query.where('memory_mb', '>=', q.minRam);
    if (q.minDisk !== undefined) query.where('root_gb', '>=', q.minDisk);
    query.orderBy(SORT_COLUMNS[q.sortKey ?? 'flavorid'] ?? 'id', q.sortDir ?? 'asc').orderBy('id', 'asc');
    return (await query).map(rowToFlavor);
  }

  static isSortKey(key: string): boolean {
    return key in SORT_COLUMNS;
  }

  async extraSpecs(id: string): Promise<Record<string, string>> {
    await this.find(id);
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
