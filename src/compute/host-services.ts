import { createHash, randomUUID } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import type { DriverRegistry } from '../drivers/registry';
import type { HostInfo } from '../drivers/driver';
import type { InstanceRecord, InstanceStore } from '../db/stores/instances';
import type { ComputeServiceStore, ServicePatch } from '../db/stores/compute-services';
import { BadRequest, Conflict, ItemNotFound, NotSupported } from '../errors';
import { VmState } from './states';
import type { HostPoll } from './host-poll';

export interface ServiceView {
  /** the integer id of microversions below 2.53 */
  readonly id: number;
  /** the id from 2.53 on */
  readonly uuid: string;
  readonly binary: string;
  readonly host: string;
  readonly zone: string;
  readonly status: 'enabled' | 'disabled';
  readonly state: 'up' | 'down';
  readonly updatedAt: Date;
  readonly disabledReason: string | null;
  /** 2.11: set by an admin; a forced-down service is down */
  readonly forcedDown: boolean;
}

export interface HypervisorView {
  /** the integer id of microversions below 2.53 */
  readonly id: number;
  /** the compute node uuid (2.53's id): stable per host name */
  readonly uuid: string;
  readonly host: string;
  readonly service: ServiceView;
  readonly info: HostInfo | null;
  readonly instances: InstanceRecord[];
}

/** the fields of a service an admin changes (os-services) */
interface AdminState {
  uuid: string;
  disabled: boolean;
  disabledReason: string | null;
  forcedDown: boolean;
}

