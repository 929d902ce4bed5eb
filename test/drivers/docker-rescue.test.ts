import { expect } from 'chai';
import type Dockerode from 'dockerode';
import { DriverInstance, PowerState } from '../../src/drivers/driver';
import { DockerDriver } from '../../src/drivers/docker/driver';
import { DEFAULT_DOCKER_HOST, dockerFromHost } from '../../src/drivers/docker/transport';
import { rescueContainerName, RESCUE_LABEL } from '../../src/drivers/docker/rescue';
import { containerName } from '../../src/drivers/docker/container-spec';
import { makeInstance } from './conformance';
import { useEngine } from './docker-fixtures';

/**
 * rescue/unrescue on a real engine: the original container is stopped and kept, a rescue container
 * (same hardened spec) sees the original's filesystem at /mnt/rescue, and what is changed there is
 * written back into the original on unrescue.
 */
describe('DockerDriver rescue on a real engine', function () {
  this.timeout(180_000);
  const endpoint = process.env.DOCKER_HOST || DEFAULT_DOCKER_HOST;
  const docker = dockerFromHost(endpoint);
  const driver = new DockerDriver({ docker, defaultStopTimeoutSec: 1 });
  const engine = useEngine(docker, endpoint, 'Docker rescue tests');
  const flavor = { memoryMb: 64, vcpus: 1 };

  async function spawn(): Promise<DriverInstance> {
    const instance = makeInstance({ projectId: engine.fixtures.projectId });
    return { ...instance, driverState: await driver.spawn(instance, engine.fixtures.image(engine.busyboxTar()), flavor) };
  }

  /** runs a shell command in a running container, answers its output (stdout and stderr) */
  async function sh(container: Dockerode.Container, script: string): Promise<string> {
    const exec = await container.exec({ Cmd: ['/bin/sh', '-c', script], AttachStdout: true, AttachStderr: true, Tty: true });
    const stream = await exec.start({ hijack: true, stdin: false, Tty: true });
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const { ExitCode } = await exec.inspect();
    const out = Buffer.concat(chunks).toString('utf8');
    expect(ExitCode, `${script}: ${out}`).to.equal(0);
    return out;
  }

  function expectHardened(info: Dockerode.ContainerInspectInfo): void {
    const host = info.HostConfig;
    expect(host.Privileged).to.equal(false);
    expect(host.Binds ?? []).to.deep.equal([]);
    expect(info.Mounts ?? []).to.deep.equal([]);
    expect(host.CapDrop).to.deep.equal(['ALL']);
    expect(host.SecurityOpt).to.include('no-new-privileges');
    expect(host.Memory).to.equal(flavor.memoryMb * 1024 * 1024);
    expect(host.NanoCpus).to.equal(1e9);
    expect(host.PidsLimit).to.be.greaterThan(0);
    expect(host.NetworkMode).to.not.equal('host');
  }

  it('rescue: the original is stopped and kept, its files are under /mnt/rescue; unrescue writes the changes back', async () => {
    const instance = await spawn();
    const original = docker.getContainer(containerName(instance.uuid));
    await sh(original, 'echo "written before rescue" > /root/data.txt && echo keep > /root/untouched.txt');

    const rescuedState = await driver.rescue(instance, engine.fixtures.image(engine.busyboxTar()), flavor, 'Rescue-Pass-1');
    const rescuedInstance = { ...instance, driverState: rescuedState };
    const rescueInfo = await docker.getContainer(rescueContainerName(instance.uuid)).inspect();
    expect(rescuedState).to.include({ rescueContainerId: rescueInfo.Id, containerId: (await original.inspect()).Id });
    expect((await original.inspect()).State.Running).to.equal(false);
    expect(rescueInfo.State.Running).to.equal(true);
    expect(rescueInfo.Config.Labels).to.include({ [RESCUE_LABEL]: 'true', 'org.openstack.novashim.instance': instance.uuid });
    expectHardened(await original.inspect());
    expectHardened(rescueInfo);
    // while rescued the driver answers for the rescue container
    expect((await driver.getInfo(rescuedInstance)).powerState).to.equal(PowerState.RUNNING);
    expect(await driver.listInstances()).to.include(instance.uuid);
    expect((await driver.listInstances()).filter((u) => u === instance.uuid)).to.have.length(1);

    const rescue = docker.getContainer(rescueInfo.Id);
    expect(await sh(rescue, 'cat /mnt/rescue/root/data.txt')).to.contain('written before rescue');
    expect(await sh(rescue, 'ls -l /mnt/rescue/bin/busybox')).to.contain('busybox');
    // the rescue password is root's in the rescue container (a SHA-512 crypt hash)
    expect(await sh(rescue, 'cat /etc/shadow 2>/dev/null || cat /etc/passwd')).to.match(/^root:\$6\$/m);
    // repair the original's disk from the rescue instance
    await sh(rescue, 'echo "repaired in rescue mode" > /mnt/rescue/root/data.txt && echo new > /mnt/rescue/root/added.txt');

    const unrescuedState = await driver.unrescue(rescuedInstance);
    expect(unrescuedState).to.not.have.property('rescueContainerId');
    expect((await original.inspect()).State.Running).to.equal(true);
    expect(await docker.getContainer(rescueContainerName(instance.uuid)).inspect().then(() => 'exists', () => 'gone')).to.equal('gone');
    const back = { ...instance, driverState: unrescuedState };
    expect((await driver.getInfo(back)).powerState).to.equal(PowerState.RUNNING);
    expect(await sh(original, 'cat /root/data.txt')).to.contain('repaired in rescue mode');
    expect(await sh(original, 'cat /root/added.txt')).to.contain('new');
    expect(await sh(original, 'cat /root/untouched.txt')).to.contain('keep');
    // the original's own root password was not changed by the rescue password
    expect(await sh(original, 'cat /etc/shadow 2>/dev/null || cat /etc/passwd')).to.not.match(/^root:\$6\$/m);
    await driver.destroy(back);
  });

  it('rescues a stopped instance; destroy of a rescued instance removes both containers', async () => {
    const instance = await spawn();
    await driver.powerOff(instance, { timeoutSec: 0 });
    const state = await driver.rescue(instance, engine.fixtures.image(engine.busyboxTar()), flavor, 'pw');
    const rescue = await docker.getContainer(rescueContainerName(instance.uuid)).inspect();
    expect(rescue.State.Running).to.equal(true);
    await driver.destroy({ ...instance, driverState: state });
    const left = await docker.listContainers({ all: true, filters: { label: [`org.openstack.novashim.instance=${instance.uuid}`] } });
    expect(left).to.deep.equal([]);
  });

  it('a rescue that fails midway leaves the original running and no rescue container', async () => {
    const instance = await spawn();
    // the engine refuses a 1 MiB memory limit: the rescue container cannot be made once the original is stopped
    const tooSmall = { memoryMb: 1, vcpus: 1 };
    const err = await driver.rescue(instance, engine.fixtures.image(engine.busyboxTar()), tooSmall, 'pw').then(() => null, (e: Error) => e);
    expect(err?.message).to.match(/cannot create rescue container/);
    expect((await docker.getContainer(containerName(instance.uuid)).inspect()).State.Running).to.equal(true);
    expect(await docker.getContainer(rescueContainerName(instance.uuid)).inspect().then(() => 'exists', () => 'gone')).to.equal('gone');
    await driver.destroy(instance);
  });
});
