import type { Knex } from 'knex';

/** Nova's MAX_TAG_COUNT (objects/instance.py) and MAX_TAG_LENGTH (objects/tag.py). */
export const MAX_TAG_COUNT = 50;
export const MAX_TAG_LENGTH = 60;

/** The list filters of GET /servers from 2.26 (Nova's TAG_SEARCH_FILTERS), each a list of tags. */
export interface TagFilter {
  /** servers that have every one of these tags */
  readonly all?: readonly string[];
  /** servers that have at least one of them */
  readonly any?: readonly string[];
  /** servers that do not have all of them (having some is fine) */
  readonly notAll?: readonly string[];
  /** servers that have none of them */
  readonly notAny?: readonly string[];
}

const TABLE = 'instance_tags';

/** bound parameters per IN (…) list: SQLite allows 32766, PostgreSQL 65535; stay far below both */
const CHUNK = 500;

/**
 * The order tags are listed in: ascending, as Nova's MySQL primary key (resource_id, tag) gives
 * them back. Sorted here, not by ORDER BY, so that every dialect answers the same (PostgreSQL's
 * ORDER BY follows the database's locale collation, SQLite's compares bytes).
 */
export const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Server tags (Nova's tags table and Tag/TagList objects). */
export class InstanceTagStore {
  constructor(private readonly db: Knex) {}

  async list(uuid: string): Promise<string[]> {
    return (await this.db(TABLE).where('instance_uuid', uuid).select('tag')).map((r) => r.tag as string).sort(byCodePoint);
  }

  /** The tags of many servers in one query per 500 servers (never one per server): uuid → tags. */
  async forInstances(uuids: readonly string[]): Promise<Map<string, string[]>> {
    return tagsOf(this.db, uuids);
  }

  async exists(uuid: string, tag: string): Promise<boolean> {
    return (await this.db(TABLE).where({ instance_uuid: uuid, tag }).first('tag')) !== undefined;
  }

  /** Adds one tag; an existing one is left alone. Returns whether it was added. */
  async add(uuid: string, tag: string): Promise<boolean> {
    if (await this.exists(uuid, tag)) return false;
    // a concurrent add of the same tag is not an error (Nova ignores DBDuplicateEntry)
    await this.db(TABLE).insert({ instance_uuid: uuid, tag }).onConflict(['instance_uuid', 'tag']).ignore();
    return true;
  }

  /** Replaces all tags (Nova's instance_tag_set: duplicates collapse), atomically. */
  async set(uuid: string, tags: readonly string[]): Promise<string[]> {
    const wanted = [...new Set(tags)];
    await this.db.transaction(async (trx) => {
      const drop = trx(TABLE).where('instance_uuid', uuid);
      if (wanted.length) drop.whereNotIn('tag', wanted);
      await drop.del();
      if (wanted.length) {
        await trx(TABLE).insert(wanted.map((tag) => ({ instance_uuid: uuid, tag }))).onConflict(['instance_uuid', 'tag']).ignore();
      }
    });
    return this.list(uuid);
  }

  /** Removes one tag; false when the server did not have it. */
  async delete(uuid: string, tag: string): Promise<boolean> {
    return (await this.db(TABLE).where({ instance_uuid: uuid, tag }).del()) > 0;
  }

  async deleteAll(uuid: string): Promise<void> {
    await this.db(TABLE).where('instance_uuid', uuid).del();
  }
}

/** uuid → its tags (ascending), for every uuid given (servers without tags get []). */
export async function tagsOf(db: Knex, uuids: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(uuids.map((u) => [u, []]));
  for (let i = 0; i < uuids.length; i += CHUNK) {
    const rows = await db(TABLE).whereIn('instance_uuid', uuids.slice(i, i + CHUNK)).select('instance_uuid', 'tag');
    for (const r of rows) out.get(r.instance_uuid)?.push(r.tag);
  }
  for (const tags of out.values()) tags.sort(byCodePoint);
  return out;
}

/** Inserts the tags of new servers (a create with `tags`, 2.52), in the caller's transaction or not. */
export async function insertTags(db: Knex | Knex.Transaction, rows: readonly { uuid: string; tags?: readonly string[] }[]): Promise<void> {
  const values = rows.flatMap((r) => [...new Set(r.tags ?? [])].map((tag) => ({ instance_uuid: r.uuid, tag })));
  if (values.length) await db(TABLE).insert(values);
}

/**
 * Adds the tag filters to an instances query as sub-selects on instance_tags (Nova's
 * _handle_instance_tags filters, plain SQL on every dialect): `tags` and `not-tags` count the
 * distinct matching tags of a server, `tags-any` and `not-tags-any` look for any match.
 */
export function applyTagFilter(db: Knex, query: Knex.QueryBuilder, f: TagFilter, uuidColumn = 'instances.uuid'): void {
  const having = (tags: readonly string[]) => {
    const unique = [...new Set(tags)];
    return db(TABLE).select('instance_uuid').whereIn('tag', unique).groupBy('instance_uuid')
      .havingRaw('count(distinct tag) = ?', [unique.length]);
  };
  const anyOf = (tags: readonly string[]) => db(TABLE).select('instance_uuid').whereIn('tag', [...new Set(tags)]);
  if (f.all?.length) query.whereIn(uuidColumn, having(f.all));
  if (f.any?.length) query.whereIn(uuidColumn, anyOf(f.any));
  if (f.notAll?.length) query.whereNotIn(uuidColumn, having(f.notAll));
  if (f.notAny?.length) query.whereNotIn(uuidColumn, anyOf(f.notAny));
}
