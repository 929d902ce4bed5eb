import type { InstanceQuery, InstanceRecord } from '../../db/stores/instances';
import type { AuthContext } from '../../identity/auth-context';
import { BadRequest, Forbidden } from '../../errors';
import { vmStatesForStatus, ALL_STATUSES } from '../../compute/states';
import { lastValue, Query } from '../query';
import { Microversion, MIN_VERSION } from '../microversion';
import { JOINED_TABLE_PARAMS } from './schemas/server-list-query';

export const MAX_LIMIT = 1000;
const last = lastValue;

/** A parsed `GET /servers` query: SQL filters, in-memory regex filters, and the page to cut. */
export interface ServerListQuery {
  readonly store: InstanceQuery & { allTenants: boolean };
  readonly nameRegex: RegExp | null;
  readonly ipRegex: RegExp | null;
  /** 2.5: ip6 (before 2.5 an admin-only filter) */
  readonly ip6Regex: RegExp | null;
  /** 2.66: only servers changed at or before this time */
  readonly changesBefore: Date | null;
  /** 2.73: only locked (true) or unlocked (false) servers */
  readonly locked: boolean | null;
  readonly limit: number;
  readonly marker: string | null;
  /** an unknown status matches nothing (Nova answers an empty list) */
  readonly matchesNothing: boolean;
}

export function parseListQuery(q: Query, auth: AuthContext, version: Microversion = MIN_VERSION): ServerListQuery {
  const at = (v: string) => version.atLeast(v);
  // Nova's _get_servers: filters on joined tables and private ones (a leading _) are a 400; a
  // non-admin's unknown options were stripped before (remove_invalid_options), so only admins see it
  if (auth.isAdmin) {
    const bad = Object.keys(q).find((k) => JOINED_TABLE_PARAMS.includes(k) || k.startsWith('_'));
    if (bad) throw new BadRequest(`Invalid filter field: ${bad}.`);
  }
  const allTenants = isTrue(last(q.all_tenants));
  if (allTenants && !auth.isAdmin) throw new Forbidden('Policy doesn\'t allow os_compute_api:servers:index:get_all_tenants to be performed.');
  const status = last(q.status);
  const states = status ? vmStatesForStatus(status) : null;
  const unknownStatus = !!status && !ALL_STATUSES.includes(status.toUpperCase());
  if (unknownStatus && at('2.38')) throw new BadRequest('Invalid status value');
  const changesSince = last(q['changes-since']);
  // admins may use every filter at any version (Nova's remove_invalid_options strips only a non-admin's)
  const before = at('2.66') || auth.isAdmin ? last(q['changes-before']) : undefined;
  const changesBefore = before ? parseTime(before, 'changes-before') : null;
  const since = changesSince ? parseTime(changesSince) : undefined;
  if (since && changesBefore && changesBefore < since) {
    throw new BadRequest('The value of changes-since must be less than or equal to changes-before.');
  }
  const lockedValue = at('2.73') || auth.isAdmin ? last(q.locked) : undefined;
  return {
    store: {
      allTenants,
      projectId: allTenants ? last(q.project_id) ?? last(q.tenant_id) : undefined,
      vmStates: states?.vm, taskStates: states?.task,
      imageRef: idFromRef(last(q.image)), flavorId: idFromRef(last(q.flavor)),
      reservationId: last(q.reservation_id),
      host: auth.isAdmin ? last(q.host) : undefined,
      changesSince: since,
      includeDeleted: !!changesSince || !!changesBefore || (auth.isAdmin && isTrue(last(q.deleted))),
      excludeSoftDeleted: !changesSince && !changesBefore && !(auth.isAdmin && isTrue(last(q.deleted))),
    },
    nameRegex: regex(last(q.name), 'name'),
    ipRegex: regex(last(q.ip), 'ip'),
    ip6Regex: auth.isAdmin || at('2.5') ? regex(last(q.ip6), 'ip6') : null,
    changesBefore,
    locked: lockedValue === undefined ? null : strictBool(lockedValue),
    limit: Math.min(Number(last(q.limit) ?? MAX_LIMIT), MAX_LIMIT),
    marker: last(q.marker) ?? null,
    matchesNothing: unknownStatus,
  };
}

/** Applies regex filters, then the marker and limit (Nova: unknown marker is a 400). */
export function page(all: InstanceRecord[], q: ServerListQuery): InstanceRecord[] {
  if (q.matchesNothing) return [];
  const filtered = all.filter((i) =>
    (!q.nameRegex || q.nameRegex.test(i.displayName)) &&
    // Nova's _ip_filter: a server matches when an IPv4 address matches ip or an IPv6 one matches ip6
    (!(q.ipRegex || q.ip6Regex) || i.addresses.some((a) => (a.version === 4 ? q.ipRegex : q.ip6Regex)?.test(a.addr))) &&
    (!q.changesBefore || i.updatedAt.getTime() <= q.changesBefore.getTime()) &&
    (q.locked === null || i.locked === q.locked));
  let start = 0;
  if (q.marker) {
    const at = filtered.findIndex((i) => i.uuid === q.marker);
    if (at < 0) throw new BadRequest(`marker [${q.marker}] not found`);
    start = at + 1;
  }
  return filtered.slice(start, start + q.limit);
}

function regex(value: string | undefined, field: string): RegExp | null {
  if (value === undefined) return null;
  try {
    return new RegExp(value);
  } catch {
    throw new BadRequest(`Invalid ${field} filter: ${value}`);
  }
}

/** Filters accept an id or an href ending in one. */
function idFromRef(ref: string | undefined): string | undefined {
  return ref === undefined ? undefined : ref.replace(/\/+$/, '').split('/').pop();
}

function parseTime(text: string, field = 'changes-since'): Date {
  const d = new Date(text);
  if (!/^\d{4}-\d\d-\d\d/.test(text) || Number.isNaN(d.getTime())) throw new BadRequest(`Invalid filter field: ${field}.`);
  return d;
}

/** oslo's bool_from_string(strict=True), as Nova's common.is_locked: anything else is a 400 */
function strictBool(v: string): boolean {
  const s = v.trim().toLowerCase();
  if (['1', 't', 'true', 'on', 'y', 'yes'].includes(s)) return true;
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(s)) return false;
  throw new BadRequest(`Unrecognized value '${v}', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'`);
}

function isTrue(v: string | undefined): boolean {
  return v !== undefined && ['', '1', 'true', 'yes', 'on', 't', 'y'].includes(v.toLowerCase());
}
