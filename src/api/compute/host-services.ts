import type { Services } from '../../services';
import type { RouteDef } from '../routing';
import type { HypervisorView, ServiceView } from '../../compute/host-services';
import type { Input } from '../routing';
import { BadRequest, ItemNotFound } from '../../errors';
import { nextLink } from './links';
import { requireBeforeVersion } from './version-gates';
import { VmState } from '../../compute/states';
import * as schemas from './schemas/host-services';

const novaTime = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000');
/** webob: the last value of a repeated query parameter */
const lastOf = (v: string | string[] | undefined) => (Array.isArray(v) ? v[v.length - 1] : v);

/** 2.11: forced_down; 2.53: the uuid as id */
const serviceView = (s: ServiceView, input?: Pick<Input, 'version'>) => ({
  id: input?.version.atLeast('2.53') ? s.uuid : s.id, binary: s.binary, host: s.host, zone: s.zone, status: s.status, state: s.state,
  updated_at: novaTime(s.updatedAt), disabled_reason: s.disabledReason,
  ...(input?.version.atLeast('2.11') ? { forced_down: s.forcedDown } : {}),
});

const uuidIds = (input?: Pick<Input, 'version'>) => !!input?.version.atLeast('2.53');
const summaryView = (h: HypervisorView, input?: Pick<Input, 'version'>) => ({
  id: uuidIds(input) ? h.uuid : h.id, hypervisor_hostname: h.host, state: h.service.state, status: h.service.status,
});
/** Nova's strutils.bool_from_string(strict=True) for with_servers (the schema allows only its spellings) */
const truthy = (v: string | undefined) => v !== undefined && ['true', '1', 'on', 'yes'].includes(v.toLowerCase());
const serversOn = (h: HypervisorView) => h.instances.filter((i) => i.vmState !== VmState.DELETED).map((i) => ({ name: i.displayName, uuid: i.uuid }));

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

/** cpu_info is a JSON text before 2.28, the object from 2.28 on */
const detailView = (h: HypervisorView, input?: Pick<Input, 'version'>) => {
  const cpuInfo = { arch: h.info?.cpuArch ?? '', topology: { sockets: 1, cores: h.info?.vcpus ?? 0, threads: 1 } };
  return {
    ...summaryView(h, input), ...usage(h),
    hypervisor_type: h.info?.hypervisorType ?? 'unknown', hypervisor_version: h.info?.hypervisorVersion ?? 0,
    host_ip: h.info?.hostIp ?? '127.0.0.1',
    cpu_info: input?.version.atLeast('2.28') ? cpuInfo : JSON.stringify(cpuInfo),
    service: { id: uuidIds(input) ? h.service.uuid : h.service.id, host: h.host, disabled_reason: h.service.disabledReason },
  };
};

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
  type Body = { host: string; binary: string; disabled_reason?: string; forced_down?: boolean | string };
  const actions: Record<string, (b: Body) => Promise<object>> = {
    enable: async (b) => {
      await s.hostServices.setEnabled(b.host, b.binary, true);
      return { service: { host: b.host, binary: b.binary, status: 'enabled' } };
    },
    disable: async (b) => {
      await s.hostServices.setEnabled(b.host, b.binary, false);
      return { service: { host: b.host, binary: b.binary, status: 'disabled' } };
    },
    'disable-log-reason': async (b) => {
      if (b.disabled_reason === undefined) throw new BadRequest('Missing disabled reason field');
      await s.hostServices.setEnabled(b.host, b.binary, false, b.disabled_reason);
      return { service: { host: b.host, binary: b.binary, status: 'disabled', disabled_reason: b.disabled_reason } };
    },
  };
  /** 2.11–2.52: PUT /os-services/force-down */
  const forceDown = async (b: Body) => {
    if (b.forced_down === undefined) throw new BadRequest('Missing forced_down field');
    const forcedDown = boolFromString(b.forced_down);
    await s.hostServices.setForcedDown(b.host, b.binary, forcedDown);
    return { service: { host: b.host, binary: b.binary, forced_down: forcedDown } };
  };
  return [
    {
      ...base, name: 'services.index', admin: 'os_compute_api:os-services:list', method: 'GET', path: '/os-services', body: null, ...schemas.listServices, errors: [],
      handler: async (input) => {
        const services = await s.hostServices.list({ host: lastOf(input.query.host), binary: lastOf(input.query.binary) });
        return { status: 200, body: { services: services.map((x) => serviceView(x, input)) } };
      },
    },
    {
      // before 2.53 the path names an action (enable, disable, disable-log-reason, 2.11 force-down); from 2.53 a service uuid
      ...base, name: 'services.update', admin: 'os_compute_api:os-services:update', method: 'PUT', path: '/os-services/:action', ...schemas.updateService, errors: [400, 404],
      handler: async (input) => {
        if (input.version.atLeast('2.53')) {
          return { status: 200, body: { service: serviceView(await s.hostServices.update(input.params.action, input.body), input) } };
        }
        if (input.params.action === 'force-down' && input.version.atLeast('2.11')) {
          return { status: 200, body: await forceDown(input.body), variant: 'force-down' };
        }
        const action = Object.hasOwn(actions, input.params.action) ? actions[input.params.action] : null;
        if (!action) throw new ItemNotFound('Unknown action');
        return { status: 200, body: await action(input.body), variant: 'status' };
      },
    },
    {
      ...base, name: 'services.delete', admin: 'os_compute_api:os-services:delete', method: 'DELETE', path: '/os-services/:id', body: null, ...schemas.deleteService, errors: [400, 404, 409],
      handler: async (input) => {
        await s.hostServices.delete(input.params.id, input.version.atLeast('2.53'));
        return { status: 204 };
      },
    },
  ];
}

