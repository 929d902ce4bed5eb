import type Koa from 'koa';
import { requireAdminPolicy } from '../../compute/policy';
import type { Config } from '../../config';
import type { Services } from '../../services';
import type { Input, RouteDef } from '../routing';
import type { InstanceRecord } from '../../db/stores/instances';
import type { InstanceDiagnostics } from '../../drivers/driver';
import type { ServerUsage } from '../../compute/tenant-usage';
import { USAGE_MAX_LIMIT, usageWindow } from '../../compute/tenant-usage';
import { parseBeforeTimestamp } from '../../compute/usage-audit-log';
import { POWER_STATE_NAMES } from '../../compute/diagnostics';
import { Forbidden, NotFound } from '../../errors';
import * as schemas from './schemas/admin-views';

type Query = Input['query'];

/** Nova's policy failure (403) */
function deny(policy: string): never {
  throw new Forbidden(`Policy doesn't allow os_compute_api:${policy} to be performed.`);
}

/** urllib.parse.parse_qs(...)[0]: the first non-blank value */
const firstOf = (v: string | string[] | undefined) => (Array.isArray(v) ? v.find((x) => x !== '') : v || undefined);
/** webob's request.GET[key]: the last value */
const lastOf = (v: string | string[] | undefined) => (Array.isArray(v) ? v[v.length - 1] : v);

/** Nova's common.get_limit_and_marker (2.40+): the limit capped at [api] max_limit */
function limitAndMarker(q: Query): { limit: number; marker: string | null } {
  const limit = lastOf(q.limit);
  return { limit: limit === undefined ? USAGE_MAX_LIMIT : Math.min(USAGE_MAX_LIMIT, Number(limit)), marker: lastOf(q.marker) ?? null };
}

/**
 * Nova's _get_collection_links for usages: a `next` link when the page is full, carrying the
 * request's parameters (sorted, one value each) with the last server's id as the marker.
 */
function usageLinks(publicUrl: string, q: Query, servers: readonly ServerUsage[], collection: string) {
  const max = Math.min(Number(lastOf(q.limit) ?? USAGE_MAX_LIMIT), USAGE_MAX_LIMIT);
  if (!max || max !== servers.length) return null;
  const params = new URLSearchParams();
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries(q)) merged[k] = lastOf(v) ?? '';
  merged.marker = servers[servers.length - 1].instance_id;
  for (const k of Object.keys(merged).sort()) params.append(k, merged[k]);
  return [{ rel: 'next', href: `${publicUrl}/compute/v2.1/${collection}?${params.toString()}` }];
}

/** Nova's standardized diagnostics (2.48). Nova's driver field is a closed enum without containers: libvirt
 * (whose lxc virt_type also runs containers) is reported, and `hypervisor` names the real engine. */
function diagnosticsView(instance: InstanceRecord, d: InstanceDiagnostics, powerState: number) {
  return {
    state: POWER_STATE_NAMES[powerState] ?? 'pending',
    driver: 'libvirt',
    hypervisor: d.hypervisor,
    hypervisor_os: d.hypervisorOs,
    uptime: d.uptimeSec,
    config_drive: instance.configDrive === 'True',
    num_cpus: d.cpus.length,
    num_nics: d.nics.length,
    num_disks: d.disks.length,
    memory_details: { maximum: d.memory.maximumMb, used: d.memory.usedMb },
    cpu_details: d.cpus.map((c) => ({ id: c.id, time: c.timeNs, utilisation: c.utilisation })),
    nic_details: d.nics.map((n) => ({
      mac_address: n.mac, rx_octets: n.rxOctets, rx_errors: n.rxErrors, rx_drop: n.rxDrop, rx_packets: n.rxPackets, rx_rate: null,
      tx_octets: n.txOctets, tx_errors: n.txErrors, tx_drop: n.txDrop, tx_packets: n.txPackets, tx_rate: null,
    })),
    disk_details: d.disks.map((k) => ({
      read_bytes: k.readBytes, read_requests: k.readRequests, write_bytes: k.writeBytes, write_requests: k.writeRequests, errors_count: k.errors,
    })),
  };
}

