import { createReadStream, createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { expect } from 'chai';
import Dockerode from 'dockerode';
import * as tar from 'tar-stream';
import { DriverError, ImageNotBootable } from '../../src/errors';
import { DriverFlavor, DriverInstance, PowerState } from '../../src/drivers/driver';
import { DockerDriver } from '../../src/drivers/docker/driver';
import { KEPT_CAPABILITIES, containerName } from '../../src/drivers/docker/container-spec';
import { imageTag } from '../../src/drivers/docker/images';
import { INSTANCE_LABEL, PROJECT_LABEL } from '../../src/drivers/docker/labels';
import { DEFAULT_DOCKER_HOST, dockerFromHost } from '../../src/drivers/docker/transport';
import { describeDriver, expectRejection, makeInstance } from './conformance';
import { variantTag, useEngine } from './docker-fixtures';
import { SshBridge } from './ssh-bridge';

const MIB = 1024 * 1024;
const LOCAL_SOCKET = '/var/run/docker.sock';
const endpoint = process.env.DOCKER_HOST || DEFAULT_DOCKER_HOST;
let transportProblem: string | null = null;
const docker = ((): Dockerode => {
  try {
    return dockerFromHost(endpoint);
  } catch (err) {
    // e.g. ssh:// without NOVASHIM_SSH_KEY: report it in the before hook rather than crash mocha
    transportProblem = `cannot use DOCKER_HOST=${endpoint}: ${(err as Error).message}`;
    return dockerFromHost('unix:///nonexistent/docker.sock');
  }
})();
const flavor: DriverFlavor = { memoryMb: 96, vcpus: 1 };

describe('DockerDriver without an engine', function () {
  const unreachable = () => new DockerDriver({ docker: dockerFromHost('unix:///nonexistent/docker.sock') });

  it('reports unhealthy with the reason', async function () {
    const health = await unreachable().health();
    expect(health.state).to.equal('unhealthy');
    expect(health.detail).to.match(/ENOENT/);
  });

  it('init fails with a DriverError', async function () {
    await expectRejection(unreachable().init(), DriverError);
  });
});

describe('DockerDriver on a real engine', function () {
  this.timeout(120_000);
  const { fixtures, busyboxTar: fixtureTar } = useEngine(docker, endpoint, 'Docker driver tests', () => transportProblem);

  /** a driver with short stop timeouts so tests do not wait out the default 10 s */
  const newDriver = (opts: Partial<ConstructorParameters<typeof DockerDriver>[0]> = {}) =>
    new DockerDriver({ docker, defaultStopTimeoutSec: 3, ...opts });
  const newInstance = (overrides: Partial<DriverInstance> = {}) =>
    makeInstance({ projectId: fixtures.projectId, ...overrides });
  const inspectByName = (uuid: string) => docker.getContainer(containerName(uuid)).inspect();

  async function spawnOn(driver: DockerDriver, instance: DriverInstance, tarball = fixtureTar()): Promise<DriverInstance> {
    const driverState = await driver.spawn(instance, fixtures.image(tarball), flavor);
    return { ...instance, driverState };
  }

  describeDriver('docker', async () => ({
    driver: newDriver(),
    image: fixtures.image(fixtureTar()),
    projectId: fixtures.projectId,
    cleanup: async () => undefined, // the shared Dockerode is a unix socket: nothing to close
  }));

  describe('the container of a spawned instance', function () {
    const driver = newDriver({ pidsLimit: 200 });
    const metadata = { role: 'web', PATH: '/evil/bin', LD_PRELOAD: '/evil.so', 'a=b': 'x', 'with space': 'y' };
    const hostname = `${'h'.repeat(62)}-${'x'.repeat(20)}`; // cut at 63 leaves a trailing '-'
    let instance: DriverInstance;
    let container: Dockerode.ContainerInspectInfo;

    before(async function () {
      instance = await spawnOn(driver, newInstance({ hostname, metadata }));
      container = await inspectByName(instance.uuid);
    });
    after(async () => instance && driver.destroy(instance));

    it('is novashim-<uuid>, and only DriverState knows its id', async function () {
      expect(container.Name).to.equal(`/novashim-${instance.uuid}`);
      // plus the pinned address on the private network, kept by a re-spawn (docker-network.test.ts)
      const ip = container.NetworkSettings.Networks['novashim-private'].IPAddress;
      expect(instance.driverState).to.deep.equal({ v: 1, containerId: container.Id, fixedIps: [ip] });
      const shown = JSON.stringify([await driver.getInfo(instance), await driver.listInstances()]);
      expect(shown).to.not.include(container.Id.slice(0, 12));
    });

    it('has the flavor memory as a hard limit, with no swap on top', function () {
      expect(container.HostConfig.Memory).to.equal(flavor.memoryMb * MIB);
      expect(container.HostConfig.MemorySwap).to.equal(flavor.memoryMb * MIB);
    });

    it('is capped at the flavor vcpus and the pids limit', function () {
      expect(container.HostConfig.NanoCpus).to.equal(flavor.vcpus * 1e9);
      expect(container.HostConfig.PidsLimit).to.equal(200);
    });

    it('is unprivileged: no-new-privileges, every capability dropped but the kept set', function () {
      expect(container.HostConfig.Privileged).to.equal(false);
      expect(container.HostConfig.SecurityOpt).to.include('no-new-privileges');
      expect(container.HostConfig.CapDrop).to.deep.equal(['ALL']);
      expect(container.HostConfig.CapAdd).to.have.members([...KEPT_CAPABILITIES]);
    });

    it('sees nothing of the host: no binds, mounts or volumes', function () {
      expect(container.HostConfig.Binds ?? []).to.be.empty;
      expect(container.Mounts).to.be.empty;
      expect(container.Config.Volumes ?? {}).to.be.empty;
    });

    it('runs an init as PID 1 and is never restarted by the engine', function () {
      expect(container.HostConfig.Init).to.equal(true);
      expect(container.HostConfig.RestartPolicy?.Name).to.equal('no');
    });

    it('carries the ownership labels', function () {
      expect(container.Config.Labels).to.include({ [INSTANCE_LABEL]: instance.uuid, [PROJECT_LABEL]: fixtures.projectId });
    });

    it('has a TTY and an open stdin', function () {
      expect(container.Config.Tty).to.equal(true);
      expect(container.Config.OpenStdin).to.equal(true);
    });

    it('gets the hostname, clamped to 63 characters', async function () {
      const clamped = 'h'.repeat(62);
      expect(container.Config.Hostname).to.equal(clamped);
      expect(await execIn(instance.uuid, ['hostname'])).to.equal(clamped);
    });

    it('passes metadata only as NOVA_METADATA and META_<key>', async function () {
      const env = container.Config.Env;
      expect(env).to.include(`NOVA_INSTANCE_UUID=${instance.uuid}`);
      expect(env).to.include('META_role=web').and.include('META_PATH=/evil/bin').and.include('META_LD_PRELOAD=/evil.so');
      const json = env.find((e) => e.startsWith('NOVA_METADATA='))!.slice('NOVA_METADATA='.length);
      expect(JSON.parse(json)).to.deep.equal(metadata);
      expect(env.filter((e) => !/^(NOVA_|META_)/.test(e)), 'variables not from us').to.be.empty;
      const seen = await execIn(instance.uuid, ['/bin/sh', '-c', 'echo "$PATH|${LD_PRELOAD:-unset}|$META_PATH"']);
      const [path, ldPreload, metaPath] = seen.split('|');
      expect(path).to.not.include('/evil');
      expect(ldPreload).to.equal('unset');
      expect(metaPath).to.equal('/evil/bin');
    });

    it('reports its address on the configured network label, with a MAC', async function () {
      const [address] = (await driver.getInfo(instance)).addresses;
      const bridge = container.NetworkSettings.Networks['novashim-private']; // see docker-network.test.ts
      expect(address).to.deep.equal({ network: 'private', addr: bridge.IPAddress, version: 4, mac: bridge.MacAddress });
    });

    it('is found by name when there is no DriverState', async function () {
      expect((await driver.getInfo({ ...instance, driverState: null })).powerState).to.equal(PowerState.RUNNING);
    });

    it('shows the boot line of the image in the console output', async function () {
      const output = await waitForConsole(driver, instance, 'novashim busybox up');
      expect(output).to.include(`novashim busybox up: ${'h'.repeat(62)}`);
    });
  });

  describe('stopping', function () {
    const driver = newDriver();

    it('stops the busybox fixture at once (its init traps TERM)', async function () {
      const instance = await spawnOn(driver, newInstance());
      try {
        await waitForConsole(driver, instance, 'novashim busybox up'); // TERM before the trap is set is lost
        const took = await timed(() => driver.powerOff(instance, { timeoutSec: 10 }));
        expect(took).to.be.below(3000);
      } finally {
        await driver.destroy(instance);
      }
    });

    it('kills a main process that ignores SIGTERM once timeoutSec has passed', async function () {
      const tarball = await fixtures.variant('ignores-term', [
        `CMD ["/bin/sh", "-c", "trap '' TERM INT; echo ignoring TERM; while :; do sleep 1; done"]`,
      ]);
      const instance = await spawnOn(driver, newInstance(), tarball);
      try {
        await waitForConsole(driver, instance, 'ignoring TERM');
        const took = await timed(() => driver.powerOff(instance, { timeoutSec: 2 }));
        expect(took).to.be.within(1500, 2000 + 4000);
        expect((await driver.getInfo(instance)).powerState).to.equal(PowerState.SHUTDOWN);
      } finally {
        await driver.destroy(instance);
      }
    });
  });

  describe('images', function () {
    const driver = newDriver();
    const spawnedHere: DriverInstance[] = [];
    after(async () => {
      for (const instance of spawnedHere) await driver.destroy(instance);
    });

    it('loads a new image once for concurrent spawns, and both run', async function () {
      const image = fixtures.image(fixtureTar());
      const instances = [newInstance(), newInstance()];
      spawnedHere.push(...instances);
      const states = await Promise.all(instances.map((i) => driver.spawn(i, image, flavor)));
      expect(image.opens()).to.equal(1);
      for (const [n, instance] of instances.entries()) {
        const info = await driver.getInfo({ ...instance, driverState: states[n] });
        expect(info.powerState).to.equal(PowerState.RUNNING);
      }
    });

    it('keeps only its own name for a loaded image, not the names the tarball brings', async function () {
      const tarball = await fixtures.variant('named', ['CMD ["/sbin/init.sh"]']);
      const image = fixtures.image(tarball);
      const instance = newInstance();
      spawnedHere.push(instance);
      await driver.spawn(instance, image, flavor);
      expect(await fixtures.imageExists(imageTag(image.id))).to.equal(true);
      expect(await fixtures.imageExists(variantTag('named', fixtures.projectId))).to.equal(false);
    });

    it('boots a gzip-compressed docker save tarball', async function () {
      const gzipped = join(fixtures.workDir, 'busybox.tar.gz');
      await pipeline(createReadStream(fixtureTar()), createGzip(), createWriteStream(gzipped));
      const instance = newInstance();
      spawnedHere.push(instance);
      const state = await driver.spawn(instance, fixtures.image(gzipped), flavor);
      expect((await driver.getInfo({ ...instance, driverState: state })).powerState).to.equal(PowerState.RUNNING);
    });

    it('refuses data that is not a tar archive with ImageNotBootable', async function () {
      const garbage = join(fixtures.workDir, 'garbage.tar');
      writeFileSync(garbage, 'this is not a tarball '.repeat(100));
      await expectNothingLeft(driver, garbage, ImageNotBootable, /not a docker save archive/);
    });

    it('refuses a tar archive without a docker manifest with the engine message', async function () {
      const plain = join(fixtures.workDir, 'plain.tar');
      writeFileSync(plain, await tarOfOneFile('hello.txt', 'hello\n'));
      await expectNothingLeft(driver, plain, ImageNotBootable, /no such file or directory/);
    });

    it('fails with a DriverError for an image with neither CMD nor ENTRYPOINT', async function () {
      const tarball = await fixtures.variant('no-cmd', []);
      await expectNothingLeft(driver, tarball, DriverError, /neither CMD nor ENTRYPOINT/);
    });

    it('removes the container again when it cannot start', async function () {
      const tarball = await fixtures.variant('bad-user', ['CMD ["/sbin/init.sh"]', 'USER nosuchuser']);
      await expectNothingLeft(driver, tarball, DriverError, /nosuchuser/);
    });
  });

  it('replaces a leftover container of an interrupted spawn of the same instance', async function () {
    const driver = newDriver();
    const instance = newInstance();
    await docker.createContainer({
      name: containerName(instance.uuid),
      Image: 'novashim-fixture/busybox:latest',
      Labels: { [INSTANCE_LABEL]: instance.uuid, [PROJECT_LABEL]: fixtures.projectId },
    });
    const spawned = await spawnOn(driver, instance);
    try {
      expect((await driver.getInfo(spawned)).powerState).to.equal(PowerState.RUNNING);
      expect((await driver.listInstances()).filter((uuid) => uuid === instance.uuid)).to.have.length(1);
    } finally {
      await driver.destroy(spawned);
    }
  });

  describe('over ssh: one connection, a streamlocal channel per request', function () {
    const bridge = new SshBridge(LOCAL_SOCKET);
    let sshHost = '';
    let env: NodeJS.ProcessEnv = {};

    before(async function () {
      if (endpoint !== DEFAULT_DOCKER_HOST) this.skip(); // the bridge forwards to the local socket
      sshHost = `ssh://root@127.0.0.1:${await bridge.listen()}`;
      env = { NOVASHIM_SSH_KEY: bridge.writeClientKey(fixtures.workDir), NOVASHIM_SSH_HOST_KEY: bridge.hostKeyFingerprint };
    });
    after(() => bridge.close());

    it('runs a lifecycle over a single ssh connection, which close() ends', async function () {
      const driver = new DockerDriver({ docker: dockerFromHost(sshHost, { env }), defaultStopTimeoutSec: 3 });
      const connectionsBefore = bridge.connections;
      const instance = await spawnOn(driver, newInstance());
      expect((await driver.getInfo(instance)).powerState).to.equal(PowerState.RUNNING);
      await driver.reboot(instance, 'HARD');
      await driver.destroy(instance);
      expect(await driver.listInstances()).to.not.include(instance.uuid);
      expect(bridge.connections - connectionsBefore).to.equal(1);
      expect(bridge.channels).to.be.greaterThan(5);
      await driver.close();
      expect((await driver.health()).state, 'reconnects after close').to.equal('healthy');
      expect(bridge.connections - connectionsBefore).to.equal(2);
      await driver.close();
      await eventually(() => expect(bridge.open.size, 'server-side connections left open').to.equal(0));
    });

    it('refuses a host whose key does not match NOVASHIM_SSH_HOST_KEY', async function () {
      const pinnedElsewhere = { ...env, NOVASHIM_SSH_HOST_KEY: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' };
      const driver = new DockerDriver({ docker: dockerFromHost(sshHost, { env: pinnedElsewhere }) });
      const health = await driver.health();
      expect(health.state).to.equal('unhealthy');
      await driver.close();
    });
  });

  /** spawn must fail with `type` and leave neither a container nor a listed instance */
  async function expectNothingLeft(
    driver: DockerDriver, tarball: string, type: typeof DriverError | typeof ImageNotBootable, message: RegExp,
  ): Promise<void> {
    const instance = newInstance();
    const err = await expectRejection(driver.spawn(instance, fixtures.image(tarball), flavor), type);
    expect(err.message).to.match(message);
    expect(await driver.listInstances()).to.not.include(instance.uuid);
    await expectRejection(inspectByName(instance.uuid), Error);
  }
});

/** output of a command run in the instance's container (with a TTY, so one raw stream) */
async function execIn(uuid: string, cmd: string[]): Promise<string> {
  const exec = await docker.getContainer(containerName(uuid)).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: true });
  const stream = await exec.start({ hijack: true, stdin: false, Tty: true });
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

async function waitForConsole(driver: DockerDriver, instance: DriverInstance, text: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const output = await driver.getConsoleOutput(instance);
    if (output.includes(text) || Date.now() > deadline) return output;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** retries an assertion for a short while: the server side sees a disconnect a moment later */
async function eventually(assertion: () => void, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return assertion();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  await action();
  return Date.now() - started;
}

/** a valid tar archive that is not a docker save: one plain file */
async function tarOfOneFile(name: string, content: string): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
