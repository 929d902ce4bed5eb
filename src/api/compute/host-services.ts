import type { Services } from '../../services';
import type { RouteDef } from '../routing';
import type { AuthContext } from '../../identity/auth-context';
import type { HypervisorView, ServiceView } from '../../compute/host-services';
import { BadRequest, Forbidden, ItemNotFound } from '../../errors';
import { VmState } from '../../compute/states';
import * as schemas from './schemas/host-services';

/** Nova's default policies for os-services and os-hypervisors: admin only. */
function requireAdmin(auth: AuthContext, policy: string): void {
  if (!auth.isAdmin) throw new Forbidden(`Policy doesn't allow os_compute_api:${policy} to be performed.`);
}

const novaTime = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000');
/** webob: the last value of a repeated query parameter */
const lastOf = (v: string | string[] | undefined) => (Array.isArray(v) ? v[v.length - 1] : v);

const serviceView = (s: ServiceView) => ({
  id: s.id, binary: s.binary, host: s.host, zone: s.zone, status: s.status, state: s.state,
  updated_at: novaTime(s.updatedAt), disabled_reason: s.disabledReason,
});

const summaryView = (h: HypervisorView) => ({ id: h.id, hypervisor_hostname: h.host, state: h.service.state, status: h.service.status });

/** Nova's ComputeNode totals: the host's real resources, used values summed from the flavors of its servers. */
function usage(h: HypervisorView) {
  const sum = (f: (i: HypervisorView['instances'][number]) => number) => h.instances.reduce((n, i) => n + f(i), 0);
  const vcpus = h.info?.vcpus ?? 0;
  const memoryMb = h.info?.memoryMb ?? 0;
  const localGb = h.info?.diskGb ?? 0;
  const memoryUsed = sum((i) => i.flavor.memoryMb);
  const diskUsed = sum((i) => i.flavor.rootGb + i.flavor.ephemeralGb);
  return {
    vcpus, memory_mb: memoryMb, local_gb: localGb, vcpus_used: sum((i) => i.flavor.vcpus),
    memory_mb_used: memoryUsed, local_gb_used: diskUsed, free_ram_mb: memoryMb - memoryUsed, free_disk_gb: localGb - diskUsed,
    current_workload: h.instances.filter((i) => i.taskState !== null).length, running_vms: h.instances.length,
    disk_available_least: null as number | null,
  };
}

const detailView = (h: HypervisorView) => ({
  ...summaryView(h), ...usage(h),
  hypervisor_type: h.info?.hypervisorType ?? 'unknown', hypervisor_version: h.info?.hypervisorVersion ?? 0,
  host_ip: h.info?.hostIp ?? '127.0.0.1',
  cpu_info: JSON.stringify({ arch: h.info?.cpuArch ?? '', topology: { sockets: 1, cores: h.info?.vcpus ?? 0, threads: 1 } }),
  service: { id: h.service.id, host: h.host, disabled_reason: h.service.disabledReason },
});

/** `uptime`'s line, as libvirt's get_host_uptime returns it (" 08:32:11 up 93 days, 18:25, …") */
function uptimeLine(seconds: number, now = new Date()): string {
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const clock = now.toISOString().slice(11, 19);
  const up = days > 0 ? `${days} day${days === 1 ? '' : 's'}, ${hours}:${String(minutes).padStart(2, '0')}` : `${hours}:${String(minutes).padStart(2, '0')}`;
  return ` ${clock} up ${up},  0 users,  load average: 0.00, 0.00, 0.00`;
}

/** /os-services (2.1: host+binary in the body of PUT /os-services/{action}) */
export function hostServiceRoutes(s: Services): RouteDef[] {
  const base = { auth: 'token' as const };
  const actions: Record<string, (b: { host: string; binary: string; disabled_reason?: string }) => object> = {
    enable: (b) => {
      s.hostServices.setEnabled(b.host, b.binary, true);
      return { service: { host: b.host, binary: b.binary, status: 'enabled' } };
    },
    disable: (b) => {
      s.hostServices.setEnabled(b.host, b.binary, false);
      return { service: { host: b.host, binary: b.binary, status: 'disabled' } };
    },
    'disable-log-reason': (b) => {
      if (b.disabled_reason === undefined) throw new BadRequest('Missing disabled reason field');
      s.hostServices.setEnabled(b.host, b.binary, false, b.disabled_reason);
      return { service: { host: b.host, binary: b.binary, status: 'disabled', disabled_reason: b.disabled_reason } };
    },
  };
  return [
    {
      ...base, name: 'services.index', method: 'GET', path: '/os-services', body: null, ...schemas.listServices, errors: [],
      handler: async (input) => {
        requireAdmin(input.auth, 'os-services:list');
        const services = await s.hostServices.list({ host: lastOf(input.query.host), binary: lastOf(input.query.binary) });
        return { status: 200, body: { services: services.map(serviceView) } };
      },
    },
    {
      ...base, name: 'services.update', method: 'PUT', path: '/os-services/:action', ...schemas.updateService, errors: [400, 404],
      handler: async (input) => {
        requireAdmin(input.auth, 'os-services:update');
        const action = Object.hasOwn(actions, input.params.action) ? actions[input.params.action] : null;
        if (!action) throw new ItemNotFound('Unknown action');
        return { status: 200, body: action(input.body) };
      },
    },
  ];
}

