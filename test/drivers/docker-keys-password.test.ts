import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import * as tar from 'tar-stream';
import { InstanceNotFoundInDriver, SetAdminPasswdNotSupported } from '../../src/errors';
import { DriverInstance } from '../../src/drivers/driver';
import { DockerDriver } from '../../src/drivers/docker/driver';
import { KEPT_CAPABILITIES, containerName } from '../../src/drivers/docker/container-spec';
import { PROJECT_LABEL } from '../../src/drivers/docker/labels';
import { sha512Crypt } from '../../src/drivers/docker/sha512-crypt';
import { DEFAULT_DOCKER_HOST, dockerFromHost } from '../../src/drivers/docker/transport';
import { expectRejection, makeInstance } from './conformance';
import { FIXTURE_TAG, execInInstance, useEngine, variantTag } from './docker-fixtures';

const KEY_A = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKZ1Thd7MnpQ0SM2/8bZUFnzyHwt5V/wWaVOr0VmcY+A key-a';
const KEY_B = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7 key-b';

describe('DockerDriver key injection and admin password on a real engine', function () {
  this.timeout(120_000);
  const endpoint = process.env.DOCKER_HOST || DEFAULT_DOCKER_HOST;
  const docker = dockerFromHost(endpoint);
  const { fixtures, busyboxTar } = useEngine(docker, endpoint, 'Docker key/password tests');
  const driver = new DockerDriver({ docker, defaultStopTimeoutSec: 2 });
  const spawned: DriverInstance[] = [];

  async function spawn(overrides: Partial<DriverInstance> = {}, tarball = busyboxTar()): Promise<DriverInstance> {
    const instance = makeInstance({ projectId: fixtures.projectId, ...overrides });
    const running = { ...instance, driverState: await driver.spawn(instance, fixtures.image(tarball), { memoryMb: 64, vcpus: 1 }) };
    spawned.push(running);
    return running;
  }

  after(async () => {
    for (const i of spawned) await driver.destroy(i).catch(() => undefined);
  });

  describe('public keys at spawn', function () {
    it("writes them to /root/.ssh/authorized_keys (root-owned, 700/700/600) and keeps the container's hardening", async function () {
      const instance = await spawn({ publicKeys: [KEY_A, KEY_B] });
      const exec = (...cmd: string[]) => execInInstance(docker, instance.uuid, cmd);
      expect(await exec('cat', '/root/.ssh/authorized_keys')).to.equal(`${KEY_A}\n${KEY_B}\n`);
      expect(await exec('stat', '-c', '%n %a %u %g', '/root', '/root/.ssh', '/root/.ssh/authorized_keys')).to.equal(
        '/root 700 0 0\n/root/.ssh 700 0 0\n/root/.ssh/authorized_keys 600 0 0\n');
      const info = await docker.getContainer(containerName(instance.uuid)).inspect();
      expect(info.State.Running).to.equal(true);
      expect(info.HostConfig.Binds ?? []).to.deep.equal([]);
      expect(info.Mounts).to.deep.equal([]);
      expect(info.HostConfig.CapDrop).to.deep.equal(['ALL']);
      expect(info.HostConfig.CapAdd).to.have.members([...KEPT_CAPABILITIES]);
      expect(info.HostConfig.SecurityOpt).to.deep.equal(['no-new-privileges']);
      expect(info.HostConfig.Privileged).to.equal(false);
    });

    it('writes nothing without keys', async function () {
      const instance = await spawn();
      expect(await execInInstance(docker, instance.uuid, ['sh', '-c', 'test -e /root/.ssh && echo present || echo absent'])).to.equal('absent\n');
    });

    it('creates /root in an image that has none', async function () {
      const tarball = await withoutRoot();
      const instance = await spawn({ publicKeys: [KEY_A] }, tarball);
      expect(await execInInstance(docker, instance.uuid, ['stat', '-c', '%n %a %u', '/root', '/root/.ssh/authorized_keys'])).to.equal(
        '/root 700 0\n/root/.ssh/authorized_keys 600 0\n');
    });

    it('refuses a key with a line break and leaves no container behind', async function () {
      const instance = makeInstance({ projectId: fixtures.projectId, publicKeys: [`${KEY_A}\ncommand="evil" ${KEY_B}`] });
      spawned.push(instance);
      await expectRejection(driver.spawn(instance, fixtures.image(busyboxTar()), { memoryMb: 64, vcpus: 1 }), Error);
      expect(await driver.listInstances()).to.not.include(instance.uuid);
    });
  });

  describe('setAdminPassword', function () {
    /** the password field of root's line in a passwd/shadow file of the container */
    const rootField = async (uuid: string, file: string) =>
      (await execInInstance(docker, uuid, ['cat', file])).split('\n').find((l) => l.startsWith('root:'))!.split(':')[1];
    const verifies = (hash: string, password: string) => sha512Crypt(password, hash.split('$')[2]) === hash;

    it("writes root's SHA-512 hash into /etc/passwd when the image has no /etc/shadow (the busybox fixture)", async function () {
      const instance = await spawn();
      await driver.setAdminPassword(instance, 'S3cret: with spaces');
      const hash = await rootField(instance.uuid, '/etc/passwd');
      expect(hash).to.match(/^\$6\$/);
      expect(verifies(hash, 'S3cret: with spaces')).to.equal(true);
      expect(verifies(hash, 'other')).to.equal(false);
      expect(await execInInstance(docker, instance.uuid, ['stat', '-c', '%a %u %g', '/etc/passwd'])).to.equal('644 0 0\n');
    });

    it("writes into /etc/shadow when there is one, keeping its owner and mode, and leaves /etc/passwd alone", async function () {
      const instance = await spawn();
      await execInInstance(docker, instance.uuid, ['sh', '-c', "echo 'root:*:19000:0:99999:7:::' > /etc/shadow && chown 0:42 /etc/shadow && chmod 640 /etc/shadow"]);
      await driver.setAdminPassword(instance, 'n3w');
      const line = (await execInInstance(docker, instance.uuid, ['cat', '/etc/shadow'])).trim().split(':');
      expect(verifies(line[1], 'n3w')).to.equal(true);
      expect(Number(line[2])).to.be.greaterThan(19000);
      expect(await execInInstance(docker, instance.uuid, ['stat', '-c', '%a %u %g', '/etc/shadow'])).to.equal('640 0 42\n');
      expect(await rootField(instance.uuid, '/etc/passwd')).to.equal('x');
    });

    it('throws SetAdminPasswdNotSupported when the image has neither passwd nor shadow', async function () {
      const instance = await spawn();
      await execInInstance(docker, instance.uuid, ['rm', '-f', '/etc/passwd', '/etc/shadow']);
      await expectRejection(driver.setAdminPassword(instance, 'secret'), SetAdminPasswdNotSupported);
    });

    it('throws InstanceNotFoundInDriver when the container is gone', async function () {
      const instance = await spawn();
      await docker.getContainer(containerName(instance.uuid)).remove({ force: true });
      await expectRejection(driver.setAdminPassword(instance, 'secret'), InstanceNotFoundInDriver);
    });
  });

  /** the busybox fixture without /root, saved as a tarball (its engine tag removed at once) */
  async function withoutRoot(): Promise<string> {
    const source = await docker.createContainer({ Image: FIXTURE_TAG, Labels: { [PROJECT_LABEL]: fixtures.projectId } });
    const extract = tar.extract();
    const pack = tar.pack();
    try {
      (await source.export()).pipe(extract as unknown as NodeJS.WritableStream);
      for await (const entry of extract) {
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        if (/^(\.\/)?root(\/|$)/.test(entry.header.name)) continue;
        pack.entry(entry.header, Buffer.concat(chunks));
      }
      pack.finalize();
    } finally {
      await source.remove({ force: true }).catch(() => undefined);
    }
    const tag = variantTag('noroot', fixtures.projectId);
    const [repo, version] = tag.split(':');
    const progress = await docker.importImage(Readable.from(pack) as unknown as NodeJS.ReadableStream,
      { repo, tag: version, changes: ['CMD ["/sbin/init.sh"]'] } as object);
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(progress, (err) => (err ? reject(err) : resolve())));
    const tarball = join(fixtures.workDir, 'noroot.tar');
    try {
      expect(await (async () => {
        const probe = await docker.createContainer({ Image: tag, Cmd: ['/bin/true'], Labels: { [PROJECT_LABEL]: fixtures.projectId } });
        const has = await probe.getArchive({ path: '/root' }).then(() => true, () => false);
        await probe.remove({ force: true });
        return has;
      })(), 'the variant has no /root').to.equal(false);
      await writeFile(tarball, await docker.getImage(tag).get());
    } finally {
      await docker.getImage(tag).remove().catch(() => undefined);
    }
    return tarball;
  }
});