/**
 * Admin views over real data: /os-simple-tenant-usage, /os-instance_usage_audit_log,
 * /os-server-external-events and /servers/{id}/diagnostics (see src/compute/admin-views.ts).
 */
export function adminViewRoutes(s: Services, config: Config): RouteDef[] {
  const base = { auth: 'token' as const };
  const usage = async (input: Input, tenantId: string | undefined, detailed: boolean) => {
    const now = new Date();
    const { start, stop } = usageWindow(firstOf(input.query.start), firstOf(input.query.end), now);
    const paged = input.version.atLeast('2.40');
    const { limit, marker } = paged ? limitAndMarker(input.query) : { limit: USAGE_MAX_LIMIT, marker: null };
    const result = await s.adminViews.usage.usages({ start, stop, tenantId, detailed, limit, marker }, now);
    return { ...result, paged };
  };
  return [
    {
      ...base, name: 'simple_tenant_usage.index', method: 'GET', path: '/os-simple-tenant-usage', body: null,
      ...schemas.listTenantUsage, errors: [400], admin: 'os_compute_api:os-simple-tenant-usage:list',
      handler: async (input, ctx: Koa.Context) => {
        if (ctx.path.endsWith('/')) throw new NotFound('The resource could not be found.'); // an empty tenant id
        const { usages, servers, paged } = await usage(input, undefined, firstOf(input.query.detailed) === '1');
        const links = paged ? usageLinks(config.publicUrl, input.query, servers, 'os-simple-tenant-usage') : null;
        return { status: 200, body: { tenant_usages: usages, ...(links && { tenant_usages_links: links }) } };
      },
    },
    {
      ...base, name: 'simple_tenant_usage.show', method: 'GET', path: '/os-simple-tenant-usage/:tenant_id', body: null,
      ...schemas.showTenantUsage, errors: [400],
      handler: async (input) => {
        const tenantId = input.params.tenant_id;
        if (!input.auth.isAdmin && input.auth.projectId !== tenantId) deny('os-simple-tenant-usage:show');
        const { usages, servers, paged } = await usage(input, tenantId, true);
        const links = paged ? usageLinks(config.publicUrl, input.query, servers, `os-simple-tenant-usage/${tenantId}`) : null;
        return { status: 200, body: { tenant_usage: usages[0] ?? {}, ...(links && { tenant_usage_links: links }) } };
      },
    },
    {
      ...base, name: 'instance_usage_audit_log.index', method: 'GET', path: '/os-instance_usage_audit_log', body: null,
      ...schemas.listAuditLogs, errors: [], admin: 'os_compute_api:os-instance-usage-audit-log:list',
      handler: async () => {
        return { status: 200, body: { instance_usage_audit_logs: await s.adminViews.auditLog.report() } };
      },
    },
    {
      ...base, name: 'instance_usage_audit_log.show', method: 'GET', path: '/os-instance_usage_audit_log/:before', body: null,
      ...schemas.showAuditLog, errors: [400], admin: 'os_compute_api:os-instance-usage-audit-log:show',
      handler: async (input) => {
        const before = parseBeforeTimestamp(input.params.before);
        return { status: 200, body: { instance_usage_audit_log: await s.adminViews.auditLog.report(before) } };
      },
    },
    {
      ...base, name: 'server_external_events.create', method: 'POST', path: '/os-server-external-events',
      ...schemas.createExternalEvents, errors: [403], admin: 'os_compute_api:os-server-external-events:create',
      handler: async (input) => {
        const { status, events } = await s.adminViews.events.create(input.auth, input.body.events);
        return { status, body: { events } };
      },
    },
    {
      ...base, name: 'server_diagnostics.index', method: 'GET', path: '/servers/:id/diagnostics', body: null,
      ...schemas.serverDiagnostics, errors: [400, 404, 409, 501],
      handler: async (input) => {
        const instance = await s.compute.get(input.auth, input.params.id);
        requireAdminPolicy(input.auth, 'os-server-diagnostics');
        const { diagnostics, powerState } = await s.adminViews.diagnostics.get(instance);
        const body = input.version.atLeast('2.48') ? diagnosticsView(instance, diagnostics, powerState) : { ...diagnostics.raw };
        return { status: 200, body };
      },
    },
  ];
}
