import type { DriverRegistry } from '../drivers/registry';
import type { InstanceStore } from '../db/stores/instances';
import { DomainError } from '../errors';

/** Nova's NoValidHost: scheduling failed; the instance goes to ERROR with this as its fault (code 500). */
export class NoValidHost extends DomainError {
  constructor(reason = 'There are not enough hosts available.') {
    super(`No valid host was found. ${reason}`);
  }
}

/** The server group a new instance joins (Nova's ServerGroupAffinityFilter / ServerGroupAntiAffinityFilter input). */
export interface GroupPlacement {
  readonly policy: 'affinity' | 'anti-affinity';
  /** hosts the group's live members already run on */
  readonly memberHosts: readonly string[];
}

/**
 * Picks a compute host for new instances: the registered hosts the group filters let through,
 * then the one with the fewest live instances (the weigher). Throws NoValidHost when none passes.
 */
export class Scheduler {
  constructor(
    private readonly drivers: DriverRegistry,
    private readonly instances: InstanceStore,
    /** Nova's ComputeFilter: only hosts whose nova-compute service is enabled (os-services) */
    private readonly services?: { isEnabled(host: string): boolean },
  ) {}

  async selectHost(group?: GroupPlacement): Promise<string> {
    const hosts = this.drivers.hosts().filter((host) => (this.services?.isEnabled(host) ?? true) && passesGroupFilter(host, group));
    if (hosts.length === 0) throw new NoValidHost();
    if (hosts.length === 1) return hosts[0];
    const counts = await Promise.all(hosts.map(async (host) => ({ host, n: (await this.instances.list({ host })).length })));
    counts.sort((a, b) => a.n - b.n || a.host.localeCompare(b.host));
    return counts[0].host;
  }
}

/** affinity: a member's host once there is one; anti-affinity: no member's host */
function passesGroupFilter(host: string, group: GroupPlacement | undefined): boolean {
  if (!group || group.memberHosts.length === 0) return true;
  const taken = group.memberHosts.includes(host);
  return group.policy === 'affinity' ? taken : !taken;
}
