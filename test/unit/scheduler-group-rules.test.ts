import { expect } from 'chai';
import { NoValidHost, Scheduler } from '../../src/scheduler/scheduler';
import type { DriverRegistry } from '../../src/drivers/registry';
import type { InstanceStore } from '../../src/db/stores/instances';

/** The group filters and weighers of microversions 2.15 (soft policies) and 2.64 (max_server_per_host), on two hosts. */
describe('scheduler: server group policies of microversion 2.15 and 2.64 rules', () => {
  const load: Record<string, number> = { a: 0, b: 5 };
  const drivers = { hosts: () => ['a', 'b'] } as unknown as DriverRegistry;
  const instances = { list: async (q: { host: string }) => new Array(load[q.host]).fill({}) } as unknown as InstanceStore;
  const scheduler = new Scheduler(drivers, instances);

  it('microversion 2.15: soft-affinity prefers the members\' host even when it is busier', async () => {
    expect(await scheduler.selectHost({ policy: 'soft-affinity', memberHosts: ['b'], memberCounts: { b: 1 } })).to.equal('b');
    expect(await scheduler.selectHost({ policy: 'affinity', memberHosts: ['b'] })).to.equal('b');
  });

  it('microversion 2.15: soft-anti-affinity avoids members but never fails when every host has one', async () => {
    expect(await scheduler.selectHost({ policy: 'soft-anti-affinity', memberHosts: ['a'], memberCounts: { a: 1 } })).to.equal('b');
    const both = await scheduler.selectHost({ policy: 'soft-anti-affinity', memberHosts: ['a', 'b'], memberCounts: { a: 2, b: 1 } });
    expect(both).to.equal('b');
    let err: unknown;
    await scheduler.selectHost({ policy: 'anti-affinity', memberHosts: ['a', 'b'], memberCounts: { a: 1, b: 1 } }).catch((e) => { err = e; });
    expect(err).to.be.instanceOf(NoValidHost);
  });

  it('microversion 2.64: anti-affinity lets max_server_per_host members share a host', async () => {
    const group = { policy: 'anti-affinity' as const, memberHosts: ['a', 'b'], memberCounts: { a: 1, b: 2 }, maxServerPerHost: 2 };
    expect(await scheduler.selectHost(group)).to.equal('a');
    let err: unknown;
    await scheduler.selectHost({ ...group, memberCounts: { a: 2, b: 2 } }).catch((e) => { err = e; });
    expect(err).to.be.instanceOf(NoValidHost);
  });
});
