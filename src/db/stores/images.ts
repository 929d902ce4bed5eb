import type { Knex } from 'knex';
import { ImageQuery, selectImages } from './image-query';

export type Visibility = 'public' | 'private' | 'shared' | 'community';

/** An image as stored (Glance's image record). Owner is a project id. */
export interface ImageRecord {
  readonly id: string;
  readonly name: string | null;
  readonly owner: string | null;
  readonly status: string;
  readonly visibility: Visibility;
  readonly containerFormat: string | null;
  readonly diskFormat: string | null;
  readonly size: number | null;
  readonly checksum: string | null;
  readonly osHashAlgo: string | null;
  readonly osHashValue: string | null;
  readonly minDisk: number;
  readonly minRam: number;
  readonly protected: boolean;
  readonly osHidden: boolean;
  readonly tags: readonly string[];
  readonly properties: Readonly<Record<string, string>>;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What a user may write: everything but the id, the status, the data fields and the timestamps. */
export type ImageFields = Pick<ImageRecord,
  'name' | 'owner' | 'visibility' | 'containerFormat' | 'diskFormat' | 'minDisk' | 'minRam' | 'protected' | 'osHidden' | 'tags' | 'properties'>;

/** What an upload learns about the data. */
export type ImageData = Pick<ImageRecord, 'size' | 'checksum' | 'osHashAlgo' | 'osHashValue'>;

type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export class ImageStore {
  constructor(readonly db: Knex) {}

  async find(id: string): Promise<ImageRecord | undefined> {
    const row = await this.db('images').where('id', id).first();
    return row ? (await this.withRelations([row]))[0] : undefined;
  }

  async list(query: ImageQuery): Promise<ImageRecord[]> {
    return this.withRelations(await selectImages(this.db, query));
  }

  async listByStatus(status: string): Promise<ImageRecord[]> {
    return this.withRelations(await this.db('images').where('status', status));
  }

  async listIds(): Promise<Set<string>> {
    return new Set((await this.db('images').select('id')).map((r: Row) => r.id as string));
  }

  /** Inserts a new image; false when the id is taken. */
  async insert(image: ImageRecord): Promise<boolean> {
    try {
      await this.db.transaction(async (trx) => {
        await trx('images').insert({ id: image.id, ...fieldColumns(image), ...dataColumns(image), status: image.status, created_at: image.createdAt.getTime(), updated_at: image.updatedAt.getTime() });
        await replaceRelations(trx, image.id, image);
      });
      return true;
    } catch (err) {
      if (await this.db('images').where('id', image.id).first()) return false;
      throw err;
    }
  }

  /** Writes the user fields of an image; false when it no longer exists. */
  async saveFields(id: string, fields: ImageFields, at: Date): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const n = await trx('images').where('id', id).update({ ...fieldColumns(fields), updated_at: at.getTime() });
      if (n === 0) return false;
      await replaceRelations(trx, id, fields);
      return true;
    });
  }

  /** Moves an image from one status to another only if it is still in `from` (a compare-and-set). */
  async transition(id: string, from: string, to: string, at: Date, data?: ImageData): Promise<boolean> {
    const columns = { status: to, updated_at: at.getTime(), ...(data ? dataColumns(data) : {}) };
    return (await this.db('images').where({ id, status: from }).update(columns)) === 1;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db('images').where('id', id).delete()) === 1;
  }

  async addTag(id: string, tag: string, at: Date): Promise<void> {
    await this.db.transaction(async (trx) => {
      const exists = await trx('image_tags').where({ image_id: id, value: tag }).first();
      if (!exists) await trx('image_tags').insert({ image_id: id, value: tag });
      await trx('images').where('id', id).update({ updated_at: at.getTime() });
    });
  }

  /** false when the image had no such tag. */
  async removeTag(id: string, tag: string, at: Date): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const n = await trx('image_tags').where({ image_id: id, value: tag }).delete();
      if (n > 0) await trx('images').where('id', id).update({ updated_at: at.getTime() });
      return n > 0;
    });
  }

  /** Attaches tags and properties to rows with one query each, whatever the number of rows. */
  private async withRelations(rows: Row[]): Promise<ImageRecord[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const tags = await this.db('image_tags').whereIn('image_id', ids).orderBy('value');
    const props = await this.db('image_properties').whereIn('image_id', ids).orderBy('name');
    return rows.map((row) => rowToImage(row, {
      tags: tags.filter((t: Row) => t.image_id === row.id).map((t: Row) => t.value),
      properties: Object.fromEntries(props.filter((p: Row) => p.image_id === row.id).map((p: Row) => [p.name, p.value])),
    }));
  }
}

export function rowToImage(row: Row, related: Pick<ImageRecord, 'tags' | 'properties'> = { tags: [], properties: {} }): ImageRecord {
  return {
    id: row.id, name: row.name, owner: row.owner, status: row.status, visibility: row.visibility,
    containerFormat: row.container_format, diskFormat: row.disk_format,
    size: row.size === null || row.size === undefined ? null : Number(row.size), checksum: row.checksum ?? null,
    osHashAlgo: row.os_hash_algo ?? null, osHashValue: row.os_hash_value ?? null,
    minDisk: Number(row.min_disk), minRam: Number(row.min_ram), protected: !!row.protected, osHidden: !!row.os_hidden,
    tags: related.tags, properties: related.properties,
    createdAt: new Date(Number(row.created_at)), updatedAt: new Date(Number(row.updated_at)),
  };
}

function fieldColumns(f: ImageFields): Row {
  return {
    name: f.name, owner: f.owner, visibility: f.visibility, container_format: f.containerFormat, disk_format: f.diskFormat,
    min_disk: f.minDisk, min_ram: f.minRam, protected: f.protected, os_hidden: f.osHidden,
  };
}

function dataColumns(d: ImageData): Row {
  return { size: d.size, checksum: d.checksum, os_hash_algo: d.osHashAlgo, os_hash_value: d.osHashValue };
}

async function replaceRelations(trx: Knex.Transaction, id: string, f: Pick<ImageFields, 'tags' | 'properties'>): Promise<void> {
  await trx('image_tags').where('image_id', id).delete();
  await trx('image_properties').where('image_id', id).delete();
  const tags = [...new Set(f.tags)].map((value) => ({ image_id: id, value }));
  const props = Object.entries(f.properties).map(([name, value]) => ({ image_id: id, name, value }));
  if (tags.length) await trx('image_tags').insert(tags);
  if (props.length) await trx('image_properties').insert(props);
}
