import fs from 'node:fs';
import { expect } from 'chai';
import { containerOf, localDocker } from '../helpers/engine';
import { useLiveApi } from '../helpers/live-api';
import { EngineFixtures } from '../drivers/docker-fixtures';
import { imageTag } from '../../src/drivers/docker/images';
import { INSTANCE_LABEL, PROJECT_LABEL } from '../../src/drivers/docker/labels';

const MIB = 1024 * 1024;

/**
 * rebuild and resize through the HTTP API of a live novashim on the real Docker engine: the
 * container's limits after resize / revert / confirm, and after rebuild a new container from the
 * new image with the same hostname and labels under the same server id.
 */
describe('rebuild and resize end to end (live server, real Docker engine)', function () {
  this.timeout(180_000);
  const docker = localDocker();
  const api = useLiveApi(docker);
  const fixtures = new EngineFixtures(docker);
  let busybox = '';
  /** a second image: busybox whose CMD first prints "rebuilt from the variant" */
  let variant = '';

  const boot = (name: string, extra: object = {}) => api.boot({ name, imageRef: busybox, ...extra });

  const limits = async (id: string) => {
    const c = (await containerOf(docker, id))!;
    return { Memory: c.HostConfig.Memory, MemorySwap: c.HostConfig.MemorySwap, NanoCpus: c.HostConfig.NanoCpus };
  };

  before(async () => {
    busybox = await api.busyboxImage();
    await fixtures.buildBusybox();
    const script = 'echo "rebuilt from the variant"; while :; do sleep 1; done';
    const tarball = await fixtures.variant('rebuild-target', [`CMD ["/bin/sh", "-c", ${JSON.stringify(script)}]`]);
    const created = await api.call('POST', '/image/v2/images', { name: 'rebuild-target', container_format: 'docker', disk_format: 'raw' });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    variant = created.body.id;
    api.images.push(variant);
    expect((await api.call('PUT', `/image/v2/images/${variant}/file`, undefined, { raw: fs.readFileSync(tarball) })).status).to.equal(204);
  });

  // after useLiveApi's after hook stopped the service and removed the images' engine tags
  after(async () => {
    if (api.started) await fixtures.cleanup();
    else fixtures.discardWorkDir();
  });

  it('resize → VERIFY_RESIZE with the new Memory/NanoCpus on the same container; revert restores them; confirm keeps them', async () => {
    const id = await boot('rs');
    const original = (await containerOf(docker, id))!;
    expect(await limits(id)).to.deep.equal({ Memory: 512 * MIB, MemorySwap: 512 * MIB, NanoCpus: 1e9 });

    await api.action(id, { resize: { flavorRef: '3' } });
    const verify = await api.waitForStatus(id, 'VERIFY_RESIZE');
    expect(verify.flavor.id).to.equal('3');
    expect(verify['OS-EXT-STS:vm_state']).to.equal('resized');
    expect(await limits(id), 'm1.medium: 4096 MB, 2 vCPUs').to.deep.equal({ Memory: 4096 * MIB, MemorySwap: 4096 * MIB, NanoCpus: 2e9 });
    const resized = (await containerOf(docker, id))!;
    expect(resized.Id, 'no new container').to.equal(original.Id);
    expect(resized.State.Running).to.equal(true);

    await api.action(id, { revertResize: null });
    const reverted = await api.waitForStatus(id, 'ACTIVE');
    expect(reverted.flavor.id).to.equal('1');
    expect(await limits(id)).to.deep.equal({ Memory: 512 * MIB, MemorySwap: 512 * MIB, NanoCpus: 1e9 });

    await api.action(id, { resize: { flavorRef: '2' } });
    await api.waitForStatus(id, 'VERIFY_RESIZE');
    await api.action(id, { confirmResize: null }, 204);
    const confirmed = await api.waitForStatus(id, 'ACTIVE');
    expect(confirmed.flavor.id).to.equal('2');
    expect(await limits(id)).to.deep.equal({ Memory: 2048 * MIB, MemorySwap: 2048 * MIB, NanoCpus: 1e9 });
    expect((await containerOf(docker, id))!.Id).to.equal(original.Id);
  });

  it('rebuild → a new container from the new image, same server id, hostname and labels, new metadata', async () => {
    const id = await boot('rb', { metadata: { old: 'yes' } });
    const before = (await containerOf(docker, id))!;
    const reply = await api.action(id, { rebuild: { imageRef: variant, name: 'rb-new', metadata: { fresh: 'yes' } } });
    expect(reply.server).to.include({ id, status: 'REBUILD', name: 'rb-new' });
    expect(reply.server.adminPass).to.be.a('string');

    const done = await api.waitForStatus(id, 'ACTIVE');
    expect(done.image.id).to.equal(variant);
    expect(done.metadata).to.deep.equal({ fresh: 'yes' });
    const after = (await containerOf(docker, id))!;
    expect(after.Id, 'a new container').to.not.equal(before.Id);
    expect(after.Config.Image).to.equal(imageTag(variant));
    expect(after.Config.Hostname).to.equal(before.Config.Hostname).and.equal('rb');
    expect(after.Config.Labels[INSTANCE_LABEL]).to.equal(id);
    expect(after.Config.Labels[PROJECT_LABEL]).to.equal(before.Config.Labels[PROJECT_LABEL]);
    expect(after.Name).to.equal(before.Name);
    expect(after.Config.Env).to.include('META_fresh=yes').and.not.include('META_old=yes');
    expect(after.State.Running).to.equal(true);
    await docker.getContainer(before.Id).inspect().then(
      () => expect.fail('the old container is still there'),
      (err: { statusCode?: number }) => expect(err.statusCode).to.equal(404),
    );
    let output = '';
    for (let i = 0; i < 40 && !output.includes('rebuilt from the variant'); i++) {
      output = (await api.call('POST', `/compute/v2.1/servers/${id}/action`, { 'os-getConsoleOutput': {} })).body.output;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(output, 'the new image runs').to.include('rebuilt from the variant');
  });

  it('rebuild of a stopped server leaves it SHUTOFF, its new container created from the new image and stopped', async () => {
    const id = await boot('rbs');
    await api.action(id, { 'os-stop': null });
    await api.waitForStatus(id, 'SHUTOFF');
    const before = (await containerOf(docker, id))!;
    await api.action(id, { rebuild: { imageRef: variant } });
    const done = await api.waitForStatus(id, 'SHUTOFF');
    expect(done['OS-EXT-STS:power_state']).to.equal(4);
    const after = (await containerOf(docker, id))!;
    expect(after.Id).to.not.equal(before.Id);
    expect(after.Config.Image).to.equal(imageTag(variant));
    expect(after.State.Running).to.equal(false);
    await api.action(id, { 'os-start': null });
    await api.waitForStatus(id, 'ACTIVE');
  });
});
