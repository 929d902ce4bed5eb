import type { Knex } from 'knex';

/** An image as stored (Glance's image record). Owner is a project id. */
export interface ImageRecord {
  readonly id: string;
  readonly name: string | null;
  readonly owner: string | null;
  readonly status: string;
  readonly visibility: 'public' | 'private' | 'shared' | 'community';
  readonly containerFormat: string | null;
  readonly diskFormat: string | null;
  readonly size: number | null;
  readonly checksum: string | null;
  readonly osHashAlgo: string | null;
  readonly osHashValue: string | null;
  readonly minDisk: number;
  readonly minRam: number;
  readonly protected: boolean;
  readonly tags: readonly string[];
  readonly properties: Readonly<Record<string, string>>;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

// TODO(image helper): list with filters/sort/paging, insert, update, delete.
export class ImageStore {
  constructor(readonly db: Knex) {}

  async find(id: string): Promise<ImageRecord | undefined> {
    const row = await this.db('images').where('id', id).first();
    return row && rowToImage(row);
  }
}

export function rowToImage(row: Record<string, any>): ImageRecord { // eslint-disable-line @typescript-eslint/no-explicit-any
  return {
    id: row.id, name: row.name, owner: row.owner, status: row.status, visibility: row.visibility,
    containerFormat: row.container_format, diskFormat: row.disk_format,
    size: row.size === null ? null : Number(row.size), checksum: row.checksum,
    osHashAlgo: row.os_hash_algo, osHashValue: row.os_hash_value,
    minDisk: Number(row.min_disk), minRam: Number(row.min_ram), protected: !!row.protected,
    tags: JSON.parse(row.tags_json), properties: JSON.parse(row.properties_json),
    createdAt: new Date(Number(row.created_at)), updatedAt: new Date(Number(row.updated_at)),
  };
}
