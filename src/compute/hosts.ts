import type { HostServices } from './host-services';
import { ItemNotFound, NotSupported } from '../errors';
import { ComputeHostNotFound } from './aggregates';

export interface HostResource {
  readonly host: string;
  readonly project: string;
  readonly cpu: number;
  readonly memory_mb: number;
  readonly disk_gb: number;
}

export interface HostListEntry {
  readonly host_name: string;
  readonly service: string;
  readonly zone: string;
}

/**
 * The deprecated os-hosts API (Nova's hosts.py, gone at 2.43): hosts are the services' hosts,
 * a compute host's resources come from its hypervisor view (os-hypervisors). Enabling, maintenance
 * and power actions are compute driver operations no novashim driver has (as libvirt): 501.
 */
export class Hosts {
  constructor(private readonly hostServices: HostServices) {}

  /** Nova's index: enabled services, API services left out, optionally of one zone */
  async list(zone: string | undefined): Promise<HostListEntry[]> {
    const services = (await this.hostServices.list()).filter((s) => s.status === 'enabled' && (!zone || s.zone === zone));
    return services.map((s) => ({ host_name: s.host, service: s.binary.replace(/^nova-/, ''), zone: s.zone }));
  }

  /** Nova's show: (total), (used_now), (used_max), then one line per project with servers on the host */
  async resources(host: string): Promise<HostResource[]> {
    const h = (await this.hostServices.hypervisors()).find((x) => x.host === host);
    if (!h) throw new ItemNotFound(`Host '${host}' is not mapped to any cell`);
    const sum = (list: typeof h.instances) => ({
      cpu: list.reduce((n, i) => n + i.flavor.vcpus, 0),
      memory_mb: list.reduce((n, i) => n + i.flavor.memoryMb, 0),
      disk_gb: list.reduce((n, i) => n + i.flavor.rootGb + i.flavor.ephemeralGb, 0),
    });
    const used = sum(h.instances);
    const projects = [...new Set(h.instances.map((i) => i.projectId))];
    return [
      { host, project: '(total)', cpu: h.info?.vcpus ?? 0, memory_mb: h.info?.memoryMb ?? 0, disk_gb: h.info?.diskGb ?? 0 },
      { host, project: '(used_now)', ...used },
      { host, project: '(used_max)', ...used },
      ...projects.map((p) => ({ host, project: p, ...sum(h.instances.filter((i) => i.projectId === p)) })),
    ];
  }

  /** PUT status/maintenance_mode and GET startup|shutdown|reboot: 404 for an unknown host, else 501 */
  async driverOperation(host: string): Promise<never> {
    const computes = (await this.hostServices.list({ binary: 'nova-compute' })).map((s) => s.host);
    if (!computes.includes(host)) throw new ComputeHostNotFound(host);
    throw new NotSupported();
  }
}
