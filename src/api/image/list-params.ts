import { BadRequest } from '../../errors';
import type { Visibility } from '../../db/stores/images';
import type { Comparison, ComparisonOp, FilterColumn } from '../../db/stores/image-query';
import { parseSort } from './sort-params';
import { all, last, Query } from './query-values';
import type { ImageListRequest } from '../../image/service';

/** Glance's limit_param_default and api_limit_max. */
export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 1000;

/** Parameters with a meaning of their own; every other key filters (a column, or else a property). */
const CONTROL = new Set(['limit', 'marker', 'sort', 'sort_key', 'sort_dir', 'member_status', 'tag']);
/** Columns that take Glance's `eq:`/`in:` operators. */
const OPERATOR_COLUMNS = new Set(['name', 'id', 'status', 'container_format', 'disk_format']);
const TIME_COLUMNS = new Set(['created_at', 'updated_at']);
const TIME_OPS = new Set(['eq', 'neq', 'gt', 'gte', 'lt', 'lte']);
const INTEGER_COLUMNS = new Set(['size', 'min_ram', 'min_disk']);
const PLAIN_COLUMNS = new Set(['owner', 'checksum', 'os_hash_value']);
const VISIBILITY_FILTERS = ['community', 'public', 'private', 'shared', 'all'];

/** GET /v2/images query → a list request, with Glance's 400 for every malformed parameter. */
export function parseListQuery(query: Query): ImageListRequest {
  const filters = parseFilters(query);
  return {
    limit: parseLimit(last(query, 'limit')),
    marker: last(query, 'marker') ?? null,
    sort: parseSort(query),
    tags: all(query, 'tag').map((t) => t.trim()),
    ...filters,
  };
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  if (!/^\s*[+-]?\d+\s*$/.test(raw)) throw new BadRequest('limit param must be an integer');
  const limit = Number(raw);
  if (limit < 0) throw new BadRequest('limit param must be positive');
  return Math.min(limit, MAX_LIMIT);
}

function parseFilters(query: Query): Pick<ImageListRequest, 'visibility' | 'comparisons' | 'properties'> {
  const member = last(query, 'member_status');
  if (member !== undefined && !['pending', 'accepted', 'rejected', 'all'].includes(member)) throw new BadRequest(`Invalid status: ${member}`);
  const comparisons: Comparison[] = [hiddenFilter(last(query, 'os_hidden'))];
  const properties: Record<string, string> = {};
  let visibility: ImageListRequest['visibility'] = null;
  for (const key of Object.keys(query)) {
    if (CONTROL.has(key) || key === 'os_hidden') continue;
    const value = last(query, key)!;
    if (key === 'visibility') {
      visibility = parseVisibility(value);
    } else {
      const filter = columnFilter(key, value);
      if (filter) comparisons.push(filter);
      else properties[key] = value;
    }
  }
  return { visibility, comparisons, properties };
}

/** Glance always filters on os_hidden: false unless asked otherwise. */
function hiddenFilter(raw: string | undefined): Comparison {
  return { column: 'os_hidden', op: 'eq', value: raw === undefined ? false : parseBoolean('os_hidden', raw.toLowerCase()) };
}

function parseBoolean(key: string, raw: string): boolean {
  if (raw !== 'true' && raw !== 'false') throw new BadRequest(`Invalid value '${raw}' for '${key}' filter. Valid values are 'true' or 'false'.`);
  return raw === 'true';
}

function parseVisibility(raw: string): Visibility | 'all' {
  if (!VISIBILITY_FILTERS.includes(raw)) throw new BadRequest(`Invalid visibility value: ${raw}`);
  return raw as Visibility | 'all';
}

/** The comparison a column filter stands for; null for a key that is not a column (a property). */
function columnFilter(key: string, value: string): Comparison | null {
  const range = rangeColumn(key);
  if (range) return { column: range.column, op: range.op, value: parseInteger(value, 'Unable to filter on a range with a non-numeric value.') };
  if (key === 'changes-since') throw new BadRequest('The "changes-since" filter is no longer available on v2.');
  if (key === 'protected') return { column: 'protected', op: 'eq', value: parseBoolean(key, value) };
  if (OPERATOR_COLUMNS.has(key)) return operatorFilter(key as FilterColumn, value);
  if (TIME_COLUMNS.has(key)) return timeFilter(key as FilterColumn, value);
  if (INTEGER_COLUMNS.has(key)) return { column: key as FilterColumn, op: 'eq', value: parseInteger(value, `Invalid value '${value}' for '${key}' filter.`) };
  if (PLAIN_COLUMNS.has(key)) return { column: key as FilterColumn, op: 'eq', value };
  return null;
}

function rangeColumn(key: string): { column: FilterColumn; op: ComparisonOp } | null {
  const m = /^(size|min_ram|min_disk)_(min|max)$/.exec(key);
  return m ? { column: m[1] as FilterColumn, op: m[2] === 'min' ? 'gte' : 'lte' } : null;
}

function parseInteger(raw: string, message: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(raw)) throw new BadRequest(message);
  return Number(raw);
}

/** `name=foo`, `name=eq:foo` or `name=in:a,"b,c"`; any other `op:` prefix is an unknown operator. */
function operatorFilter(column: FilterColumn, raw: string): Comparison {
  const [op, operand] = splitOperator(raw);
  if (op === 'eq') return { column, op: 'eq', value: operand };
  if (op === 'in') return { column, op: 'in', value: splitQuoted(operand) };
  throw new BadRequest(`Unable to filter by unknown operator '${op}'.`);
}

function timeFilter(column: FilterColumn, raw: string): Comparison {
  const [op, operand] = splitOperator(raw);
  const time = parseIsoTime(operand);
  if (!TIME_OPS.has(op)) throw new BadRequest(`Unable to filter by unknown operator '${op}'.`);
  if (!time) throw new BadRequest(`Bad "${column}" query filter format. Use ISO 8601 DateTime notation.`);
  return { column, op: op as ComparisonOp, value: time };
}

/** Splits `op:operand` at the first colon, unless the whole value is a time (which has colons of its own). */
function splitOperator(raw: string): [string, string] {
  const colon = raw.indexOf(':');
  if (colon < 0 || parseIsoTime(raw)) return ['eq', raw];
  return [raw.slice(0, colon), raw.slice(colon + 1)];
}

function parseIsoTime(raw: string): Date | null {
  if (!/^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?)?(Z|[+-]\d\d:?\d\d)?$/.test(raw)) return null;
  const time = new Date(raw);
  return Number.isNaN(time.getTime()) ? null : time;
}

/** `a,"b,c",d` → [a, b,c, d]: commas split, double quotes protect. */
function splitQuoted(list: string): string[] {
  const values: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of list) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      values.push(current);
      current = '';
    } else current += ch;
  }
  if (quoted) throw new BadRequest(`Invalid filter value ${list}. The quote is not closed.`);
  values.push(current);
  return values;
}
