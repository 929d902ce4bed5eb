import type { HostServices } from './host-services';
import { BadRequest } from '../errors';

export interface AuditLogView {
  readonly period_beginning: string;
  readonly period_ending: string;
  readonly num_hosts: number;
  readonly num_hosts_done: number;
  readonly num_hosts_running: number;
  readonly num_hosts_not_run: number;
  readonly hosts_not_run: string[];
  readonly total_instances: number;
  readonly total_errors: number;
  readonly overall_status: string;
  readonly log: Record<string, { state: string; instances: number; errors: number; message: string }>;
}

const pad = (n: number) => String(n).padStart(2, '0');
/** Python's str(datetime) of a naive UTC time: "2026-11-01 00:00:00" */
const pyStr = (d: Date) =>
  `${String(d.getUTCFullYear()).padStart(4, '0')}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;

/**
 * Nova's utils.last_completed_audit_period for its default unit, 'month': the calendar month (UTC)
 * that ended most recently before `before` (a period ending exactly at `before` does not count).
 */
export function lastCompletedAuditPeriod(before: Date): { begin: Date; end: Date } {
  let end = new Date(Date.UTC(before.getUTCFullYear(), before.getUTCMonth(), 1));
  if (end.getTime() >= before.getTime()) end = new Date(Date.UTC(before.getUTCFullYear(), before.getUTCMonth() - 1, 1));
  const begin = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - 1, 1));
  return { begin, end };
}

const SHOW_FORMATS = {
  micro: /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})\.(\d{1,6})$/,
  plain: /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})$/,
};

/** The {before_timestamp} of GET /os-instance_usage_audit_log/{id}: "%Y-%m-%d %H:%M:%S[.%f]" (UTC), else 400. */
export function parseBeforeTimestamp(id: string): Date {
  const m = (id.includes('.') ? SHOW_FORMATS.micro : SHOW_FORMATS.plain).exec(id);
  if (m) {
    const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
    const ms = m[7] ? Math.floor(Number(m[7].padEnd(6, '0')) / 1000) : 0;
    const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms));
    date.setUTCFullYear(y);
    if (y >= 1 && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && s < 60) return date;
  }
  throw new BadRequest(`Invalid timestamp for date ${id}`);
}

/**
 * os-instance_usage_audit_log (Nova's instance_usage_audit_log.py). Nova reports the task logs its
 * periodic instance-usage audit wrote per compute host; novashim runs no such audit, so there are
 * none: every nova-compute host (disabled ones too) is listed as not run, with no instances and
 * no errors, exactly what Nova answers before its audit has ever run.
 */
export class UsageAuditLogService {
  constructor(private readonly hostServices: HostServices) {}

  async report(before: Date = new Date()): Promise<AuditLogView> {
    const { begin, end } = lastCompletedAuditPeriod(before);
    const hosts = [...new Set((await this.hostServices.list({ binary: 'nova-compute' })).map((s) => s.host))].sort();
    // no task logs: no host has run the audit for this period (Nova counts done hosts against all)
    const done = 0;
    return {
      period_beginning: pyStr(begin),
      period_ending: pyStr(end),
      num_hosts: hosts.length,
      num_hosts_done: done,
      num_hosts_running: 0,
      num_hosts_not_run: hosts.length,
      hosts_not_run: hosts,
      total_instances: 0,
      total_errors: 0,
      overall_status: `${done === hosts.length ? 'ALL' : `${done} of ${hosts.length}`} hosts done. 0 errors.`,
      log: {},
    };
  }
}
