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
  /** soft-* (2.15): best effort, a weigher that never filters a host out */
  readonly policy: 'affinity' | 'anti-affinity' | 'soft-affinity' | 'soft-anti-affinity';
  /** hosts the group's live members already run on */
  readonly memberHosts: readonly string[];
  /** how many live members each host runs (anti-affinity's max_server_per_host, the soft weighers) */
  readonly memberCounts?: Readonly<Record<string, number>>;
  /** anti-affinity's rule (2.64): at most this many members per host; 1 when absent */
  readonly maxServerPerHost?: number;
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
    private readonly services?: { isEnabled(host: string): boolean; load?(): Promise<void> },
  ) {}

  /** only: the hosts of the requested availability zone (Nova's AvailabilityZoneFilter); absent: every host */
  async selectHost(group?: GroupPlacement, only?: readonly string[]): Promise<string> {
    await this.services?.load?.(); // the persisted disabled/forced_down flags, once after a start
    const hosts = this.drivers.hosts().filter((host) => (!only || only.includes(host)) && (this.services?.isEnabled(host) ?? true) && passesGroupFilter(host, group));
    if (hosts.length === 0) throw new NoValidHost();
    if (hosts.length === 1) return hosts[0];
    const counts = await Promise.all(hosts.map(async (host) => ({ host, n: (await this.instances.list({ host })).length })));
    counts.sort((a, b) => softGroupWeight(b.host, group) - softGroupWeight(a.host, group) || a.n - b.n || a.host.localeCompare(b.host));
    return counts[0].host;
  }
}

/**
 * affinity: a member's host once there is one; anti-affinity: a host with fewer than
 * max_server_per_host (default 1) members; soft policies filter nothing (Nova's weighers).
 */
function passesGroupFilter(host: string, group: GroupPlacement | undefined): boolean {
  if (!group || group.memberHosts.length === 0) return true;
  const taken = group.memberHosts.includes(host);
  if (group.policy === 'affinity') return taken;
  if (group.policy === 'anti-affinity') {
    const members = group.memberCounts?.[host] ?? (taken ? 1 : 0);
    return members < (group.maxServerPerHost ?? 1);
  }
  return true;
}

/** Nova's ServerGroupSoftAffinityWeigher / SoftAntiAffinityWeigher: more (fewer) members weigh more */
function softGroupWeight(host: string, group: GroupPlacement | undefined): number {
  if (!group) return 0;
  const members = group.memberCounts?.[host] ?? (group.memberHosts.includes(host) ? 1 : 0);
  if (group.policy === 'soft-affinity') return members;
  if (group.policy === 'soft-anti-affinity') return -members;
  return 0;
}
