import { expect } from 'chai';
import type Dockerode from 'dockerode';
import { AddressAllocator } from '../../src/drivers/docker/network';
import { INSTANCE_LABEL } from '../../src/drivers/docker/labels';

/** an engine stub whose network holds the given containers (address → owning instance), counting its listings */
function engine(held: Map<string, string>) {
  let listings = 0;
  const docker = {
    listContainers: async () => {
      listings += 1;
      await new Promise((resolve) => setTimeout(resolve, 2));
      return [...held].map(([ip, owner]) => ({ Labels: { [INSTANCE_LABEL]: owner }, NetworkSettings: { Networks: { net: { IPAddress: '', IPAMConfig: { IPv4Address: ip } } } } }));
    },
  } as unknown as Dockerode;
  return { docker, listings: () => listings };
}

const network = { name: 'net', subnet: '10.9.0.0/24' };

describe('AddressAllocator: concurrent boots (issue 6)', () => {
  it('gives concurrent creates distinct free addresses, runs them at once and lists the network once for the burst', async () => {
    const held = new Map([['10.9.0.2', 'other']]);
    const { docker, listings } = engine(held);
    const allocator = new AddressAllocator();
    let inCreate = 0;
    let mostAtOnce = 0;
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => allocator.create(docker, network, `vm-${i}`, null, async (ip) => {
      inCreate += 1;
      mostAtOnce = Math.max(mostAtOnce, inCreate);
      await new Promise((resolve) => setTimeout(resolve, 20));
      held.set(ip, `vm-${i}`); // the engine now lists the container
      inCreate -= 1;
      return ip;
    })));
    const ips = results.map((r) => r.ipv4);
    expect(new Set(ips).size).to.equal(8);
    expect(ips).to.not.include('10.9.0.2');
    expect(listings()).to.equal(1);
    expect(mostAtOnce).to.be.greaterThan(1);
  });

  it('lists the network afresh for a boot after the burst, and never reuses an address created meanwhile', async () => {
    const held = new Map<string, string>();
    const { docker, listings } = engine(held);
    const allocator = new AddressAllocator();
    const first = await allocator.create(docker, network, 'a', null, async (ip) => { held.set(ip, 'a'); return ip; });
    const second = await allocator.create(docker, network, 'b', first.ipv4, async (ip) => { held.set(ip, 'b'); return ip; });
    expect(second.ipv4).to.not.equal(first.ipv4); // preferred but held by another instance
    expect(listings()).to.equal(2);
    const again = await allocator.create(docker, network, 'a', first.ipv4, async (ip) => ip);
    expect(again.ipv4).to.equal(first.ipv4); // an instance keeps its own address (rebuild)
  });

  it('releases the reservation of a failed create', async () => {
    const { docker } = engine(new Map());
    const allocator = new AddressAllocator();
    let tried = '';
    await allocator.create(docker, network, 'a', '10.9.0.9', async (ip) => { tried = ip; throw new Error('create failed'); }).catch(() => undefined);
    const next = await allocator.create(docker, network, 'b', '10.9.0.9', async (ip) => ip);
    expect(tried).to.equal('10.9.0.9');
    expect(next.ipv4).to.equal('10.9.0.9');
  });
});
