import type { Knex } from 'knex';
import type { ImageRecord, Visibility } from './images';

/** Image columns a list may filter on. */
export type FilterColumn =
  | 'id' | 'name' | 'status' | 'visibility' | 'owner' | 'container_format' | 'disk_format' | 'size' | 'min_ram'
  | 'min_disk' | 'checksum' | 'os_hash_value' | 'protected' | 'os_hidden' | 'created_at' | 'updated_at';

export type ComparisonOp = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte';
type Scalar = string | number | boolean | Date;

export type Comparison =
  | { readonly column: FilterColumn; readonly op: ComparisonOp; readonly value: Scalar }
  | { readonly column: FilterColumn; readonly op: 'in'; readonly value: readonly string[] };

export const SORT_COLUMNS = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at'] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];
export interface SortKey {
  readonly column: SortColumn;
  readonly dir: 'asc' | 'desc';
}

export interface Viewer {
  readonly projectId: string | null;
  readonly isAdmin: boolean;
}

export interface ImageQuery {
  readonly viewer: Viewer;
  /** null: Glance's default (everything visible except community images of other projects) */
  readonly visibility: Visibility | 'all' | null;
  readonly comparisons: readonly Comparison[];
  /** every tag must be present */
  readonly tags: readonly string[];
  /** every property must be present with exactly this value */
  readonly properties: Readonly<Record<string, string>>;
  /** complete: ends with unique keys, so that `after` pins one position */
  readonly sort: readonly SortKey[];
  /** the page starts after this image (Glance's marker) */
  readonly after: ImageRecord | null;
  readonly limit: number;
}

const NULLABLE: ReadonlySet<SortColumn> = new Set(['name', 'container_format', 'disk_format', 'size']);
const SQL_OPS: Record<ComparisonOp, string> = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };

/** One page of image rows (without tags and properties). */
export function selectImages(db: Knex, q: ImageQuery): Knex.QueryBuilder {
  const query = db('images').select('images.*');
  restrictToVisible(query, q.viewer, q.visibility);
  for (const c of q.comparisons) compare(query, c);
  for (const tag of q.tags) {
    query.whereExists((sub) => { sub.select(db.raw('1')).from('image_tags').whereRaw('image_tags.image_id = images.id').andWhere('image_tags.value', tag); });
  }
  for (const [name, value] of Object.entries(q.properties)) {
    query.whereExists((sub) => {
      sub.select(db.raw('1')).from('image_properties').whereRaw('image_properties.image_id = images.id')
        .andWhere('image_properties.name', name).andWhere('image_properties.value', value);
    });
  }
  if (q.after) startAfter(query, q.sort, q.after);
  orderBy(query, q.sort);
  return query.limit(q.limit);
}

/** Glance's rules: admins see everything; others public, community and their own images. */
function restrictToVisible(query: Knex.QueryBuilder, viewer: Viewer, visibility: ImageQuery['visibility']): void {
  if (!viewer.isAdmin) {
    query.where((w) => {
      w.whereIn('visibility', ['public', 'community']);
      if (viewer.projectId) w.orWhere('owner', viewer.projectId);
    });
  }
  if (visibility && visibility !== 'all') {
    query.where('visibility', visibility);
  } else if (visibility === null) {
    // without a visibility filter, community images show only to their owner
    query.where((w) => {
      w.whereNot('visibility', 'community');
      if (viewer.projectId) w.orWhere('owner', viewer.projectId);
    });
  }
}

function compare(query: Knex.QueryBuilder, c: Comparison): void {
  if (c.op === 'in') {
    query.whereIn(c.column, [...c.value]);
    return;
  }
  const value = c.value instanceof Date ? c.value.getTime() : c.value;
  query.where(c.column, SQL_OPS[c.op], value);
}

/** Sort value of a column on a record, as stored. */
function valueOf(image: ImageRecord, column: SortColumn): string | number | null {
  switch (column) {
    case 'name': return image.name;
    case 'status': return image.status;
    case 'container_format': return image.containerFormat;
    case 'disk_format': return image.diskFormat;
    case 'size': return image.size;
    case 'id': return image.id;
    case 'created_at': return image.createdAt.getTime();
    case 'updated_at': return image.updatedAt.getTime();
  }
}

/**
 * Keyset paging: rows strictly after the marker in the sort order, i.e. for keys k1..kn
 * (k1 after) or (k1 same and k2 after) or ... NULL sorts lowest, on every database.
 */
function startAfter(query: Knex.QueryBuilder, sort: readonly SortKey[], marker: ImageRecord): void {
  query.where((any) => {
    sort.forEach((key, i) => {
      any.orWhere((all) => {
        for (const earlier of sort.slice(0, i)) same(all, earlier.column, valueOf(marker, earlier.column));
        after(all, key, valueOf(marker, key.column));
      });
    });
  });
}

function same(w: Knex.QueryBuilder, column: SortColumn, value: string | number | null): void {
  if (value === null) w.whereNull(column);
  else w.where(column, value);
}

function after(w: Knex.QueryBuilder, key: SortKey, value: string | number | null): void {
  if (key.dir === 'asc') {
    if (value === null) w.whereNotNull(key.column);
    else w.where(key.column, '>', value);
  } else if (value === null) {
    w.whereRaw('1 = 0'); // nothing sorts below NULL
  } else {
    w.where((below) => { below.where(key.column, '<', value).orWhereNull(key.column); });
  }
}

function orderBy(query: Knex.QueryBuilder, sort: readonly SortKey[]): void {
  for (const { column, dir } of sort) {
    // NULL lowest: first when ascending, last when descending (databases disagree by default)
    if (NULLABLE.has(column)) query.orderByRaw(`(?? is null) ${dir === 'asc' ? 'desc' : 'asc'}`, [column]);
    query.orderBy(column, dir);
  }
}
