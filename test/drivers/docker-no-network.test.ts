import { expect } from 'chai';
import { DriverInstance, PowerState } from '../../src/drivers/driver';
import { DockerDriver } from '../../src/drivers/docker/driver';
import { buildContainerSpec } from '../../src/drivers/docker/container-spec';
import { DEFAULT_DOCKER_HOST, dockerFromHost } from '../../src/drivers/docker/transport';
import { execIn } from '../helpers/engine';
import { makeInstance } from './conformance';
import { useEngine } from './docker-fixtures';

const FLAVOR = { memoryMb: 64, vcpus: 1 };

describe('Docker spec for microversion 2.37 networks "none" (no engine)', function () {
  it("uses Docker's network mode none, with no endpoint config", function () {
    const spec = buildContainerSpec({ instance: makeInstance({ noNetwork: true }), flavor: FLAVOR, imageTag: 't', pidsLimit: 64, stopTimeoutSec: 1, network: 'none' });
    expect(spec.HostConfig?.NetworkMode).to.equal('none');
    expect(spec).to.not.have.property('NetworkingConfig');
  });
});

describe('DockerDriver: an instance without a network (microversion 2.37 "none") on a real engine', function () {
  this.timeout(120_000);
  const endpoint = process.env.DOCKER_HOST || DEFAULT_DOCKER_HOST;
  const docker = dockerFromHost(endpoint);
  const { fixtures, busyboxTar } = useEngine(docker, endpoint, 'Docker no-network tests');
  const driver = new DockerDriver({ docker, defaultStopTimeoutSec: 1 });

  it('runs the container in network mode none: only loopback inside, no address reported, none after a restart', async function () {
    const instance = makeInstance({ projectId: fixtures.projectId, noNetwork: true });
    const spawned: DriverInstance = { ...instance, driverState: await driver.spawn(instance, fixtures.image(busyboxTar()), FLAVOR) };
    try {
      const info = await docker.getContainer(String(spawned.driverState!.containerId)).inspect();
      expect(info.HostConfig.NetworkMode).to.equal('none');
      expect(Object.keys(info.NetworkSettings.Networks)).to.deep.equal(['none']);
      expect(spawned.driverState!.fixedIps).to.deep.equal([]);
      expect(await driver.getInfo(spawned)).to.deep.equal({ powerState: PowerState.RUNNING, addresses: [] });
      const links = await execIn(docker, String(spawned.driverState!.containerId), ['ls', '/sys/class/net']);
      expect(links.trim().split(/\s+/)).to.deep.equal(['lo']);
      await driver.reboot(spawned, 'HARD');
      expect((await driver.getInfo(spawned)).addresses).to.deep.equal([]);
    } finally {
      await driver.destroy(spawned);
    }
  });
});