const CONTROLLER_BINARIES = ['nova-scheduler', 'nova-conductor'] as const;
const key = (host: string, binary: string) => `${host}\u0000${binary}`;
const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** A name-based (version 5 style) uuid: the compute node uuid of a host, the same across restarts. */
function nodeUuid(host: string): string {
  const h = createHash('sha1').update(`novashim-compute-node:${host}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/**
 * Nova's services and compute nodes (os-services, os-hypervisors) for novashim's hosts: one
 * nova-compute per registered compute host (up when its driver's last health() report, host-poll.ts, is healthy and not
 * forced down), plus nova-scheduler and nova-conductor for this API process (always up). Integer
 * ids are small, stable per host name (hosts sorted by name); 2.53's uuids are kept in the
 * compute_services table with the admin-set disabled/disabled_reason/forced_down flags, which
 * therefore survive a restart. A deleted service stays gone until the process restarts (as a
 * running nova-compute does not re-register), then comes back enabled with a new uuid.
 */
export class HostServices {
  private readonly admin = new Map<string, AdminState>();
  private readonly deleted = new Set<string>();
  private loaded: Promise<void> | null = null;
  private readonly controllerHost: string;
  /** a compute host's availability zone from its aggregates (set by the composition root); `nova` without it */
  zones?: { zoneOf(host: string): Promise<string> };
  /** the hosts' periodic health and resource reports (host-poll.ts; set by the composition root); without it each read asks the driver */
  poll?: Pick<HostPoll, 'snapshot'>;

  constructor(
    private readonly drivers: DriverRegistry,
    private readonly instances: InstanceStore,
    private readonly store?: ComputeServiceStore,
    controllerHost?: string,
  ) {
    this.controllerHost = controllerHost ?? osHostname();
  }

  /** reads the persisted flags once (the scheduler awaits this before using isEnabled) */
  load(): Promise<void> {
    this.loaded ??= (async () => {
      if (!this.store) return;
      for (const r of await this.store.all()) {
        this.admin.set(key(r.host, r.binary), { uuid: r.uuid, disabled: r.disabled, disabledReason: r.disabledReason, forcedDown: r.forcedDown });
      }
    })().catch((err) => {
      this.loaded = null;
      throw err;
    });
    return this.loaded;
  }

  private computeHosts(): string[] {
    return [...this.drivers.hosts()].filter((h) => !this.deleted.has(key(h, 'nova-compute'))).sort();
  }

  private stateOf(host: string, binary: string): AdminState {
    const k = key(host, binary);
    let state = this.admin.get(k);
    if (!state) {
      state = { uuid: randomUUID(), disabled: false, disabledReason: null, forcedDown: false };
      this.admin.set(k, state);
      void this.store?.ensure(host, binary, state.uuid, new Date()).catch(() => undefined);
    }
    return state;
  }

  /** Nova's ComputeFilter: the service is enabled and up (not forced down); only after load() */
  isEnabled(host: string): boolean {
    if (this.deleted.has(key(host, 'nova-compute'))) return false;
    const s = this.admin.get(key(host, 'nova-compute'));
    return !s || (!s.disabled && !s.forcedDown);
  }

  /** the compute hosts the scheduler may use */
  enabledHosts(): string[] {
    return this.computeHosts().filter((h) => this.isEnabled(h));
  }

  async list(filter: { host?: string; binary?: string } = {}): Promise<ServiceView[]> {
    await this.load();
    const now = new Date();
    const controllers = CONTROLLER_BINARIES
      .filter((binary) => !this.deleted.has(key(this.controllerHost, binary)))
      .map((binary): ServiceView => {
        const a = this.stateOf(this.controllerHost, binary);
        return {
          id: CONTROLLER_BINARIES.indexOf(binary) + 1, uuid: a.uuid, binary, host: this.controllerHost, zone: 'internal',
          status: a.disabled ? 'disabled' : 'enabled', state: a.forcedDown ? 'down' : 'up', updatedAt: now,
          disabledReason: a.disabledReason, forcedDown: a.forcedDown,
        };
      });
    const computes = await Promise.all(this.computeHosts().map((h) => this.computeService(h, now)));
    return [...controllers, ...computes]
      .filter((s) => !filter.host || s.host === filter.host)
      .filter((s) => !filter.binary || s.binary === filter.binary);
  }

  /** Nova's _update (2.1–2.52): only nova-compute can be changed; 404 for an unknown host/binary */
  private async updateByHost(host: string, binary: string, patch: ServicePatch): Promise<void> {
    if (binary !== 'nova-compute') {
      throw new BadRequest(`Updating a ${binary} service is not supported. Only nova-compute services can be updated.`);
    }
    await this.load();
    if (!this.computeHosts().includes(host)) throw new ItemNotFound(`Could not find binary ${binary} on host ${host}.`);
    await this.apply(host, binary, patch);
  }

  private async apply(host: string, binary: string, patch: ServicePatch): Promise<void> {
    const state = this.stateOf(host, binary);
    if (this.store) {
      await this.store.ensure(host, binary, state.uuid, new Date());
      await this.store.update(host, binary, patch, new Date());
    }
    if (patch.disabled !== undefined) state.disabled = patch.disabled;
    if (patch.disabledReason !== undefined) state.disabledReason = patch.disabledReason;
    if (patch.forcedDown !== undefined) state.forcedDown = patch.forcedDown;
  }

  /** PUT /os-services/enable|disable|disable-log-reason (before 2.53) */
  async setEnabled(host: string, binary: string, enabled: boolean, reason: string | null = null): Promise<void> {
    await this.updateByHost(host, binary, { disabled: !enabled, disabledReason: enabled ? null : reason });
  }

  /** PUT /os-services/force-down (2.11–2.52) */
  async setForcedDown(host: string, binary: string, forcedDown: boolean): Promise<void> {
    await this.updateByHost(host, binary, { forcedDown });
  }

  /** a service by its id: an integer before 2.53, a uuid from it (Nova's 400 for a malformed one) */
  async service(id: string, byUuid: boolean): Promise<ServiceView> {
    if (byUuid && !UUID_RE.test(id)) throw new BadRequest(`Invalid uuid ${id}`);
    if (!byUuid && !/^-?\d+$/.test(id.trim())) throw new BadRequest('Invalid input received: id must be an integer.');
    const found = (await this.list()).find((s) => (byUuid ? s.uuid === id.toLowerCase() : String(s.id) === id.trim()));
    if (!found) throw new ItemNotFound(`Service ${id} could not be found.`);
    return found;
  }

  /** PUT /os-services/{uuid} (2.53): status/disabled_reason and forced_down of a nova-compute service */
  async update(id: string, body: { status?: 'enabled' | 'disabled'; disabled_reason?: string; forced_down?: boolean }): Promise<ServiceView> {
    const service = await this.service(id, true);
    if (service.binary !== 'nova-compute') {
      throw new BadRequest(`Updating a ${service.binary} service is not supported. Only nova-compute services can be updated.`);
    }
    const patch: { disabled?: boolean; disabledReason?: string | null; forcedDown?: boolean } = {};
    if (body.status === 'enabled') {
      if (body.disabled_reason) throw new BadRequest("Specifying 'disabled_reason' with status 'enabled' is invalid.");
      patch.disabled = false;
      patch.disabledReason = null;
    } else if (body.status === 'disabled') {
      patch.disabled = true;
      patch.disabledReason = body.disabled_reason ?? null;
    }
    if (body.forced_down !== undefined) patch.forcedDown = body.forced_down;
    if (Object.keys(patch).length === 0) {
      throw new BadRequest("No updates were requested. Fields 'status' or 'forced_down' should be specified.");
    }
    await this.apply(service.host, service.binary, patch);
    return this.service(service.uuid, true);
  }

  /** DELETE /os-services/{id}: a nova-compute service only while it hosts no instances (Nova's 409) */
  async delete(id: string, byUuid: boolean): Promise<void> {
    const service = await this.service(id, byUuid);
    if (service.binary === 'nova-compute') {
      const hosted = (await this.instances.list({ host: service.host })).filter((i) => i.vmState !== VmState.DELETED);
      if (hosted.length > 0) {
        throw new Conflict('Unable to delete compute service that is hosting instances. Migrate or delete the instances first.');
      }
    }
    await this.store?.delete(service.host, service.binary);
    this.admin.delete(key(service.host, service.binary));
    this.deleted.add(key(service.host, service.binary));
  }

  async hypervisors(): Promise<HypervisorView[]> {
    await this.load();
    const now = new Date();
    const live = (await this.instances.list({})).filter((i) => i.vmState !== VmState.DELETED);
    const all = [...this.drivers.hosts()].sort();
    return Promise.all(this.computeHosts().map(async (host) => {
      const info = await this.hostInfoOf(host);
      return {
        id: all.indexOf(host) + 1, uuid: nodeUuid(host), host, service: await this.computeService(host, now), info,
        instances: live.filter((x) => x.host === host),
      };
    }));
  }

  /** one hypervisor by its id (integer before 2.53: 404 otherwise; uuid from 2.53: 400 otherwise) */
  async hypervisor(id: string, byUuid = false): Promise<HypervisorView> {
    if (byUuid && !UUID_RE.test(id)) throw new BadRequest(`Invalid uuid ${id}`);
    const found = (await this.hypervisors()).find((h) => (byUuid ? h.uuid === id.toLowerCase() : String(h.id) === id.trim()));
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

  private async hostInfoOf(host: string): Promise<HostInfo | null> {
    if (this.poll) return (await this.poll.snapshot(host)).info;
    const driver = this.drivers.forHost(host);
    return driver.capabilities.hostInfo && driver.hostInfo ? driver.hostInfo().catch(() => null) : null;
  }

  private async isHealthy(host: string): Promise<boolean> {
    const health = this.poll ? (await this.poll.snapshot(host)).health : await this.drivers.forHost(host).health().catch(() => ({ state: 'unhealthy' }));
    return health.state === 'healthy';
  }

  private async computeService(host: string, now: Date): Promise<ServiceView> {
    const healthy = await this.isHealthy(host);
    const index = [...this.drivers.hosts()].sort().indexOf(host);
    const a = this.stateOf(host, 'nova-compute');
    return {
      id: CONTROLLER_BINARIES.length + index + 1, uuid: a.uuid, binary: 'nova-compute', host, zone: (await this.zones?.zoneOf(host)) ?? 'nova',
      status: a.disabled ? 'disabled' : 'enabled', state: healthy && !a.forcedDown ? 'up' : 'down', updatedAt: now,
      disabledReason: a.disabledReason, forcedDown: a.forcedDown,
    };
  }
}
