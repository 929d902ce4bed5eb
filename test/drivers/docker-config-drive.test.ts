import { expect } from 'chai';
import { DriverError } from '../../src/errors';
import { DriverConfigDrive, DriverInstance } from '../../src/drivers/driver';
import { DockerDriver } from '../../src/drivers/docker/driver';
import { PROJECT_LABEL } from '../../src/drivers/docker/labels';
import { archiveOf, readGuestFile } from '../../src/drivers/docker/guest-files';
import { CONFIG_DRIVE_PATH, writeConfigDrive } from '../../src/drivers/docker/config-drive';
import { DEFAULT_DOCKER_HOST, dockerFromHost } from '../../src/drivers/docker/transport';
import { expectRejection, makeInstance } from './conformance';
import { FIXTURE_TAG, execInInstance, useEngine } from './docker-fixtures';

/** a drive whose network file says which address it was written with */
const drive = (extra: Record<string, string> = {}): DriverConfigDrive => ({
  files: { 'openstack/latest/meta_data.json': '{"uuid":"x"}', 'openstack/latest/user_data': 'echo hi\n', 'openstack/latest/network_data.json': '{}', ...extra },
  withAddresses: (addresses) => ({ 'openstack/latest/network_data.json': JSON.stringify(addresses.map((a) => a.addr)) }),
});

describe('DockerDriver config drive on a real engine', function () {
  this.timeout(120_000);
  const endpoint = process.env.DOCKER_HOST || DEFAULT_DOCKER_HOST;
  const docker = dockerFromHost(endpoint);
  const { fixtures, busyboxTar } = useEngine(docker, endpoint, 'Docker config drive tests');
  const driver = new DockerDriver({ docker, defaultStopTimeoutSec: 2 });
  const spawned: DriverInstance[] = [];

  async function spawn(overrides: Partial<DriverInstance> = {}): Promise<DriverInstance> {
    const instance = makeInstance({ projectId: fixtures.projectId, ...overrides });
    spawned.push(instance);
    return { ...instance, driverState: await driver.spawn(instance, fixtures.image(busyboxTar()), { memoryMb: 64, vcpus: 1 }) };
  }

  after(async () => {
    for (const i of spawned) await driver.destroy(i).catch(() => undefined);
  });

  it('writes the drive under /var/lib/cloud/seed/config_drive (root 0644/0755), links /mnt/config, and rewrites the address files after the start', async function () {
    const instance = await spawn({ configDrive: drive() });
    const exec = (...cmd: string[]) => execInInstance(docker, instance.uuid, cmd);
    expect(await exec('cat', `${CONFIG_DRIVE_PATH}/openstack/latest/user_data`)).to.equal('echo hi\n');
    expect(await exec('cat', '/mnt/config/openstack/latest/meta_data.json')).to.equal('{"uuid":"x"}');
    expect(await exec('stat', '-c', '%n %a %u %g', CONFIG_DRIVE_PATH, `${CONFIG_DRIVE_PATH}/openstack/latest`,
      `${CONFIG_DRIVE_PATH}/openstack/latest/user_data`)).to.equal(
      `${CONFIG_DRIVE_PATH} 755 0 0\n${CONFIG_DRIVE_PATH}/openstack/latest 755 0 0\n${CONFIG_DRIVE_PATH}/openstack/latest/user_data 644 0 0\n`);
    expect(await exec('readlink', '/mnt/config')).to.equal(`${CONFIG_DRIVE_PATH}\n`);
    const info = await driver.getInfo(instance);
    expect(info.addresses).to.have.length.greaterThan(0);
    expect(JSON.parse(await exec('cat', '/mnt/config/openstack/latest/network_data.json'))).to.deep.equal(info.addresses.map((a) => a.addr));
  });

  it('writes nothing without a config drive', async function () {
    const instance = await spawn();
    expect(await execInInstance(docker, instance.uuid, ['sh', '-c', 'test -e /var/lib/cloud/seed/config_drive || test -e /mnt/config && echo present || echo absent']))
      .to.equal('absent\n');
  });

  it('keeps an image\'s own /mnt/config (no link over it)', async function () {
    const container = await docker.createContainer({ Image: FIXTURE_TAG, Cmd: ['/bin/true'], Labels: { [PROJECT_LABEL]: fixtures.projectId } });
    try {
      const root = { uid: 0, gid: 0 };
      await container.putArchive(await archiveOf([{ name: 'mnt', mode: 0o755, ...root }, { name: 'mnt/config', mode: 0o755, ...root }],
        [{ name: 'mnt/config/mine', content: Buffer.from('kept'), mode: 0o644, ...root }]), { path: '/' });
      await writeConfigDrive(container, drive());
      expect((await readGuestFile(container, '/mnt/config'))!.type).to.equal('directory');
      expect((await readGuestFile(container, '/mnt/config/mine'))!.content.toString()).to.equal('kept');
      expect((await readGuestFile(container, `${CONFIG_DRIVE_PATH}/openstack/latest/user_data`))!.content.toString()).to.equal('echo hi\n');
    } finally {
      await container.remove({ force: true });
    }
  });

  it('a drive that cannot be written fails the spawn and leaves no container', async function () {
    const instance = makeInstance({ projectId: fixtures.projectId, configDrive: drive({ '../escape': 'x' }) });
    spawned.push(instance);
    await expectRejection(driver.spawn(instance, fixtures.image(busyboxTar()), { memoryMb: 64, vcpus: 1 }), DriverError);
    expect(await driver.listInstances()).to.not.include(instance.uuid);
  });
});