/** Nova's strutils.bool_from_string (the body schema allows only its spellings) */
function boolFromString(v: boolean | string): boolean {
  return typeof v === 'boolean' ? v : ['true', '1', 'on', 'yes'].includes(v.toLowerCase());
}

/**
 * /os-hypervisors: 2.28 cpu_info an object; 2.33 limit/marker with hypervisors_links; 2.53 uuid
 * ids, ?hypervisor_hostname_pattern= and ?with_servers= (the search and servers routes 404 from 2.53).
 */
export function hypervisorRoutes(s: Services): RouteDef[] {
  const base = { auth: 'token' as const, body: null, method: 'GET' as const };
  const listed = async (input: Input, detail: boolean) => {
    const q = input.query;
    const pattern = input.version.atLeast('2.53') ? lastOf(q.hypervisor_hostname_pattern) : undefined;
    const withServers = input.version.atLeast('2.53') && truthy(lastOf(q.with_servers));
    const paged = input.version.atLeast('2.33');
    let found: HypervisorView[];
    let limit = Infinity;
    if (pattern !== undefined) {
      if (q.limit !== undefined || lastOf(q.marker)) {
        throw new BadRequest('Paging over hypervisors with the hypervisor_hostname_pattern query parameter is not supported.');
      }
      found = await s.hostServices.search(pattern);
    } else {
      found = await s.hostServices.hypervisors();
      if (paged) {
        const marker = lastOf(q.marker);
        if (marker !== undefined) {
          const at = found.findIndex((h) => String(uuidIds(input) ? h.uuid : h.id) === marker);
          if (at < 0) throw new BadRequest(`marker [${marker}] not found`);
          found = found.slice(at + 1);
        }
        const limitText = lastOf(q.limit);
        if (limitText !== undefined) {
          if (!/^\d+$/.test(limitText)) throw new BadRequest('limit param must be an integer');
          limit = Math.min(Number(limitText), 1000);
        } else limit = 1000;
        found = found.slice(0, limit);
      }
    }
    const hypervisors = found.map((h) => {
      const view = detail ? detailView(h, input) : summaryView(h, input);
      return withServers ? { ...view, servers: serversOn(h) } : view;
    });
    const last = hypervisors[hypervisors.length - 1];
    const links = paged && pattern === undefined && last && hypervisors.length === limit
      ? { hypervisors_links: nextLink(s.config.publicUrl, detail ? 'os-hypervisors/detail' : 'os-hypervisors', q, String(last.id)) } : {};
    return { status: 200, body: { hypervisors, ...links } };
  };
  return [
    {
      ...base, name: 'hypervisors.index', admin: 'os_compute_api:os-hypervisors:list', path: '/os-hypervisors', ...schemas.listHypervisors, errors: [400, 404],
      handler: async (input) => {
        return listed(input, false);
      },
    },
    {
      ...base, name: 'hypervisors.detail', admin: 'os_compute_api:os-hypervisors:list-detail', path: '/os-hypervisors/detail', ...schemas.listHypervisorsDetail, errors: [400, 404],
      handler: async (input) => {
        return listed(input, true);
      },
    },
    {
      ...base, name: 'hypervisors.statistics', admin: 'os_compute_api:os-hypervisors:statistics', path: '/os-hypervisors/statistics', ...schemas.hypervisorStatistics, errors: [],
      handler: async (input) => {
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
      ...base, name: 'hypervisors.search', admin: 'os_compute_api:os-hypervisors:search', path: '/os-hypervisors/:hostname/search', ...schemas.listHypervisors, errors: [404],
      handler: async (input) => {
        requireBeforeVersion(input, '2.53');
        return { status: 200, body: { hypervisors: (await s.hostServices.search(input.params.hostname)).map((h) => summaryView(h, input)) } };
      },
    },
    {
      ...base, name: 'hypervisors.servers', admin: 'os_compute_api:os-hypervisors:servers', path: '/os-hypervisors/:hostname/servers', ...schemas.hypervisorServers, errors: [404],
      handler: async (input) => {
        requireBeforeVersion(input, '2.53');
        const found = await s.hostServices.search(input.params.hostname);
        const hypervisors = found.map((h) => {
          const servers = serversOn(h);
          return { ...summaryView(h, input), ...(servers.length > 0 && { servers }) };
        });
        return { status: 200, body: { hypervisors } };
      },
    },
    {
      ...base, name: 'hypervisors.uptime', admin: 'os_compute_api:os-hypervisors:uptime', path: '/os-hypervisors/:id/uptime', ...schemas.hypervisorUptime, errors: [400, 404, 501],
      handler: async (input) => {
        const h = await s.hostServices.hypervisor(input.params.id, uuidIds(input));
        return { status: 200, body: { hypervisor: { ...summaryView(h, input), uptime: uptimeLine(s.hostServices.uptimeOf(h)) } } };
      },
    },
    {
      ...base, name: 'hypervisors.show', admin: 'os_compute_api:os-hypervisors:show', path: '/os-hypervisors/:id', ...schemas.showHypervisor, errors: [400, 404],
      handler: async (input) => {
        const h = await s.hostServices.hypervisor(input.params.id, uuidIds(input));
        const withServers = uuidIds(input) && truthy(lastOf(input.query.with_servers));
        return { status: 200, body: { hypervisor: { ...detailView(h, input), ...(withServers ? { servers: serversOn(h) } : {}) } } };
      },
    },
  ];
}
