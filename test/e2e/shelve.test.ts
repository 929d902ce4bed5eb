import { expect } from 'chai';
import { containerOf, execIn, localDocker } from '../helpers/engine';
import { until, useLiveApi } from '../helpers/live-api';

/**
 * shelve and unshelve end to end on the real Docker engine: a file written inside a running
 * server's container survives a shelve (container removed, SHELVED_OFFLOADED) and an unshelve
 * (a new container from the shelve snapshot, ACTIVE), and the snapshot image is deleted after.
 */
describe('shelve/unshelve end to end (live novashim, real Docker engine)', function () {
  this.timeout(240_000);
  const docker = localDocker();
  const api = useLiveApi(docker);

  // as admin, so OS-EXT-SRV-ATTR:host is in the server
  const waitFor = (id: string, status: string, seconds = 120) => api.waitForStatus(id, status, { seconds, token: api.adminToken });
  const bootActive = (name: string, imageRef: string) => api.boot({ name, imageRef }, 90);

  async function busybox(): Promise<string> {
    const listed = await api.call('GET', '/compute/v2.1/images?name=busybox');
    expect(listed.status).to.equal(200);
    const id = listed.body.images[0].id as string;
    api.images.push(id);
    return id;
  }

  it('keeps a file written in the container across shelve (offloaded, container gone) and unshelve (a new container)', async () => {
    const id = await bootActive('shelf', await busybox());
    const first = (await containerOf(docker, id))!;
    const marker = `written before the shelve ${Date.now()}`;
    await execIn(docker, first.Id, ['sh', '-c', `echo '${marker}' > /etc/novashim-marker`]);

    const res = await api.call('POST', `/compute/v2.1/servers/${id}/action`, { shelve: null });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    const shelved = await waitFor(id, 'SHELVED_OFFLOADED');
    expect(shelved['OS-EXT-STS:vm_state']).to.equal('shelved_offloaded');
    expect(shelved['OS-EXT-SRV-ATTR:host']).to.equal(null);
    expect(await containerOf(docker, id), 'the container is removed').to.equal(null);
    await docker.getContainer(first.Id).inspect().then(() => expect.fail('the old container still exists'), () => undefined);

    const listed = await api.call('GET', `/image/v2/images?name=shelf-shelved`);
    expect(listed.body.images).to.have.length(1);
    const snap = listed.body.images[0];
    api.images.push(snap.id);
    expect(snap).to.include({ status: 'active', image_type: 'snapshot', instance_uuid: id });

    const un = await api.call('POST', `/compute/v2.1/servers/${id}/action`, { unshelve: null });
    expect(un.status, JSON.stringify(un.body)).to.equal(202);
    const back = await waitFor(id, 'ACTIVE');
    expect(back.id).to.equal(id);
    expect(back.name).to.equal('shelf');
    const second = (await containerOf(docker, id))!;
    expect(second.Id).to.not.equal(first.Id);
    expect(second.State.Running).to.equal(true);
    expect(second.Config.Hostname).to.equal('shelf');
    expect(second.Config.Cmd, 'the original command').to.deep.equal(first.Config.Cmd);
    expect(await execIn(docker, second.Id, ['cat', '/etc/novashim-marker'])).to.equal(`${marker}\n`);
    expect(back.addresses).to.not.deep.equal({});
    await until(async () => (await api.call('GET', `/image/v2/images/${snap.id}`, undefined, { token: api.adminToken })).status === 404, 10);
  });

  it('shelves a paused server (stopped from frozen) and unshelves it', async () => {
    const id = await bootActive('frozen-shelf', await busybox());
    expect((await api.call('POST', `/compute/v2.1/servers/${id}/action`, { pause: null })).status).to.equal(202);
    await waitFor(id, 'PAUSED', 30);
    expect((await api.call('POST', `/compute/v2.1/servers/${id}/action`, { shelve: null })).status).to.equal(202);
    await waitFor(id, 'SHELVED_OFFLOADED');
    expect(await containerOf(docker, id)).to.equal(null);
    const snap = (await api.call('GET', `/image/v2/images?name=frozen-shelf-shelved`)).body.images[0];
    api.images.push(snap.id);
    expect((await api.call('POST', `/compute/v2.1/servers/${id}/action`, { unshelve: null })).status).to.equal(202);
    await waitFor(id, 'ACTIVE');
    expect((await containerOf(docker, id))!.State.Running).to.equal(true);
  });
});
