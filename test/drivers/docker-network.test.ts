import { randomInt } from 'node:crypto';
import { expect } from 'chai';
import { loadConfig } from '../../src/config';
import { DriverInstance, DriverState } from '../../src/drivers/driver';
import { DockerDriver } from '../../src/drivers/docker/driver';
import { addressesOf } from '../../src/drivers/docker/addresses';
import { buildContainerSpec } from '../../src/drivers/docker/container-spec';
import { PROJECT_LABEL, ownershipLabels } from '../../src/drivers/docker/labels';
import {
  DEFAULT_PRIVATE_NETWORK, NETWORK_OWNER_LABEL, firstFree, fixedIpsOf, isHostAddressIn, keptAddress,
} from '../../src/drivers/docker/network';
import { DEFAULT_DOCKER_HOST, dockerFromHost } from '../../src/drivers/docker/transport';
import { toDriverInstance } from '../../src/compute/manager';
import type { InstanceRecord } from '../../src/db/stores/instances';
import { execIn } from '../helpers/engine';
import { makeInstance } from './conformance';
import { FIXTURE_TAG, useEngine } from './docker-fixtures';

const FLAVOR = { memoryMb: 64, vcpus: 1 };

describe('Docker private network: addresses and spec (no engine)', function () {
  it('keeps only host addresses of the subnet (not the network, gateway or broadcast address)', function () {
    expect(isHostAddressIn('10.213.0.2', '10.213.0.0/16')).to.equal(true);
    expect(isHostAddressIn('10.213.255.254', '10.213.0.0/16')).to.equal(true);
    for (const ip of ['10.213.0.0', '10.213.0.1', '10.213.255.255', '172.17.0.2', '10.214.0.2', 'x', '10.213.0.256']) {
      expect(isHostAddressIn(ip, '10.213.0.0/16'), ip).to.equal(false);
    }
  });

  it('picks the lowest free host address from .2', function () {
    expect(firstFree('10.9.8.0/29', new Set())).to.equal('10.9.8.2');
    expect(firstFree('10.9.8.0/29', new Set(['10.9.8.2', '10.9.8.3']))).to.equal('10.9.8.4');
    expect(firstFree('10.9.8.0/30', new Set(['10.9.8.2']))).to.equal(null);
  });

  it('searches round-robin from a given offset, wrapping to the start', function () {
    expect(firstFree('10.9.8.0/29', new Set(), 5)).to.equal('10.9.8.5');
    expect(firstFree('10.9.8.0/29', new Set(['10.9.8.6']), 6)).to.equal('10.9.8.2');
    expect(firstFree('10.9.8.0/29', new Set(), 7)).to.equal('10.9.8.2'); // .7 is the broadcast address
  });

  it('keeps the first known address inside the subnet, from fixedIps or the previous driverState', function () {
    const subnet = '10.213.0.0/16';
    expect(keptAddress(makeInstance(), subnet)).to.equal(null);
    expect(keptAddress(makeInstance({ fixedIps: ['172.17.0.5', '10.213.0.9'] }), subnet)).to.equal('10.213.0.9');
    const state: DriverState = { v: 1, containerId: 'c', fixedIps: ['10.213.0.7'] };
    expect(keptAddress(makeInstance({ driverState: state }), subnet)).to.equal('10.213.0.7');
    expect(fixedIpsOf({ v: 1, fixedIps: 'nope' })).to.deep.equal([]);
  });

  it('the compute layer passes the record\'s IPv4 addresses, then driverState.fixedIps, to the driver', function () {
    const record = {
      uuid: 'u', projectId: 'p', hostname: 'h', metadata: {}, keyData: null,
      addresses: [{ network: 'private', addr: '10.213.0.4', version: 4, mac: null }, { network: 'private', addr: 'fd00::4', version: 6, mac: null }],
      driverState: { v: 1, containerId: 'c', fixedIps: ['10.213.0.4', '10.213.0.8'] },
    } as unknown as InstanceRecord;
    expect(toDriverInstance(record).fixedIps).to.deep.equal(['10.213.0.4', '10.213.0.8']);
    const stopped = { ...record, addresses: [] } as unknown as InstanceRecord; // a stopped server shows none
    expect(toDriverInstance(stopped).fixedIps).to.deep.equal(['10.213.0.4', '10.213.0.8']);
  });

  it('joins the named bridge with the pinned address and keeps every other limit', function () {
    const input = { instance: makeInstance(), flavor: FLAVOR, imageTag: 't', pidsLimit: 10, stopTimeoutSec: 1 };
    const spec = buildContainerSpec({ ...input, network: { name: 'novashim-private', ipv4: '10.213.0.9' } });
    expect(spec.HostConfig?.NetworkMode).to.equal('novashim-private');
    expect(spec.NetworkingConfig).to.deep.equal({ EndpointsConfig: { 'novashim-private': { IPAMConfig: { IPv4Address: '10.213.0.9' } } } });
    expect(spec.HostConfig?.Privileged).to.equal(false);
    expect(spec.HostConfig).to.not.have.any.keys('Binds', 'Mounts', 'VolumesFrom', 'PortBindings');
    const unpinned = buildContainerSpec({ ...input, network: { name: 'n', ipv4: null } });
    expect(unpinned.NetworkingConfig).to.deep.equal({ EndpointsConfig: { n: {} } });
    expect(buildContainerSpec(input)).to.not.have.property('NetworkingConfig');
  });

  it('reports both the default bridge and the private network as the deployment\'s label', function () {
    const networks = {
      bridge: { IPAddress: '172.17.0.3', MacAddress: '02:42:ac:11:00:03' },
      'novashim-private': { IPAddress: '10.213.0.2', MacAddress: '02:42:0a:d5:00:02' },
      other: { IPAddress: '192.168.5.5' },
    };
    expect(addressesOf(networks, 'private', 'novashim-private').map((a) => `${a.network}=${a.addr}`))
      .to.deep.equal(['private=172.17.0.3', 'private=10.213.0.2', 'other=192.168.5.5']);
  });

  it('configures the network name and subnet, and refuses a subnet that is not a CIDR', function () {
    const config = loadConfig({});
    expect(config.privateNetwork).to.equal(DEFAULT_PRIVATE_NETWORK);
    expect(config.privateSubnet).to.equal('10.213.0.0/16');
    expect(loadConfig({ NOVASHIM_PRIVATE_SUBNET: '10.50.0.0/24' }).privateSubnet).to.equal('10.50.0.0/24');
    for (const bad of ['10.50.0.0', '10.50.0.0/33', '300.1.1.1/16', '10.0.0.0/4']) {
      expect(() => loadConfig({ NOVASHIM_PRIVATE_SUBNET: bad }), bad).to.throw(/NOVASHIM_PRIVATE_SUBNET/);
    }
  });
});

