import type { DriverRegistry } from '../drivers/registry';
import type { InstanceStore } from '../db/stores/instances';

/**
 * Picks a compute host for new instances. Today: the host with the fewest live instances among
 * the registered ones (a weigher with no filters yet); the place where filters will plug in.
 */
export class Scheduler {
  constructor(private readonly drivers: DriverRegistry, private readonly instances: InstanceStore) {}

  async selectHost(): Promise<string> {
    const hosts = this.drivers.hosts();
    if (hosts.length === 1) return hosts[0];
    const counts = await Promise.all(hosts.map(async (host) => ({ host, n: (await this.instances.list({ host })).length })));
    counts.sort((a, b) => a.n - b.n || a.host.localeCompare(b.host));
    return counts[0].host;
  }
}
