import { expect } from 'chai';
import { containerOf, execIn, localDocker } from '../helpers/engine';
import { until, useLiveApi } from '../helpers/live-api';
import { SNAPSHOT_REPOSITORY } from '../../src/drivers/docker/snapshot';

/**
 * createImage end to end on the real Docker engine: a file written inside a running server's
 * container is in the snapshot, and a server booted from the snapshot sees it and runs the
 * original command.
 */
describe('createImage end to end (live novashim, real Docker engine)', function () {
  this.timeout(180_000);
  const docker = localDocker();
  const api = useLiveApi(docker);

  const bootActive = (name: string, imageRef: string) => api.boot({ name, imageRef }, 90);

  it('snapshots a running server with a file written in it, and a server booted from the snapshot has the file', async () => {
    const listed = await api.call('GET', '/compute/v2.1/images?name=busybox');
    expect(listed.status).to.equal(200);
    const busybox = listed.body.images[0].id as string;
    api.images.push(busybox);

    const first = await bootActive('snap-source', busybox);
    const source = (await containerOf(docker, first))!;
    const marker = `written before the snapshot ${Date.now()}`;
    await execIn(docker, source.Id, ['sh', '-c', `echo '${marker}' > /etc/novashim-marker`]);

    const res = await api.call('POST', `/compute/v2.1/servers/${first}/action`, { createImage: { name: 'e2e-snap', metadata: { purpose: 'e2e' } } });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    const location = res.headers.get('location')!;
    expect(location).to.match(new RegExp(`^${api.base}/image/v2/images/[0-9a-f-]{36}$`));
    const snapshotId = location.slice(location.lastIndexOf('/') + 1);
    api.images.push(snapshotId);

    await until(async () => {
      const image = (await api.call('GET', `/compute/v2.1/images/${snapshotId}`)).body.image;
      if (image.status === 'ERROR' || image.status === 'DELETED') throw new Error(`snapshot went to ${image.status}`);
      return image.status === 'ACTIVE';
    }, 120);
    const image = (await api.call('GET', `/compute/v2.1/images/${snapshotId}`)).body.image;
    expect(image.metadata).to.include({ image_type: 'snapshot', instance_uuid: first, base_image_ref: busybox, purpose: 'e2e' });
    expect(image['OS-EXT-IMG-SIZE:size']).to.be.above(1000);
    await until(async () => (await api.call('GET', `/compute/v2.1/servers/${first}`)).body.server['OS-EXT-STS:task_state'] === null, 30);
    expect((await api.call('GET', `/compute/v2.1/servers/${first}`)).body.server.status).to.equal('ACTIVE');
    expect((await containerOf(docker, first))!.State.Running, 'the source runs on after the commit').to.equal(true);
    // the temporary engine tag of the commit is gone
    const leftovers = () => docker.listImages({ filters: { reference: [`${SNAPSHOT_REPOSITORY}:${first}-*`] } });
    await until(async () => (await leftovers()).length === 0, 5).catch(() => undefined);
    expect(await leftovers()).to.deep.equal([]);

    const second = await bootActive('snap-child', snapshotId);
    const child = (await containerOf(docker, second))!;
    expect(child.Id).to.not.equal(source.Id);
    expect(child.Config.Cmd, 'the original command').to.deep.equal(source.Config.Cmd);
    expect(child.Config.Labels['org.openstack.novashim.instance']).to.equal(second);
    expect(child.Config.Hostname).to.equal('snap-child');
    expect(await execIn(docker, child.Id, ['cat', '/etc/novashim-marker'])).to.equal(`${marker}\n`);
  });
});
