import type { AggregateStore } from '../db/stores/aggregates';
import type { HostServices, ServiceView } from './host-services';
import { BadRequest, Forbidden } from '../errors';

/** Nova's [DEFAULT] default_availability_zone */
export const DEFAULT_ZONE = 'nova';

/**
 * A compute host's availability zone (Nova's availability_zones.set_availability_zones): the
 * `availability_zone` metadata of the aggregates it is in (joined by ',' in the odd case of
 * several), the default zone `nova` otherwise. Read from the database on every call — no cache,
 * so a change through os-aggregates shows at once.
 */
export class HostZones {
  constructor(private readonly store: AggregateStore) {}

  async zoneOf(host: string): Promise<string> {
    return (await this.zonesByHost()).get(host) ?? DEFAULT_ZONE;
  }

  /** every host in some zone-bearing aggregate → its zone */
  async zonesByHost(): Promise<Map<string, string>> {
    const byHost = await this.store.zonesByHost();
    return new Map([...byHost].map(([host, zones]) => [host, zones.join(',')]));
  }
}

export interface ZoneListing {
  /** zones with at least one enabled service, sorted */
  readonly available: string[];
  /** zones whose services are all disabled, sorted */
  readonly notAvailable: string[];
  /** the services, each with its zone */
  readonly services: ServiceView[];
}

/** Nova's availability_zones.get_availability_zones and the AZ check of servers.create. */
export class AvailabilityZones {
  constructor(private readonly zones: HostZones, private readonly hostServices: HostServices) {}

  zoneOf(host: string): Promise<string> {
    return this.zones.zoneOf(host);
  }

  async listing(): Promise<ZoneListing> {
    const services = await this.hostServices.list();
    const available = [...new Set(services.filter((s) => s.status === 'enabled').map((s) => s.zone))].sort();
    const notAvailable = [...new Set(services.filter((s) => s.status === 'disabled').map((s) => s.zone))]
      .filter((z) => !available.includes(z)).sort();
    return { available, notAvailable, services };
  }

  /**
   * The compute hosts a create may be scheduled on for the requested zone (Nova's
   * _handle_availability_zone and _validate_and_build_base_options): `zone` must be a zone with
   * an enabled service, else 400; `zone:host[:node]` forces a host (admins only, Nova's
   * servers:create:forced_host rule). Undefined when no zone was asked for (any host).
   */
  async hostsFor(requested: string | undefined | null, isAdmin: boolean): Promise<{ zone: string; hosts: string[] } | undefined> {
    if (requested === undefined || requested === null || requested === '') return undefined;
    const [zone, forcedHost] = requested.split(':');
    if (forcedHost) {
      if (!isAdmin) throw new Forbidden("Policy doesn't allow os_compute_api:servers:create:forced_host to be performed.");
      return { zone: zone || DEFAULT_ZONE, hosts: [forcedHost] };
    }
    const { available, services } = await this.listing();
    if (!available.includes(zone)) throw new BadRequest('The requested availability zone is not available');
    return { zone, hosts: services.filter((s) => s.binary === 'nova-compute' && s.zone === zone).map((s) => s.host) };
  }
}
