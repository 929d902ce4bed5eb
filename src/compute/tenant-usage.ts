import type { InstanceRecord, InstanceStore } from '../db/stores/instances';
import { BadRequest } from '../errors';

/** Nova's [api] max_limit */
export const USAGE_MAX_LIMIT = 1000;

export interface ServerUsage {
  readonly instance_id: string;
  readonly name: string;
  readonly hours: number;
  readonly memory_mb: number;
  readonly local_gb: number;
  readonly vcpus: number;
  readonly tenant_id: string;
  readonly flavor: string;
  readonly started_at: string;
  readonly ended_at: string | null;
  readonly state: string;
  readonly uptime: number;
}

export interface TenantUsage {
  tenant_id: string;
  server_usages?: ServerUsage[];
  total_local_gb_usage: number;
  total_vcpus_usage: number;
  total_memory_mb_usage: number;
  total_hours: number;
  start: string;
  stop: string;
}

export interface UsageRequest {
  readonly start: Date;
  readonly stop: Date;
  readonly tenantId?: string;
  readonly detailed: boolean;
  readonly limit: number;
  readonly marker: string | null;
}

/** Python's naive datetime.isoformat(): microseconds only when there are some. */
export function naiveIso(d: Date): string {
  const iso = d.toISOString();
  return d.getUTCMilliseconds() === 0 ? iso.slice(0, 19) : `${iso.slice(0, 23)}000`;
}

const FORMATS: readonly RegExp[] = [
  /^(\d{4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{1,2}):(\d{1,2})$/,
  /^(\d{4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{1,2}):(\d{1,2})\.(\d{1,6})$/,
  /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})\.(\d{1,6})$/,
];

/**
 * Nova's SimpleTenantUsageController._parse_datetime: absent or empty is now; otherwise one of
 * three strptime formats, taken as UTC (sub-millisecond digits are dropped); else 400.
 */
export function parseUsageTime(text: string | undefined, now: Date): Date {
  if (!text) return now;
  for (const format of FORMATS) {
    const m = format.exec(text);
    if (!m) continue;
    const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
    const ms = m[7] ? Math.floor(Number(m[7].padEnd(6, '0')) / 1000) : 0;
    const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms));
    date.setUTCFullYear(y); // Date.UTC maps years 0-99 to 1900-1999
    const valid = y >= 1 && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
    if (valid) return date;
  }
  throw new BadRequest('Invalid datetime string: Datetime is in invalid format');
}

/** Nova's _get_datetime_range: the window [start, end) from the first start/end values; start must come first. */
export function usageWindow(start: string | undefined, end: string | undefined, now: Date): { start: Date; stop: Date } {
  // Nova reads the clock once per missing value, start first: a missing start is just before a missing end
  const from = parseUsageTime(start, new Date(now.getTime() - 1));
  const to = parseUsageTime(end, now);
  if (!(from.getTime() < to.getTime())) {
    throw new BadRequest('Invalid start time. The start time cannot occur after the end time.');
  }
  // Nova caps the end at now, after the check
  return { start: from, stop: to.getTime() > now.getTime() ? now : to };
}

/** Nova's _hours_for: the hours of the window the instance ran (launched, not yet terminated). */
export function hoursFor(i: Pick<InstanceRecord, 'launchedAt' | 'terminatedAt'>, start: Date, stop: Date): number {
  const launched = i.launchedAt?.getTime() ?? null;
  const terminated = i.terminatedAt?.getTime() ?? null;
  if (terminated !== null && terminated < start.getTime()) return 0;
  if (launched === null || launched > stop.getTime()) return 0;
  const from = Math.max(launched, start.getTime());
  const to = terminated !== null ? Math.min(stop.getTime(), terminated) : stop.getTime();
  return (to - from) / 3_600_000;
}

/**
 * os-simple-tenant-usage (Nova's simple_tenant_usage.py), from the instances table, deleted rows
 * included: every instance launched before the window ends and not terminated before it starts
 * (Nova's instance_get_active_by_window_joined), ordered by project then uuid, paged by
 * limit/marker over that order, summed per project from each instance's own flavor copy.
 */
export class TenantUsageService {
  constructor(private readonly instances: InstanceStore) {}

  async usages(req: UsageRequest, now = new Date()): Promise<{ usages: TenantUsage[]; servers: ServerUsage[] }> {
    if (req.tenantId === '') return { usages: [], servers: [] };
    const all = await this.instances.list({ includeDeleted: true, ...(req.tenantId !== undefined && { projectId: req.tenantId }) });
    const byKey = (a: InstanceRecord, b: InstanceRecord) => cmp(a.projectId, b.projectId) || cmp(a.uuid, b.uuid);
    let active = all
      .filter((i) => i.terminatedAt === null || i.terminatedAt.getTime() > req.start.getTime())
      .filter((i) => i.launchedAt !== null && i.launchedAt.getTime() < req.stop.getTime())
      .sort(byKey);
    if (req.marker !== null) {
      const marker = await this.instances.find(req.marker, { includeDeleted: true }).catch(() => null);
      if (!marker) throw new BadRequest(`Marker ${req.marker} could not be found.`);
      active = active.filter((i) => byKey(i, marker) > 0);
    }
    const page = active.slice(0, Math.max(0, req.limit));
    const summaries = new Map<string, TenantUsage>();
    const servers: ServerUsage[] = [];
    for (const i of page) {
      const usage = serverUsage(i, req.start, req.stop, now);
      let summary = summaries.get(i.projectId);
      if (!summary) {
        summary = {
          tenant_id: i.projectId, ...(req.detailed && { server_usages: [] }),
          total_local_gb_usage: 0, total_vcpus_usage: 0, total_memory_mb_usage: 0, total_hours: 0,
          start: naiveIso(req.start), stop: naiveIso(req.stop),
        };
        summaries.set(i.projectId, summary);
      }
      summary.total_local_gb_usage += usage.local_gb * usage.hours;
      summary.total_vcpus_usage += usage.vcpus * usage.hours;
      summary.total_memory_mb_usage += usage.memory_mb * usage.hours;
      summary.total_hours += usage.hours;
      servers.push(usage);
      summary.server_usages?.push(usage);
    }
    return { usages: [...summaries.values()], servers };
  }
}

function serverUsage(i: InstanceRecord, start: Date, stop: Date, now: Date): ServerUsage {
  const launched = i.launchedAt!;
  const ended = i.terminatedAt;
  return {
    hours: hoursFor(i, start, stop),
    flavor: i.flavor.name,
    instance_id: i.uuid,
    name: i.displayName,
    tenant_id: i.projectId,
    memory_mb: i.flavor.memoryMb,
    local_gb: i.flavor.rootGb + i.flavor.ephemeralGb,
    vcpus: i.flavor.vcpus,
    started_at: naiveIso(launched),
    ended_at: ended ? naiveIso(ended) : null,
    state: ended ? 'terminated' : i.vmState,
    uptime: Math.trunc(((ended ?? now).getTime() - launched.getTime()) / 1000),
  };
}

/** SQL's byte order for the ascii ids compared here (project ids, uuids) */
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