describe('DockerDriver private network on a real engine', function () {
  this.timeout(120_000);
  const endpoint = process.env.DOCKER_HOST || DEFAULT_DOCKER_HOST;
  const docker = dockerFromHost(endpoint);
  const { fixtures, busyboxTar } = useEngine(docker, endpoint, 'Docker network tests');
  // a network of this run only (removed after), so these tests neither depend on nor disturb the
  // shared novashim-private network; a small /28 makes address reuse visible
  const networkName = `novashim-test-net-${randomInt(1e9).toString(36)}`;
  const subnet = `10.${randomInt(214, 250)}.${randomInt(0, 255)}.0/28`;
  const newDriver = () => new DockerDriver({ docker, defaultStopTimeoutSec: 1, privateNetwork: networkName, privateSubnet: subnet });
  const driver = newDriver();

  after(async function () {
    // runs after useEngine's cleanup removed this run's containers
    await docker.getNetwork(networkName).remove().catch(() => undefined);
  });

  async function spawn(overrides: Partial<DriverInstance> = {}, by: DockerDriver = driver): Promise<DriverInstance> {
    const instance = makeInstance({ projectId: fixtures.projectId, ...overrides });
    return { ...instance, driverState: await by.spawn(instance, fixtures.image(busyboxTar()), FLAVOR) };
  }
  const inspect = (i: DriverInstance) => docker.getContainer(String(i.driverState!.containerId)).inspect();
  const ipOf = async (i: DriverInstance) => (await driver.getInfo(i)).addresses.find((a) => a.version === 4)?.addr;

  it('is created once: drivers initialising at the same time all succeed and share one labelled network', async function () {
    await Promise.all([newDriver().init(), newDriver().init(), driver.init()]);
    await newDriver().init(); // and again once it exists
    const found = (await docker.listNetworks({ filters: { name: [networkName] } })).filter((n) => n.Name === networkName);
    expect(found).to.have.length(1);
    const network = await docker.getNetwork(networkName).inspect();
    expect(network.Driver).to.equal('bridge');
    expect(network.Labels).to.have.property(NETWORK_OWNER_LABEL);
    expect(network.IPAM?.Config?.[0].Subnet).to.equal(subnet);
    expect(network.Options?.['com.docker.network.bridge.enable_icc']).to.equal('true'); // as the default bridge
    expect(network.Internal).to.equal(false);
  });

  it('the default driver creates (or reuses) the labelled novashim-private network', async function () {
    await new DockerDriver({ docker }).init();
    const network = await docker.getNetwork(DEFAULT_PRIVATE_NETWORK).inspect();
    expect(network.Labels).to.have.property(NETWORK_OWNER_LABEL);
  });

  it('refuses a same-named network that novashim did not create', async function () {
    const foreign = `${networkName}-foreign`;
    await docker.createNetwork({ Name: foreign, Driver: 'bridge' });
    try {
      const err = await new DockerDriver({ docker, privateNetwork: foreign, privateSubnet: '10.251.0.0/28' }).init().then(() => null, (e: Error) => e);
      expect(err?.message).to.match(/not created by novashim/);
    } finally {
      await docker.getNetwork(foreign).remove().catch(() => undefined);
    }
  });

  describe('a spawned instance', function () {
    let first: DriverInstance;
    let firstIp: string;

    before(async function () {
      first = await spawn();
      firstIp = (await ipOf(first))!;
    });
    after(async () => first && driver.destroy(first));

    it('gets an address of the subnet on the private network, reported as "private"', async function () {
      expect(isHostAddressIn(firstIp, subnet), firstIp).to.equal(true);
      const info = await driver.getInfo(first);
      expect(info.addresses.map((a) => a.network)).to.deep.equal(['private']);
      expect(first.driverState!.fixedIps).to.deep.equal([firstIp]);
      const settings = (await inspect(first)).NetworkSettings.Networks;
      expect(Object.keys(settings)).to.deep.equal([networkName]);
    });

    it('is on no host network and has no binds, mounts or privileges', async function () {
      const info = await inspect(first);
      expect(info.HostConfig.NetworkMode).to.equal(networkName);
      expect(info.HostConfig.Binds ?? []).to.deep.equal([]);
      expect(info.Mounts).to.deep.equal([]);
      expect(info.HostConfig.Privileged).to.equal(false);
      expect(info.HostConfig.PortBindings ?? {}).to.deep.equal({});
    });

    it('destroy + spawn of the same instance with its previous address gets the same IP', async function () {
      await driver.destroy(first);
      const other = await spawn();
      try {
        first = await spawn({ uuid: first.uuid, hostname: first.hostname, driverState: null, fixedIps: [firstIp] });
        expect(await ipOf(first)).to.equal(firstIp);
        expect(await ipOf(other)).to.not.equal(firstIp);
      } finally {
        await driver.destroy(other);
      }
    });

    it('a re-spawn also keeps the address noted in the previous driverState (a stopped server shows none)', async function () {
      const previous = first.driverState;
      await driver.destroy(first);
      first = await spawn({ uuid: first.uuid, hostname: first.hostname, driverState: previous });
      expect(await ipOf(first)).to.equal(firstIp);
    });

    it('a stopped instance keeps its address while new instances are spawned, and has it again on start', async function () {
      await driver.powerOff(first, { timeoutSec: 0 });
      expect((await driver.getInfo(first)).addresses).to.deep.equal([]);
      // a fresh driver starts at the lowest free address, which is the first one's unless it counts as held
      const newcomer = await spawn({}, newDriver());
      try {
        expect(await ipOf(newcomer)).to.not.equal(firstIp);
        await driver.powerOn(first);
        expect(await ipOf(first)).to.equal(firstIp);
      } finally {
        await driver.destroy(newcomer);
      }
    });

    it('instances spawned at the same time get distinct addresses', async function () {
      const many = await Promise.all([spawn(), spawn(), spawn()]);
      try {
        const ips = await Promise.all(many.map(ipOf));
        expect(new Set([...ips, firstIp]).size, ips.join(' ')).to.equal(4);
      } finally {
        await Promise.all(many.map((i) => driver.destroy(i)));
      }
    });

    it('instances reach each other over the bridge, as on the default bridge (ICC)', async function () {
      const peer = await spawn();
      try {
        const peerIp = await ipOf(peer);
        await execIn(docker, String(peer.driverState!.containerId), ['httpd', '-p', '8080', '-h', '/etc']);
        // busybox-static's wget crashes, so plain HTTP over nc
        const fetched = await execIn(docker, String(first.driverState!.containerId),
          ['sh', '-c', `printf 'GET /hostname HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${peerIp} 8080`]);
        expect(fetched).to.match(/200 OK/).and.to.include(peer.hostname);
      } finally {
        await driver.destroy(peer);
      }
    });
  });

  it('a container from before the private network (default bridge) still reports its address as "private"', async function () {
    const instance = makeInstance({ projectId: fixtures.projectId });
    const spec = buildContainerSpec({ instance, flavor: FLAVOR, imageTag: FIXTURE_TAG, pidsLimit: 100, stopTimeoutSec: 1 });
    expect(spec.Labels).to.deep.equal(ownershipLabels(instance.uuid, fixtures.projectId));
    const container = await docker.createContainer(spec);
    await container.start();
    const old = { ...instance, driverState: { v: 1, containerId: container.id } };
    try {
      const [address] = (await driver.getInfo(old)).addresses;
      expect(address.network).to.equal('private');
      expect(Object.keys((await container.inspect()).NetworkSettings.Networks)).to.deep.equal(['bridge']);
      // its rebuild moves it to the private network (a default-bridge address cannot be kept there)
      await driver.destroy(old);
      const rebuilt = await spawn({ uuid: instance.uuid, hostname: instance.hostname, fixedIps: [address.addr] });
      expect(isHostAddressIn((await ipOf(rebuilt))!, subnet)).to.equal(true);
      await driver.destroy(rebuilt);
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
    expect(PROJECT_LABEL in spec.Labels!).to.equal(true);
  });
});
