import { hostname as osHostname } from 'node:os';
import type { DriverRegistry } from '../drivers/registry';
import type { HostInfo } from '../drivers/driver';
import type { InstanceRecord, InstanceStore } from '../db/stores/instances';
import { BadRequest, ItemNotFound, NotSupported } from '../errors';
import { VmState } from './states';

export interface ServiceView {
  readonly id: number;
  readonly binary: string;
  readonly host: string;
  readonly zone: string;
  readonly status: 'enabled' | 'disabled';
  readonly state: 'up' | 'down';
  readonly updatedAt: Date;
  readonly disabledReason: string | null;
}

export interface HypervisorView {
  readonly id: number;
  readonly host: string;
  readonly service: ServiceView;
  readonly info: HostInfo | null;
  readonly instances: InstanceRecord[];
}

const CONTROLLER_BINARIES = ['nova-scheduler', 'nova-conductor'] as const;

/**
 * Nova's services and compute nodes (os-services, os-hypervisors) for novashim's hosts: one
 * nova-compute per registered compute host (up when its driver's health() is healthy), plus
 * nova-scheduler and nova-conductor for this API process (always up). Ids are small integers,
 * stable per host name (hosts sorted by name). The enabled/disabled flag is kept in memory: a
 * restart enables every host again.
 */
export class HostServices {
  private readonly disabled = new Map<string, string | null>();
  private readonly controllerHost: string;

  constructor(private readonly drivers: DriverRegistry, private readonly instances: InstanceStore, controllerHost?: string) {
    this.controllerHost = controllerHost ?? osHostname();
  }

  private computeHosts(): string[] {
    return [...this.drivers.hosts()].sort();
  }

  isEnabled(host: string): boolean {
    return !this.disabled.has(host);
  }

  /** the compute hosts the scheduler may use */
  enabledHosts(): string[] {
    return this.computeHosts().filter((h) => this.isEnabled(h));
  }

  async list(filter: { host?: string; binary?: string } = {}): Promise<ServiceView[]> {
    const now = new Date();
    const controllers = CONTROLLER_BINARIES.map((binary, i): ServiceView => ({
      id: i + 1, binary, host: this.controllerHost, zone: 'internal', status: 'enabled', state: 'up', updatedAt: now, disabledReason: null,
    }));
    const computes = await Promise.all(this.computeHosts().map((h) => this.computeService(h, now)));
    return [...controllers, ...computes]
      .filter((s) => !filter.host || s.host === filter.host)
      .filter((s) => !filter.binary || s.binary === filter.binary);
  }

  /** PUT /os-services/enable|disable (Nova's _update): only nova-compute can be changed */
  setEnabled(host: string, binary: string, enabled: boolean, reason: string | null = null): void {
    if (binary !== 'nova-compute') {
      throw new BadRequest(`Updating a ${binary} service is not supported. Only nova-compute services can be updated.`);
    }
    if (!this.computeHosts().includes(host)) throw new ItemNotFound(`Could not find binary ${binary} on host ${host}.`);
    if (enabled) this.disabled.delete(host);
    else this.disabled.set(host, reason);
  }

  async hypervisors(): Promise<HypervisorView[]> {
    const now = new Date();
    const live = (await this.instances.list({})).filter((i) => i.vmState !== VmState.DELETED);
    return Promise.all(this.computeHosts().map(async (host, i) => {
      const driver = this.drivers.forHost(host);
      const info = driver.capabilities.hostInfo && driver.hostInfo ? await driver.hostInfo().catch(() => null) : null;
      return { id: i + 1, host, service: await this.computeService(host, now), info, instances: live.filter((x) => x.host === host) };
    }));
  }

  /** one hypervisor by its integer id; 404 with Nova's message otherwise */
  async hypervisor(id: string): Promise<HypervisorView> {
    const found = (await this.hypervisors()).find((h) => String(h.id) === id);
    if (!found) throw new ItemNotFound(`Hypervisor with ID '${id}' could not be found.`);
    return found;
  }

  /** Nova's hypervisor_hostname LIKE %pattern% search; 404 when nothing matches */
  async search(pattern: string): Promise<HypervisorView[]> {
    const found = (await this.hypervisors()).filter((h) => h.host.includes(pattern));
    if (found.length === 0) throw new ItemNotFound(`No hypervisor matching '${pattern}' could be found.`);
    return found;
  }

  /** seconds up, 501 when the driver cannot tell */
  uptimeOf(h: HypervisorView): number {
    if (!h.info || h.info.uptimeSec === null) throw new NotSupported();
    return h.info.uptimeSec;
  }

  private async computeService(host: string, now: Date): Promise<ServiceView> {
    const up = (await this.drivers.forHost(host).health().catch(() => ({ state: 'unhealthy' }))).state === 'healthy';
    const index = this.computeHosts().indexOf(host);
    return {
      id: CONTROLLER_BINARIES.length + index + 1, binary: 'nova-compute', host, zone: 'nova',
      status: this.isEnabled(host) ? 'enabled' : 'disabled', state: up ? 'up' : 'down', updatedAt: now,
      disabledReason: this.disabled.get(host) ?? null,
    };
  }
}
