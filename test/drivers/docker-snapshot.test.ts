import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { expect } from 'chai';
import { DriverInstance } from '../../src/drivers/driver';
import { DockerDriver } from '../../src/drivers/docker/driver';
import { SNAPSHOT_REPOSITORY } from '../../src/drivers/docker/snapshot';
import { DEFAULT_DOCKER_HOST, dockerFromHost } from '../../src/drivers/docker/transport';
import { execIn } from '../helpers/engine';
import { makeInstance, SMALL_FLAVOR } from './conformance';
import { useEngine } from './docker-fixtures';

/** The Docker snapshot (commit + save) as the engine sees it. */
describe('DockerDriver snapshot on a real engine', function () {
  this.timeout(120_000);
  const endpoint = process.env.DOCKER_HOST || DEFAULT_DOCKER_HOST;
  const docker = dockerFromHost(endpoint);
  const { fixtures, busyboxTar } = useEngine(docker, endpoint, 'Docker snapshot tests');
  const driver = new DockerDriver({ docker, defaultStopTimeoutSec: 2 });
  const instances: DriverInstance[] = [];

  async function spawn(tarball: string): Promise<DriverInstance> {
    const fresh = makeInstance({ projectId: fixtures.projectId });
    const instance = { ...fresh, driverState: await driver.spawn(fresh, fixtures.image(tarball), SMALL_FLAVOR) };
    instances.push(instance);
    return instance;
  }

  const inspect = (instance: DriverInstance) => docker.getContainer(String(instance.driverState!.containerId)).inspect();
  const temporaryTags = async (instance: DriverInstance) =>
    (await docker.listImages({ filters: { reference: [`${SNAPSHOT_REPOSITORY}:${instance.uuid}-*`] } })).flatMap((i) => i.RepoTags ?? []);

  /** the tag goes right after the stream closes (asynchronously): give the engine a moment */
  async function tagsSettled(instance: DriverInstance): Promise<string[]> {
    for (let i = 0; i < 50 && (await temporaryTags(instance)).length; i++) await new Promise((r) => setTimeout(r, 100));
    return temporaryTags(instance);
  }

  async function saveTo(instance: DriverInstance, name: string): Promise<string> {
    const file = join(fixtures.workDir, `${name}.tar`);
    await pipeline(await driver.snapshot(instance), createWriteStream(file));
    return file;
  }

  after(async () => {
    for (const instance of instances) await driver.destroy(instance).catch(() => undefined);
  });

  it('keeps the files written in the container and the original command, and removes its temporary tag', async function () {
    const source = await spawn(busyboxTar());
    await execIn(docker, (await inspect(source)).Id, ['sh', '-c', 'echo kept > /etc/snapshot-marker']);
    const tarball = await saveTo(source, 'with-marker');
    expect(await tagsSettled(source)).to.deep.equal([]);
    const sourceInfo = await inspect(source);
    expect(sourceInfo.State.Running).to.equal(true);
    expect(sourceInfo.State.Paused, 'unpaused after the commit').to.equal(false);

    const child = await spawn(tarball);
    const childInfo = await inspect(child);
    expect(childInfo.Config.Cmd).to.deep.equal(sourceInfo.Config.Cmd);
    expect(childInfo.Config.Labels['org.openstack.novashim.instance']).to.equal(child.uuid);
    expect(childInfo.Config.Env).to.include(`NOVA_INSTANCE_UUID=${child.uuid}`);
    expect(await execIn(docker, childInfo.Id, ['cat', '/etc/snapshot-marker'])).to.equal('kept\n');
  });

  it('snapshots a paused container without unpausing it', async function () {
    const source = await spawn(busyboxTar());
    await docker.getContainer((await inspect(source)).Id).pause();
    try {
      await saveTo(source, 'paused');
      expect((await inspect(source)).State.Paused).to.equal(true);
    } finally {
      await docker.getContainer((await inspect(source)).Id).unpause();
    }
    expect(await tagsSettled(source)).to.deep.equal([]);
  });

  it('removes the temporary tag when the reader gives up half-way', async function () {
    const source = await spawn(busyboxTar());
    const stream = await driver.snapshot(source);
    expect(await temporaryTags(source)).to.have.length(1);
    await new Promise<void>((resolve) => stream.once('readable', () => resolve()));
    (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
    expect(await tagsSettled(source)).to.deep.equal([]);
  });
});