/** /os-hypervisors at 2.1 (integer ids; statistics, uptime, search and servers routes) */
export function hypervisorRoutes(s: Services): RouteDef[] {
  const base = { auth: 'token' as const, body: null, method: 'GET' as const };
  return [
    {
      ...base, name: 'hypervisors.index', path: '/os-hypervisors', ...schemas.listHypervisors, errors: [],
      handler: async (input) => {
        requireAdmin(input.auth, 'os-hypervisors:list');
        return { status: 200, body: { hypervisors: (await s.hostServices.hypervisors()).map(summaryView) } };
      },
    },
    {
      ...base, name: 'hypervisors.detail', path: '/os-hypervisors/detail', ...schemas.listHypervisorsDetail, errors: [],
      handler: async (input) => {
        requireAdmin(input.auth, 'os-hypervisors:list-detail');
        return { status: 200, body: { hypervisors: (await s.hostServices.hypervisors()).map(detailView) } };
      },
    },
    {
      ...base, name: 'hypervisors.statistics', path: '/os-hypervisors/statistics', ...schemas.hypervisorStatistics, errors: [],
      handler: async (input) => {
        requireAdmin(input.auth, 'os-hypervisors:statistics');
        const all = (await s.hostServices.hypervisors()).map(usage);
        const total = (k: Exclude<keyof ReturnType<typeof usage>, 'disk_available_least'>) => all.reduce((n, u) => n + u[k], 0);
        return {
          status: 200,
          body: {
            hypervisor_statistics: {
              count: all.length, vcpus: total('vcpus'), memory_mb: total('memory_mb'), local_gb: total('local_gb'),
              vcpus_used: total('vcpus_used'), memory_mb_used: total('memory_mb_used'), local_gb_used: total('local_gb_used'),
              free_ram_mb: total('free_ram_mb'), free_disk_gb: total('free_disk_gb'), current_workload: total('current_workload'),
              running_vms: total('running_vms'), disk_available_least: null,
            },
          },
        };
      },
    },
    {
      ...base, name: 'hypervisors.search', path: '/os-hypervisors/:hostname/search', ...schemas.listHypervisors, errors: [404],
      handler: async (input) => {
        requireAdmin(input.auth, 'os-hypervisors:search');
        return { status: 200, body: { hypervisors: (await s.hostServices.search(input.params.hostname)).map(summaryView) } };
      },
    },
    {
      ...base, name: 'hypervisors.servers', path: '/os-hypervisors/:hostname/servers', ...schemas.hypervisorServers, errors: [404],
      handler: async (input) => {
        requireAdmin(input.auth, 'os-hypervisors:servers');
        const found = await s.hostServices.search(input.params.hostname);
        const hypervisors = found.map((h) => {
          const servers = h.instances.filter((i) => i.vmState !== VmState.DELETED).map((i) => ({ name: i.displayName, uuid: i.uuid }));
          return { ...summaryView(h), ...(servers.length > 0 && { servers }) };
        });
        return { status: 200, body: { hypervisors } };
      },
    },
    {
      ...base, name: 'hypervisors.uptime', path: '/os-hypervisors/:id/uptime', ...schemas.hypervisorUptime, errors: [400, 404, 501],
      handler: async (input) => {
        requireAdmin(input.auth, 'os-hypervisors:uptime');
        const h = await s.hostServices.hypervisor(input.params.id);
        return { status: 200, body: { hypervisor: { ...summaryView(h), uptime: uptimeLine(s.hostServices.uptimeOf(h)) } } };
      },
    },
    {
      ...base, name: 'hypervisors.show', path: '/os-hypervisors/:id', ...schemas.showHypervisor, errors: [404],
      handler: async (input) => {
        requireAdmin(input.auth, 'os-hypervisors:show');
        return { status: 200, body: { hypervisor: detailView(await s.hostServices.hypervisor(input.params.id)) } };
      },
    },
  ];
}
