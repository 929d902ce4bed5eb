import type { InstanceQuery, InstanceRecord } from '../../db/stores/instances';
import type { AuthContext } from '../../identity/auth-context';
import { BadRequest, Forbidden } from '../../errors';
import { vmStatesForStatus, ALL_STATUSES } from '../../compute/states';
import { lastValue, Query } from '../query';

export const MAX_LIMIT = 1000;
const last = lastValue;

/** A parsed `GET /servers` query: SQL filters, in-memory regex filters, and the page to cut. */
export interface ServerListQuery {
  readonly store: InstanceQuery & { allTenants: boolean };
  readonly nameRegex: RegExp | null;
  readonly ipRegex: RegExp | null;
  readonly limit: number;
  readonly marker: string | null;
  /** an unknown status matches nothing (Nova answers an empty list) */
  readonly matchesNothing: boolean;
}

export function parseListQuery(q: Query, auth: AuthContext): ServerListQuery {
  const allTenants = isTrue(last(q.all_tenants));
  if (allTenants && !auth.isAdmin) throw new Forbidden('Policy doesn\'t allow os_compute_api:servers:index:get_all_tenants to be performed.');
  const status = last(q.status);
  const states = status ? vmStatesForStatus(status) : null;
  const changesSince = last(q['changes-since']);
  return {
    store: {
      allTenants,
      projectId: allTenants ? last(q.project_id) ?? last(q.tenant_id) : undefined,
      vmStates: states?.vm, taskStates: states?.task,
      imageRef: idFromRef(last(q.image)), flavorId: idFromRef(last(q.flavor)),
      reservationId: last(q.reservation_id),
      host: auth.isAdmin ? last(q.host) : undefined,
      changesSince: changesSince ? parseTime(changesSince) : undefined,
      includeDeleted: !!changesSince || (auth.isAdmin && isTrue(last(q.deleted))),
    },
    nameRegex: regex(last(q.name), 'name'),
    ipRegex: regex(last(q.ip), 'ip'),
    limit: Math.min(Number(last(q.limit) ?? MAX_LIMIT), MAX_LIMIT),
    marker: last(q.marker) ?? null,
    matchesNothing: !!status && !ALL_STATUSES.includes(status.toUpperCase()),
  };
}

/** Applies regex filters, then the marker and limit (Nova: unknown marker is a 400). */
export function page(all: InstanceRecord[], q: ServerListQuery): InstanceRecord[] {
  if (q.matchesNothing) return [];
  const filtered = all.filter((i) =>
    (!q.nameRegex || q.nameRegex.test(i.displayName)) &&
    (!q.ipRegex || i.addresses.some((a) => q.ipRegex!.test(a.addr))));
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

function parseTime(text: string): Date {
  const d = new Date(text);
  if (!/^\d{4}-\d\d-\d\d/.test(text) || Number.isNaN(d.getTime())) throw new BadRequest(`Invalid filter field: changes-since.`);
  return d;
}

function isTrue(v: string | undefined): boolean {
  return v !== undefined && ['', '1', 'true', 'yes', 'on', 't', 'y'].includes(v.toLowerCase());
}
