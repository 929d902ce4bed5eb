import { expect } from 'chai';
import type Dockerode from 'dockerode';
import { InstanceNotFoundInDriver } from '../../src/errors';
import { DriverFlavor, DriverInstance, PowerState } from '../../src/drivers/driver';
import { DockerDriver } from '../../src/drivers/docker/driver';
import { buildContainerSpec } from '../../src/drivers/docker/container-spec';
import { flavorLimits } from '../../src/drivers/docker/resize';
import { DEFAULT_DOCKER_HOST, dockerFromHost } from '../../src/drivers/docker/transport';
import { expectRejection, makeInstance } from './conformance';
import { useEngine } from './docker-fixtures';

const MIB = 1024 * 1024;
const SMALL: DriverFlavor = Object.freeze({ memoryMb: 64, vcpus: 1 });
const LARGE: DriverFlavor = Object.freeze({ memoryMb: 160, vcpus: 2 });

describe('Docker resize limits (pure)', function () {
  it('are exactly the limits a spawn with that flavor sets', function () {
    const instance = makeInstance();
    for (const [flavor, hostCpus] of [[SMALL, 8], [LARGE, 8], [{ memoryMb: 512, vcpus: 4 }, 2]] as const) {
      const spec = buildContainerSpec({ instance, flavor, imageTag: 'x', pidsLimit: 321, stopTimeoutSec: 1, hostCpus }).HostConfig!;
      expect(flavorLimits({ instance, flavor, pidsLimit: 321, hostCpus })).to.deep.equal({
        Memory: spec.Memory, MemorySwap: spec.MemorySwap, NanoCpus: spec.NanoCpus, PidsLimit: spec.PidsLimit,
      });
    }
    expect(flavorLimits({ instance, flavor: LARGE, pidsLimit: 10 })).to.deep.equal({ Memory: 160 * MIB, MemorySwap: 160 * MIB, NanoCpus: 2e9, PidsLimit: 10 });
    expect(flavorLimits({ instance, flavor: { memoryMb: 64, vcpus: 4 }, pidsLimit: 10, hostCpus: 2 }).NanoCpus, 'capped to the host').to.equal(2e9);
  });
});

describe('DockerDriver resize on a real engine', function () {
  this.timeout(120_000);
  const endpoint = process.env.DOCKER_HOST || DEFAULT_DOCKER_HOST;
  const docker = dockerFromHost(endpoint);
  const { fixtures, busyboxTar } = useEngine(docker, endpoint, 'Docker resize tests');
  const driver = new DockerDriver({ docker, defaultStopTimeoutSec: 2, pidsLimit: 500 });
  let instance: DriverInstance;
  let hostCpus = 0;

  const inspect = (i = instance): Promise<Dockerode.ContainerInspectInfo> =>
    docker.getContainer(i.driverState!.containerId as string).inspect();
  const limitsOf = (info: Dockerode.ContainerInspectInfo) => {
    const h = info.HostConfig;
    return { Memory: h.Memory, MemorySwap: h.MemorySwap, NanoCpus: h.NanoCpus, PidsLimit: h.PidsLimit };
  };

  before(async function () {
    hostCpus = ((await docker.info()) as { NCPU: number }).NCPU;
    const spawned = makeInstance({ projectId: fixtures.projectId });
    instance = { ...spawned, driverState: await driver.spawn(spawned, fixtures.image(busyboxTar()), SMALL) };
  });
  after(async () => instance && driver.destroy(instance));

  it('a running container gets the new Memory, MemorySwap and NanoCpus in place: same id, not restarted', async function () {
    const before = await inspect();
    expect(limitsOf(before)).to.deep.equal({ Memory: 64 * MIB, MemorySwap: 64 * MIB, NanoCpus: 1e9, PidsLimit: 500 });
    await driver.resize(instance, LARGE);
    const after = await inspect();
    expect(limitsOf(after)).to.deep.equal({ Memory: 160 * MIB, MemorySwap: 160 * MIB, NanoCpus: Math.min(2, hostCpus) * 1e9, PidsLimit: 500 });
    expect(after.Id).to.equal(before.Id);
    expect(after.State.Running).to.equal(true);
    expect(after.State.StartedAt, 'not restarted').to.equal(before.State.StartedAt);
    expect((await driver.getInfo(instance)).powerState).to.equal(PowerState.RUNNING);
  });

  it('resizing back (a revert) restores the old limits', async function () {
    await driver.resize(instance, SMALL);
    expect(limitsOf(await inspect())).to.deep.equal({ Memory: 64 * MIB, MemorySwap: 64 * MIB, NanoCpus: 1e9, PidsLimit: 500 });
  });

  it('a stopped container is resized and stays stopped; it starts with the new limits', async function () {
    await driver.powerOff(instance, { timeoutSec: 2 });
    await driver.resize(instance, LARGE);
    const stopped = await inspect();
    expect(stopped.State.Running).to.equal(false);
    expect(stopped.HostConfig.Memory).to.equal(160 * MIB);
    await driver.powerOn(instance);
    const started = await inspect();
    expect(started.State.Running).to.equal(true);
    expect(limitsOf(started).Memory).to.equal(160 * MIB);
  });

  it('throws InstanceNotFoundInDriver for a container that is gone', async function () {
    await expectRejection(driver.resize(makeInstance({ projectId: fixtures.projectId }), LARGE), InstanceNotFoundInDriver);
  });
});
