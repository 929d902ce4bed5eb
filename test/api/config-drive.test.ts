import { expect } from 'chai';
import { makeTestApp, TestApp } from '../helpers/app';
import { insertImage } from '../helpers/images';
import { FakeDriver } from '../../src/drivers/fake/driver';

const SCRIPT = '#!/bin/sh\necho configured > /tmp/done\n';
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('compute API: config drive (config_drive, user_data, NOVASHIM_FORCE_CONFIG_DRIVE)', () => {
  const api = '/compute/v2.1';
  const as = (token: string) => ({ 'x-auth-token': token });
  const driver = new FakeDriver();
  let t: TestApp;
  let image: string;
  let publicKey: string;

  async function boot(app: TestApp, img: string, server: Record<string, unknown>): Promise<string> {
    const res = await app.request.post(`${api}/servers`).set(as(app.tokens.demo)).send({ server: { name: 'cd', imageRef: img, flavorRef: '1', ...server } });
    expect(res.status, res.text).to.equal(202);
    await app.services.tasks.idle();
    return res.body.server.id as string;
  }
  const show = async (app: TestApp, id: string) => (await app.request.get(`${api}/servers/${id}`).set(as(app.tokens.demo))).body.server;
  const file = (d: FakeDriver, id: string, path: string) => d.peek(id)!.configDrive?.[path];
  const jsonFile = (d: FakeDriver, id: string, path: string) => JSON.parse(file(d, id, path)!.toString('utf8'));

  before(async () => {
    t = await makeTestApp({ driver });
    image = await insertImage(t.db, t.projects.admin);
    const kp = await t.request.post(`${api}/os-keypairs`).set(as(t.tokens.demo)).send({ keypair: { name: 'cdkey' } });
    expect(kp.status, kp.text).to.equal(200);
    publicKey = kp.body.keypair.public_key;
  });
  after(async () => { await t.close(); });

  it('config_drive true: the driver gets the files, with the decoded user_data, metadata and key; the server shows "True"', async () => {
    const id = await boot(t, image, { config_drive: true, user_data: b64(SCRIPT), metadata: { role: 'web' }, key_name: 'cdkey' });
    const server = await show(t, id);
    expect(server.status).to.equal('ACTIVE');
    expect(server.config_drive).to.equal('True');
    const md = jsonFile(driver, id, 'openstack/latest/meta_data.json');
    expect(md).to.include({ uuid: id, name: 'cd', hostname: 'cd.novalocal', launch_index: 0, availability_zone: 'nova', project_id: t.projects.demo });
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
    const id = await boot(t, image, { config_drive: 'true' });
    expect((await show(t, id)).config_drive).to.equal('True');
    expect(file(driver, id, 'openstack/latest/meta_data.json')).to.not.equal(undefined);
    expect(Object.keys(driver.peek(id)!.configDrive!).filter((p) => /user[-_]data$/.test(p))).to.deep.equal([]);
  });

  it('config_drive false or absent: no files, and the server shows ""', async () => {
    for (const extra of [{ config_drive: false }, {}, { user_data: b64(SCRIPT) }]) {
      const id = await boot(t, image, extra);
      expect(driver.peek(id)!.configDrive, JSON.stringify(extra)).to.equal(null);
      expect((await show(t, id)).config_drive, JSON.stringify(extra)).to.equal('');
    }
  });

  it('lists show config_drive too', async () => {
    const id = await boot(t, image, { config_drive: true });
    const res = await t.request.get(`${api}/servers/detail`).set(as(t.tokens.demo));
    expect(res.status).to.equal(200);
    expect(res.body.servers.find((s: { id: string }) => s.id === id).config_drive).to.equal('True');
  });

  it('rebuild spawns with a config drive again, holding the new name and metadata', async () => {
    const id = await boot(t, image, { config_drive: true, user_data: b64(SCRIPT), metadata: { role: 'web' } });
    const res = await t.request.post(`${api}/servers/${id}/action`).set(as(t.tokens.demo))
      .send({ rebuild: { imageRef: image, name: 'rebuilt', metadata: { role: 'db' } } });
    expect(res.status, res.text).to.equal(202);
    await t.services.tasks.idle();
    expect((await show(t, id)).status).to.equal('ACTIVE');
    const md = jsonFile(driver, id, 'openstack/latest/meta_data.json');
    expect(md).to.include({ uuid: id, name: 'rebuilt' });
    expect(md.meta).to.deep.equal({ role: 'db' });
    expect(file(driver, id, 'openstack/latest/user_data')!.toString('utf8')).to.equal(SCRIPT);
  });

  describe('with NOVASHIM_FORCE_CONFIG_DRIVE=true (forceConfigDrive)', () => {
    const forcedDriver = new FakeDriver();
    let forced: TestApp;
    let img: string;
    before(async () => {
      forced = await makeTestApp({ driver: forcedDriver, config: { forceConfigDrive: true } });
      img = await insertImage(forced.db, forced.projects.admin);
    });
    after(async () => { await forced.close(); });

    it('every server gets a config drive, even with config_drive false, and shows "True"', async () => {
      for (const extra of [{}, { config_drive: false }]) {
        const id = await boot(forced, img, { ...extra, user_data: b64('hi') });
        expect(jsonFile(forcedDriver, id, 'openstack/latest/meta_data.json').uuid).to.equal(id);
        expect(file(forcedDriver, id, 'openstack/latest/user_data')!.toString()).to.equal('hi');
        expect((await show(forced, id)).config_drive).to.equal('True');
      }
    });
  });
});
