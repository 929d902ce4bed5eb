import { BadRequest } from '../../errors';
import { SORT_COLUMNS, SortColumn, SortKey } from '../../db/stores/image-query';
import { all, last, Query } from './query-values';

type Dir = 'asc' | 'desc';

/** Glance's two sort syntaxes, `sort=name:asc,size` and `sort_key=name&sort_dir=asc`, with its 400s. */
export function parseSort(query: Query): SortKey[] {
  const explicit = query.sort !== undefined ? newSortSyntax(query) : classicSortSyntax(query);
  return withTieBreakers(explicit.keys, explicit.dirs);
}

function newSortSyntax(query: Query): { keys: SortColumn[]; dirs: Dir[] } {
  if (query.sort_key !== undefined || query.sort_dir !== undefined) throw new BadRequest('Old and new sorting syntax cannot be combined');
  const keys: SortColumn[] = [];
  const dirs: Dir[] = [];
  for (const part of last(query, 'sort')!.trim().split(',')) {
    const [key, dir] = part.split(':', 2);
    keys.push(sortColumn(key.trim()));
    dirs.push(sortDir((dir ?? 'desc').trim()));
  }
  return { keys, dirs };
}

function classicSortSyntax(query: Query): { keys: SortColumn[]; dirs: Dir[] } {
  const keys = all(query, 'sort_key').map((k) => sortColumn(k.trim()));
  const dirs = all(query, 'sort_dir').map((d) => sortDir(d.trim()));
  if (dirs.length > 1 && dirs.length !== keys.length) throw new BadRequest('Number of sort dirs does not match the number of sort keys');
  return { keys, dirs };
}

/** One direction applies to every key; created_at and id end the order so that markers are exact. */
function withTieBreakers(keys: SortColumn[], dirs: Dir[]): SortKey[] {
  const fallback = dirs.length === 1 ? dirs[0] : 'desc';
  const sort: SortKey[] = (keys.length ? keys : ['created_at' as const]).map((column, i) => ({ column, dir: dirs.length > 1 ? dirs[i] : fallback }));
  for (const column of ['created_at', 'id'] as const) {
    if (!sort.some((k) => k.column === column)) sort.push({ column, dir: fallback });
  }
  return sort;
}

function sortColumn(key: string): SortColumn {
  if (!(SORT_COLUMNS as readonly string[]).includes(key)) {
    throw new BadRequest(`Invalid sort key: ${key}. It must be one of the following: ${SORT_COLUMNS.join(', ')}.`);
  }
  return key as SortColumn;
}

function sortDir(dir: string): Dir {
  if (dir !== 'asc' && dir !== 'desc') throw new BadRequest(`Invalid sort direction: ${dir}`);
  return dir;
}
