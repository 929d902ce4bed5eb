import { expect } from 'chai';
import { makeTestApp, TestApp } from '../helpers/app';
import { insertImage } from '../helpers/images';
import { MAX_VERSION } from '../../src/api/microversion';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

describe('compute API: versions, flavors, keypairs, limits, availability zones', () => {
  let t: TestApp;
  const api = '/compute/v2.1';
  const as = (token: string) => ({ 'x-auth-token': token });
  before(async () => { t = await makeTestApp(); });
  after(async () => { await t.close(); });

  describe('versions and microversions', () => {
    it('lists v2.0 then v2.1 without a token', async () => {
      const res = await t.request.get('/compute/');
      expect(res.status).to.equal(200);
      expect(res.body.versions.map((v: { id: string }) => v.id)).to.deep.equal(['v2.0', 'v2.1']);
      const v21 = await t.request.get('/compute/v2.1/');
      expect(v21.body.version).to.include({ id: 'v2.1', min_version: '2.1', version: MAX_VERSION.toString() });
      const v2 = await t.request.get('/compute/v2/');
      expect(v2.body.version.id).to.equal('v2.0');
    });

    it('echoes the negotiated version in both headers with Vary, on faults too', async () => {
      const cases: [Record<string, string>, string][] = [
        [{ 'X-OpenStack-Nova-API-Version': '2.1' }, '2.1'], [{ 'OpenStack-API-Version': 'compute 2.27' }, '2.27'],
        [{ 'OpenStack-API-Version': 'compute latest' }, MAX_VERSION.toString()], [{}, '2.1'],
      ];
      for (const [headers, echoed] of cases) {
        const res = await t.request.get(`${api}/servers/00000000-0000-4000-8000-000000000000`).set(as(t.tokens.demo)).set(headers);
        expect(res.status).to.equal(404);
        expect(res.headers['x-openstack-nova-api-version']).to.equal(echoed);
        expect(res.headers['openstack-api-version']).to.equal(`compute ${echoed}`);
        expect(res.headers.vary).to.contain('X-OpenStack-Nova-API-Version');
        expect(res.headers['x-openstack-request-id']).to.match(/^req-[0-9a-f-]{36}$/);
        expect(res.headers['x-compute-request-id']).to.equal(res.headers['x-openstack-request-id']);
      }
    });

    it('answers 406 outside the advertised range and 400 for garbage', async () => {
      const high = await t.request.get(`${api}/flavors`).set(as(t.tokens.demo)).set('X-OpenStack-Nova-API-Version', '2.999');
      expect(high.status).to.equal(406);
      expect(high.body.computeFault.message).to.contain('is not supported by the API');
      const bad = await t.request.get(`${api}/flavors`).set(as(t.tokens.demo)).set('X-OpenStack-Nova-API-Version', 'two');
      expect(bad.status).to.equal(400);
    });
  });

  describe('flavors', () => {
    it('lists the seeded flavors, with detail, filters and paging', async () => {
      const list = await t.request.get(`${api}/flavors`).set(as(t.tokens.demo));
      expect(list.body.flavors.map((f: { name: string }) => f.name)).to.deep.equal(['m1.tiny', 'm1.small', 'm1.medium', 'm1.large']);
      const detail = await t.request.get(`${api}/flavors/detail?minRam=4096`).set(as(t.tokens.demo));
      expect(detail.body.flavors.map((f: { ram: number }) => f.ram)).to.deep.equal([4096, 8192]);
      const disk = await t.request.get(`${api}/flavors/detail?minDisk=21`).set(as(t.tokens.demo));
      expect(disk.body.flavors.map((f: { id: string }) => f.id)).to.deep.equal(['3', '4']);
      const page = await t.request.get(`${api}/flavors?limit=2&marker=1`).set(as(t.tokens.demo));
      expect(page.body.flavors.map((f: { id: string }) => f.id)).to.deep.equal(['2', '3']);
      expect(page.body.flavors_links[0].href).to.contain('marker=3');
      const sorted = await t.request.get(`${api}/flavors?sort_key=memory_mb&sort_dir=desc`).set(as(t.tokens.demo));
      expect(sorted.body.flavors[0].name).to.equal('m1.large');
    });

    it('shows one flavor and its (empty) extra specs, 404 for unknown ones, 400 for bad filters', async () => {
      const one = await t.request.get(`${api}/flavors/1`).set(as(t.tokens.demo));
      expect(one.body.flavor).to.include({ id: '1', name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1, swap: '' });
      expect((await t.request.get(`${api}/flavors/1/os-extra_specs`).set(as(t.tokens.demo))).body).to.deep.equal({ extra_specs: {} });
      expect((await t.request.get(`${api}/flavors/1/os-extra_specs/hw:cpu`).set(as(t.tokens.demo))).status).to.equal(404);
      expect((await t.request.get(`${api}/flavors/nope`).set(as(t.tokens.demo))).status).to.equal(404);
      expect((await t.request.get(`${api}/flavors?minRam=lots`).set(as(t.tokens.demo))).status).to.equal(400);
      expect((await t.request.get(`${api}/flavors?sort_key=colour`).set(as(t.tokens.demo))).status).to.equal(400);
      expect((await t.request.get(`${api}/flavors?marker=99`).set(as(t.tokens.demo))).status).to.equal(400);
    });
  });

  describe('keypairs', () => {
    it('generates a keypair whose private key ssh-keygen accepts and whose fingerprint matches', async () => {
      const res = await t.request.post(`${api}/os-keypairs`).set(as(t.tokens.demo)).send({ keypair: { name: 'gen' } });
      expect(res.status).to.equal(200);
      const { private_key: priv, public_key: pub, fingerprint } = res.body.keypair;
      expect(pub).to.match(/^ssh-rsa AAAA/);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kp-'));
      fs.writeFileSync(path.join(dir, 'id'), priv, { mode: 0o600 });
      const derived = execFileSync('ssh-keygen', ['-y', '-f', path.join(dir, 'id')]).toString().trim();
      expect(derived.split(' ')[1]).to.equal(pub.split(' ')[1]);
      const md5 = execFileSync('ssh-keygen', ['-l', '-E', 'md5', '-f', '-'], { input: pub }).toString();
      expect(md5).to.contain(`MD5:${fingerprint}`);
    });

    it('imports, lists, shows and deletes keypairs per user', async () => {
      const pub = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDm2hbP1ODe4mVuR3GpqB4zqHoCM9WUvhM2/FHq4eCJR test@host';
      const imported = await t.request.post(`${api}/os-keypairs`).set(as(t.tokens.demo)).send({ keypair: { name: 'mine', public_key: pub } });
      expect(imported.status).to.equal(200);
      expect(imported.body.keypair).to.not.have.property('private_key');
      expect(imported.body.keypair.fingerprint).to.match(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
      const dup = await t.request.post(`${api}/os-keypairs`).set(as(t.tokens.demo)).send({ keypair: { name: 'mine', public_key: pub } });
      expect(dup.status).to.equal(409);
      const names = (await t.request.get(`${api}/os-keypairs`).set(as(t.tokens.demo))).body.keypairs.map((k: { keypair: { name: string } }) => k.keypair.name);
      expect(names).to.include('mine');
      expect((await t.request.get(`${api}/os-keypairs`).set(as(t.tokens.alt))).body.keypairs).to.deep.equal([]);
      const shown = await t.request.get(`${api}/os-keypairs/mine`).set(as(t.tokens.demo));
      expect(shown.body.keypair).to.include({ name: 'mine', deleted: false });
      expect((await t.request.get(`${api}/os-keypairs/mine`).set(as(t.tokens.alt))).status).to.equal(404);
      expect((await t.request.delete(`${api}/os-keypairs/mine`).set(as(t.tokens.demo))).status).to.equal(202);
      expect((await t.request.delete(`${api}/os-keypairs/mine`).set(as(t.tokens.demo))).status).to.equal(404);
    });

    it('rejects bad names and keys', async () => {
      for (const keypair of [{ name: 'bad/name' }, { name: '' }, { name: 'x', public_key: 'ssh-rsa not-base64!' }, { name: 'x', public_key: 'hello' }]) {
        const res = await t.request.post(`${api}/os-keypairs`).set(as(t.tokens.demo)).send({ keypair });
        expect(res.status, JSON.stringify(keypair)).to.equal(400);
        expect(res.body.badRequest).to.be.an('object');
      }
    });
  });

  it('shows absolute limits with the project\'s usage', async () => {
    const image = await insertImage(t.db, t.projects.admin);
    await t.request.post(`${api}/servers`).set(as(t.tokens.alt)).send({ server: { name: 'counted', imageRef: image, flavorRef: '2' } });
    await t.services.tasks.idle();
    const res = await t.request.get(`${api}/limits`).set(as(t.tokens.alt));
    expect(res.status).to.equal(200);
    expect(res.body.limits.absolute).to.include({ maxTotalInstances: 10, totalInstancesUsed: 1, totalRAMUsed: 2048, totalCoresUsed: 1 });
  });

  it('lists the nova availability zone, and its hosts for admins only', async () => {
    const res = await t.request.get(`${api}/os-availability-zone`).set(as(t.tokens.demo));
    expect(res.body.availabilityZoneInfo).to.deep.equal([{ zoneName: 'nova', zoneState: { available: true }, hosts: null }]);
    expect((await t.request.get(`${api}/os-availability-zone/detail`).set(as(t.tokens.demo))).status).to.equal(403);
    const detail = await t.request.get(`${api}/os-availability-zone/detail`).set(as(t.tokens.admin));
    // Nova's detail also shows the `internal` zone of the scheduler and conductor
    const nova = detail.body.availabilityZoneInfo.find((z: { zoneName: string }) => z.zoneName === 'nova');
    expect(Object.keys(nova.hosts)).to.deep.equal([t.config.computeHost]);
  });
});
