import { expect } from 'chai';
import { DriverRegistry } from '../../src/drivers/registry';
import { FakeDriver } from '../../src/drivers/fake/driver';
import { Scheduler } from '../../src/scheduler/scheduler';
import { AvailabilityZones, HostZones } from '../../src/compute/availability-zones';
import type { HostServices, ServiceView } from '../../src/compute/host-services';
import type { AggregateStore } from '../../src/db/stores/aggregates';
import type { InstanceStore } from '../../src/db/stores/instances';

/** Availability zones across several compute hosts (the API tests have one). */
describe('availability zones on several hosts', () => {
  const drivers = new DriverRegistry({ 'host-a': new FakeDriver(), 'host-b': new FakeDriver(), 'host-c': new FakeDriver() });
  const noInstances = { list: async () => [] } as unknown as InstanceStore;
  const byHost = new Map<string, string[]>([['host-b', ['zone-b']], ['host-c', ['zone-c']]]);
  const zones = new HostZones({ zonesByHost: async () => byHost } as unknown as AggregateStore);
  const service = (host: string, zone: string, status: 'enabled' | 'disabled' = 'enabled') =>
    ({ host, zone, status, binary: host === 'ctl' ? 'nova-scheduler' : 'nova-compute' }) as ServiceView;
  const services = (disabledC = false) => ({
    list: async () => [service('ctl', 'internal'), service('host-a', 'nova'), service('host-b', 'zone-b'), service('host-c', 'zone-c', disabledC ? 'disabled' : 'enabled')],
  }) as unknown as HostServices;

  it("gives a host its aggregates' zone and the default zone otherwise", async () => {
    expect(await zones.zoneOf('host-a')).to.equal('nova');
    expect(await zones.zoneOf('host-b')).to.equal('zone-b');
  });

  it('lists available zones and those whose services are all disabled', async () => {
    const listing = await new AvailabilityZones(zones, services(true)).listing();
    expect(listing.available).to.deep.equal(['internal', 'nova', 'zone-b']);
    expect(listing.notAvailable).to.deep.equal(['zone-c']);
  });

  it("a requested zone restricts the scheduler to that zone's hosts; an unavailable zone is 400", async () => {
    const az = new AvailabilityZones(zones, services(true));
    const b = await az.hostsFor('zone-b', false);
    expect(b).to.deep.equal({ zone: 'zone-b', hosts: ['host-b'] });
    const scheduler = new Scheduler(drivers, noInstances);
    expect(await scheduler.selectHost(undefined, b!.hosts)).to.equal('host-b');
    expect(await scheduler.selectHost(undefined, ['host-c'])).to.equal('host-c');
    expect(await scheduler.selectHost()).to.equal('host-a');
    for (const bad of ['zone-c', 'nowhere']) {
      try { await az.hostsFor(bad, false); expect.fail(`${bad} accepted`); } catch (err) { expect((err as { status: number }).status).to.equal(400); }
    }
    expect(await az.hostsFor(undefined, false)).to.equal(undefined);
  });

  it('zone:host forces a host for admins, 403 for others', async () => {
    const az = new AvailabilityZones(zones, services());
    expect(await az.hostsFor('nova:host-c', true)).to.deep.equal({ zone: 'nova', hosts: ['host-c'] });
    try { await az.hostsFor('nova:host-c', false); expect.fail('forced by a member'); } catch (err) { expect((err as { status: number }).status).to.equal(403); }
  });
});
