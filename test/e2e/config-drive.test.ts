import { expect } from 'chai';
import { localDocker } from '../helpers/engine';
import { useLiveApi } from '../helpers/live-api';

const SCRIPT = '#!/bin/sh\necho "hello from user_data"\n';

/**
 * A server created with config_drive, user_data, metadata and a key_name through the HTTP API of a
 * live novashim on the real Docker engine: the config drive's files are read inside the container.
 */
describe('config drive end to end (live server, real Docker engine)', function () {
  this.timeout(180_000);
  const api = useLiveApi(localDocker());
  let busybox = '';

  before(async () => {
    busybox = await api.busyboxImage();
  });

  const boot = (server: object) => api.boot({ imageRef: busybox, ...server });
  const catIn = (id: string, path: string) => api.readFile(id, path);

  it('meta_data.json, user_data and network_data.json are in the container at /var/lib/cloud/seed/config_drive and /mnt/config', async () => {
    const kp = await api.call('POST', '/compute/v2.1/os-keypairs', { keypair: { name: 'cd-e2e' } });
    expect(kp.status, JSON.stringify(kp.body)).to.equal(200);
    const publicKey: string = kp.body.keypair.public_key;
    const id = await boot({
      name: 'cd-e2e', config_drive: true, key_name: 'cd-e2e', metadata: { role: 'web', owner: 'e2e' },
      user_data: Buffer.from(SCRIPT).toString('base64'),
    });
    const server = await api.waitForStatus(id, 'ACTIVE');
    expect(server.config_drive).to.equal('True');

    const md = JSON.parse(await catIn(id, '/var/lib/cloud/seed/config_drive/openstack/latest/meta_data.json'));
    expect(md.uuid).to.equal(id);
    expect(md.name).to.equal('cd-e2e');
    expect(md.hostname).to.equal('cd-e2e.novalocal');
    expect(md.meta).to.deep.equal({ role: 'web', owner: 'e2e' });
    expect(md.public_keys).to.deep.equal({ 'cd-e2e': publicKey });
    expect(md.keys).to.deep.equal([{ name: 'cd-e2e', type: 'ssh', data: publicKey }]);
    expect(await catIn(id, '/var/lib/cloud/seed/config_drive/openstack/latest/user_data')).to.equal(SCRIPT);
    // the same tree through the /mnt/config link
    expect(await catIn(id, '/mnt/config/openstack/latest/user_data')).to.equal(SCRIPT);
    expect(JSON.parse(await catIn(id, '/mnt/config/openstack/2012-08-10/meta_data.json')).uuid).to.equal(id);
    // written again after the start: the address the server shows
    const nd = JSON.parse(await catIn(id, '/mnt/config/openstack/latest/network_data.json'));
    expect(nd.networks[0].ip_address).to.equal(server.addresses.private[0].addr);
    expect(nd.links[0].ethernet_mac_address).to.equal(server.addresses.private[0]['OS-EXT-IPS-MAC:mac_addr']);

    // rebuild makes a new container: the drive is there again, with the new metadata
    const rebuilt = await api.call('POST', `/compute/v2.1/servers/${id}/action`, { rebuild: { imageRef: busybox, metadata: { role: 'db' } } });
    expect(rebuilt.status, JSON.stringify(rebuilt.body)).to.equal(202);
    await api.waitForStatus(id, 'ACTIVE');
    const after = JSON.parse(await catIn(id, '/mnt/config/openstack/latest/meta_data.json'));
    expect(after).to.include({ uuid: id, name: 'cd-e2e' });
    expect(after.meta).to.deep.equal({ role: 'db' });
    expect(await catIn(id, '/mnt/config/openstack/latest/user_data')).to.equal(SCRIPT);
  });

  it('a server without config_drive has no drive in its container', async () => {
    const id = await boot({ name: 'no-cd' });
    let err: unknown = null;
    try { await catIn(id, '/var/lib/cloud/seed/config_drive/openstack/latest/meta_data.json'); } catch (e) { err = e; }
    expect(String(err)).to.match(/exited 1/);
    expect((await api.waitForStatus(id, 'ACTIVE')).config_drive).to.equal('');
  });
});
