import { expect } from 'chai';
import { TestApp } from '../helpers/app';
import { API as api, as, useComputeApp } from '../helpers/compute-app';
import { FakeDriver } from '../../src/drivers/fake/driver';

const SCRIPT = '#!/bin/sh\necho configured > /tmp/done\n';
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('compute API: config drive (config_drive, user_data, NOVASHIM_FORCE_CONFIG_DRIVE)', () => {
  const driver = new FakeDriver();
  const c = useComputeApp({ driver });
  let publicKey: string;

  /** boots a server named "cd" with the given fields on `app` */
  const boot = (server: Record<string, unknown>, app = c) => app.boot({ name: 'cd', ...server });
  const show = async (app: TestApp, id: string) => (await app.request.get(`${api}/servers/${id}`).set(as(app.tokens.demo))).body.server;
  const file = (d: FakeDriver, id: string, path: string) => d.peek(id)!.configDrive?.[path];
  const jsonFile = (d: FakeDriver, id: string, path: string) => JSON.parse(file(d, id, path)!.toString('utf8'));

  before(async () => {
    const kp = await c.t.request.post(`${api}/os-keypairs`).set(as(c.t.tokens.demo)).send({ keypair: { name: 'cdkey' } });
    expect(kp.status, kp.text).to.equal(200);
    publicKey = kp.body.keypair.public_key;
  });

  it('config_drive true: the driver gets the files, with the decoded user_data, metadata and key; the server shows "True"', async () => {
    const id = await boot({ config_drive: true, user_data: b64(SCRIPT), metadata: { role: 'web' }, key_name: 'cdkey' });
    const server = await show(c.t, id);
    expect(server.status).to.equal('ACTIVE');
    expect(server.config_drive).to.equal('True');
    const md = jsonFile(driver, id, 'openstack/latest/meta_data.json');
    expect(md).to.include({ uuid: id, name: 'cd', hostname: 'cd.novalocal', launch_index: 0, availability_zone: 'nova', project_id: c.t.projects.demo });
    expect(md.meta).to.deep.equal({ role: 'web' });
    expect(md.public_keys).to.deep.equal({ cdkey: publicKey });
    expect(md.keys).to.deep.equal([{ name: 'cdkey', type: 'ssh', data: publicKey }]);
    expect(md.devices).to.deep.equal([]);
    expect(Buffer.from(md.random_seed, 'base64')).to.have.length(512);
    expect(file(driver, id, 'openstack/latest/user_data')!.toString('utf8')).to.equal(SCRIPT);
    expect(file(driver, id, 'openstack/2012-08-10/user_data')!.toString('utf8')).to.equal(SCRIPT);
    // network_data.json carries the address the driver assigned at start, as the server shows it
    const nd = jsonFile(driver, id, 'openstack/latest/network_data.json');
    expect(nd.networks[0].ip_address).to.equal(server.addresses.private[0].addr);
    expect(jsonFile(driver, id, 'ec2/latest/meta-data.json')['local-ipv4']).to.equal(server.addresses.private[0].addr);
  });

  it('config_drive "true" as a string also attaches one; without user_data there is no user_data file', async () => {
    const id = await boot({ config_drive: 'true' });
    expect((await show(c.t, id)).config_drive).to.equal('True');
    expect(file(driver, id, 'openstack/latest/meta_data.json')).to.not.equal(undefined);
    expect(Object.keys(driver.peek(id)!.configDrive!).filter((p) => /user[-_]data$/.test(p))).to.deep.equal([]);
  });

  it('config_drive false or absent: no files, and the server shows ""', async () => {
    for (const extra of [{ config_drive: false }, {}, { user_data: b64(SCRIPT) }]) {
      const id = await boot(extra);
      expect(driver.peek(id)!.configDrive, JSON.stringify(extra)).to.equal(null);
      expect((await show(c.t, id)).config_drive, JSON.stringify(extra)).to.equal('');
    }
  });

  it('lists show config_drive too', async () => {
    const id = await boot({ config_drive: true });
    const res = await c.t.request.get(`${api}/servers/detail`).set(as(c.t.tokens.demo));
    expect(res.status).to.equal(200);
    expect(res.body.servers.find((s: { id: string }) => s.id === id).config_drive).to.equal('True');
  });

  it('rebuild spawns with a config drive again, holding the new name and metadata', async () => {
    const id = await boot({ config_drive: true, user_data: b64(SCRIPT), metadata: { role: 'web' } });
    const res = await c.t.request.post(`${api}/servers/${id}/action`).set(as(c.t.tokens.demo))
      .send({ rebuild: { imageRef: c.image, name: 'rebuilt', metadata: { role: 'db' } } });
    expect(res.status, res.text).to.equal(202);
    await c.t.services.tasks.idle();
    expect((await show(c.t, id)).status).to.equal('ACTIVE');
    const md = jsonFile(driver, id, 'openstack/latest/meta_data.json');
    expect(md).to.include({ uuid: id, name: 'rebuilt' });
    expect(md.meta).to.deep.equal({ role: 'db' });
    expect(file(driver, id, 'openstack/latest/user_data')!.toString('utf8')).to.equal(SCRIPT);
  });

  describe('with NOVASHIM_FORCE_CONFIG_DRIVE=true (forceConfigDrive)', () => {
    const forcedDriver = new FakeDriver();
    const forced = useComputeApp({ driver: forcedDriver, config: { forceConfigDrive: true } });

    it('every server gets a config drive, even with config_drive false, and shows "True"', async () => {
      for (const extra of [{}, { config_drive: false }]) {
        const id = await boot({ ...extra, user_data: b64('hi') }, forced);
        expect(jsonFile(forcedDriver, id, 'openstack/latest/meta_data.json').uuid).to.equal(id);
        expect(file(forcedDriver, id, 'openstack/latest/user_data')!.toString()).to.equal('hi');
        expect((await show(forced.t, id)).config_drive).to.equal('True');
      }
    });
  });
});
