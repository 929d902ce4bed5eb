import type { Knex } from 'knex';

/**
 * The hot path of GET /servers/detail: reading 1,000 instance rows through knex costs several
 * times the SQL itself (an object per row, knex's runner), and turning each row into an
 * InstanceRecord (JSON columns) as much again. Two helpers make the list cheap without changing
 * what it returns:
 *
 * - selectRows runs a knex query and answers the rows as arrays (better-sqlite3's raw mode, on the
 *   connection's prepared statement for the text); other clients go through knex as before.
 * - RecordCache keeps the record built from each row, keyed by the row's exact content (every
 *   selected column, and the server's tags): an unchanged row yields the SAME frozen record object
 *   as last time, any change to any column or tag yields a new one. Nothing has to invalidate it,
 *   so no write path (present or future) can leave it stale; and the record's identity can key
 *   further caches (the rendered server views, views/server-list-cache.ts).
 */
export interface RowSet {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

interface SqliteStatement {
  raw(on: boolean): SqliteStatement;
  all(...bindings: unknown[]): unknown[][];
  columns(): { name: string }[];
}
interface SqliteConnection { prepare(sql: string): SqliteStatement }

export async function selectRows(db: Knex, query: Knex.QueryBuilder): Promise<RowSet> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- knex's client internals (acquire/release, binding format)
  const client = db.client as any;
  if (client.config?.client !== 'better-sqlite3' || db.isTransaction) {
    const objects: Record<string, unknown>[] = await query;
    const columns = objects.length ? Object.keys(objects[0]) : [];
    return { columns, rows: objects.map((o) => columns.map((c) => o[c])) };
  }
  const { sql, bindings } = query.toSQL().toNative();
  const conn: SqliteConnection = await client.acquireConnection();
  try {
    // the connection's statement for this text is shared with knex (db/knex.ts): raw mode only for this call
    const stmt = conn.prepare(sql).raw(true);
    try {
      const rows = stmt.all(client._formatBindings ? client._formatBindings(bindings) : bindings);
      return { columns: stmt.columns().map((c) => c.name), rows };
    } finally {
      stmt.raw(false);
    }
  } finally {
    client.releaseConnection(conn);
  }
}

/**
 * SQLite only (null elsewhere): the rows of `query` with its select list replaced by the uuid and
 * ONE JSON array of the given columns (SQLite's json_array) — one value per row for the driver to
 * hand over instead of one per column, and that text is the row's exact content (KeyedRow). A row
 * is only parsed when the cache has not seen its content.
 */
export async function selectPacked(db: Knex, query: Knex.QueryBuilder, uuidColumn: string,
  columns: readonly { readonly column: string; readonly name: string }[]): Promise<KeyedRow[] | null> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the client's configured driver name
  if ((db.client as any).config?.client !== 'better-sqlite3' || db.isTransaction || columns.length > 100) return null; // SQLite: at most 127 function arguments
  query.clearSelect().select(uuidColumn, db.raw(`json_array(${columns.map(() => '??').join(', ')}) as packed_row`, columns.map((c) => c.column)));
  const set = await selectRows(db, query);
  const names = columns.map((c) => c.name);
  return set.rows.map(([uuid, packed]) => ({
    uuid: String(uuid), content: packed as string,
    row: () => {
      const values = JSON.parse(packed as string) as unknown[];
      return Object.fromEntries(names.map((n, i) => [n, values[i]]));
    },
  }));
}

/** An unambiguous text of a row and its tags (length-prefixed strings; null, numbers and the rest typed). */
export function fingerprint(row: readonly unknown[], tags: readonly string[] = []): string {
  let s = '';
  for (const v of row) {
    if (v === null || v === undefined) s += '~';
    else if (typeof v === 'string') s += `${v.length}:${v}`;
    else if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') s += `${(typeof v)[0]}${v};`;
    else s += `j${JSON.stringify(v)};`; // Dates, Buffers and the like from other clients
  }
  s += '#';
  for (const t of tags) s += `${t.length}:${t}`;
  return s;
}

/** Freezes a record and everything in it, so a cached record cannot be changed by a caller. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

/** One row as the cache sees it: its uuid, an exact text of its content, and the row itself on demand. */
export interface KeyedRow {
  readonly uuid: string;
  /** equal texts for equal rows, different for any difference (a JSON array, or fingerprint()) */
  readonly content: string;
  row(): Record<string, unknown>;
}

/** A RowSet as KeyedRows (the content by fingerprint()). */
export function keyedRows(set: RowSet): KeyedRow[] {
  if (set.rows.length === 0) return [];
  const uuidAt = set.columns.indexOf('uuid');
  if (uuidAt < 0) throw new Error('the rows have no uuid column');
  const key = `${set.columns.join(',')}|`; // another column set (a migration): other contents
  return set.rows.map((r) => ({
    uuid: String(r[uuidAt]), content: key + fingerprint(r, []),
    row: () => Object.fromEntries(set.columns.map((c, n) => [c, r[n]])),
  }));
}

/**
 * uuid → the record built from its row (see above). At most `max` entries: when full, the half
 * that lists returned least recently (deleted servers, mostly) goes.
 */
export class RecordCache<R> {
  private readonly entries = new Map<string, { fp: string; record: R; seen: number }>();
  private tick = 0;

  constructor(private readonly max = 10_000) {}

  /** The records of rows with their tags, built by `build` only for new or changed rows. */
  records(rows: readonly KeyedRow[], tagsOf: (uuid: string) => readonly string[], build: (row: Record<string, unknown>, tags: readonly string[]) => R): R[] {
    const tick = ++this.tick;
    return rows.map((r) => {
      const tags = tagsOf(r.uuid);
      let fp = `${r.content}#`;
      for (const t of tags) fp += `${t.length}:${t}`;
      const hit = this.entries.get(r.uuid);
      if (hit && hit.fp === fp) {
        hit.seen = tick;
        return hit.record;
      }
      const record = deepFreeze(build(r.row(), tags));
      if (!hit && this.entries.size >= this.max) this.evict();
      this.entries.set(r.uuid, { fp, record, seen: tick });
      return record;
    });
  }

  /** drops the half of the entries that a list returned least recently */
  private evict(): void {
    const bySeen = [...this.entries].sort(([, a], [, b]) => a.seen - b.seen);
    for (const [uuid] of bySeen.slice(0, bySeen.length - Math.floor(this.max / 2))) this.entries.delete(uuid);
  }

  get size(): number {
    return this.entries.size;
  }
}
