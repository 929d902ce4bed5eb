import { expect } from 'chai';
import { makeTestApp, TestApp } from '../helpers/app';
import { insertImage } from '../helpers/images';

describe('compute API: flavor administration (flavor-manage, extra specs, flavor access)', () => {
  const api = '/compute/v2.1';
  const as = (token: string) => ({ 'x-auth-token': token });
  let t: TestApp;
  let n = 0;
  const flavor = (extra: Record<string, unknown> = {}) => ({ flavor: { name: `f-${++n}`, ram: 64, vcpus: 1, disk: 0, ...extra } });
  const create = (body: unknown, token = t.tokens.admin) => t.request.post(`${api}/flavors`).set(as(token)).send(body as object);
  const ids = (res: { body: { flavors: { id: string }[] } }) => res.body.flavors.map((f) => f.id);

  beforeEach(async () => { t = await makeTestApp(); });
  afterEach(async () => { await t.close(); });

  describe('POST /flavors and DELETE /flavors/{id}', () => {
    it('creates a flavor with a generated UUID when id is absent or null, and shows it with defaults', async () => {
      for (const extra of [{}, { id: null }]) {
        const res = await create(flavor(extra));
        expect(res.status, res.text).to.equal(200);
        expect(res.body.flavor.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(res.body.flavor).to.include({ ram: 64, vcpus: 1, disk: 0, swap: '', 'OS-FLV-EXT-DATA:ephemeral': 0, rxtx_factor: 1, 'os-flavor-access:is_public': true, 'OS-FLV-DISABLED:disabled': false });
        const shown = await t.request.get(`${api}/flavors/${res.body.flavor.id}`).set(as(t.tokens.demo));
        expect(shown.status).to.equal(200);
        expect(shown.body.flavor).to.deep.equal(res.body.flavor);
      }
    });

    it('keeps a given id (integer or string) and takes numbers given as strings', async () => {
      const res = await create(flavor({ id: 4242, ram: '512', vcpus: '2', disk: '10', swap: 128, 'OS-FLV-EXT-DATA:ephemeral': '5', rxtx_factor: '1.5', 'os-flavor-access:is_public': 'False' }));
      expect(res.status, res.text).to.equal(200);
      expect(res.body.flavor).to.include({ id: '4242', ram: 512, vcpus: 2, disk: 10, swap: 128, 'OS-FLV-EXT-DATA:ephemeral': 5, rxtx_factor: 1.5, 'os-flavor-access:is_public': false });
      const named = await create(flavor({ id: 'my.flavor-1' }));
      expect(named.status, named.text).to.equal(200);
      expect(named.body.flavor.id).to.equal('my.flavor-1');
    });

    it('answers 409 for a taken id or name', async () => {
      expect((await create(flavor({ id: 'dup' }))).status).to.equal(200);
      const sameId = await create(flavor({ id: 'dup' }));
      expect(sameId.status).to.equal(409);
      expect(sameId.body.conflictingRequest.message).to.equal('Flavor with ID dup already exists.');
      const sameName = await create({ flavor: { name: 'm1.tiny', ram: 64, vcpus: 1, disk: 0 } });
      expect(sameName.status).to.equal(409);
      expect(sameName.body.conflictingRequest.message).to.equal('Flavor with name m1.tiny already exists.');
    });

    it('answers 400 for bad values', async () => {
      const bad: Record<string, unknown>[] = [
        { ram: 0 }, { ram: -1 }, { ram: 'abc' }, { ram: '0' }, { ram: 1.5 }, { vcpus: 0 }, { disk: -1 }, { swap: -1 },
        { 'OS-FLV-EXT-DATA:ephemeral': -1 }, { rxtx_factor: 0 }, { rxtx_factor: '-1' }, { rxtx_factor: 'x' },
        { 'os-flavor-access:is_public': 'maybe' }, { id: '' }, { id: ' lead' }, { id: 'a/b' }, { name: '' }, { name: ' pad ' },
        { ram: 2 ** 31 }, { bogus: 1 },
      ];
      for (const extra of bad) {
        const res = await create(flavor(extra));
        expect(res.status, JSON.stringify(extra)).to.equal(400);
      }
      expect((await create({ flavor: { name: 'x', ram: 64, vcpus: 1 } })).status).to.equal(400);
      expect((await create({})).status).to.equal(400);
    });

    it('is admin only (403 for a member)', async () => {
      const res = await create(flavor(), t.tokens.demo);
      expect(res.status).to.equal(403);
      expect((await t.request.delete(`${api}/flavors/1`).set(as(t.tokens.demo))).status).to.equal(403);
    });

    it('deletes a flavor (202), then 404; servers keep their flavor', async () => {
      const image = await insertImage(t.db, t.projects.admin);
      const made = await create(flavor({ id: 'gone', ram: 128 }));
      expect(made.status).to.equal(200);
      const boot = await t.request.post(`${api}/servers`).set(as(t.tokens.demo)).send({ server: { name: 'vm', imageRef: image, flavorRef: 'gone' } });
      expect(boot.status, boot.text).to.equal(202);
      await t.services.tasks.idle();
      const del = await t.request.delete(`${api}/flavors/gone`).set(as(t.tokens.admin));
      expect(del.status).to.equal(202);
      expect(del.text).to.equal('');
      expect((await t.request.get(`${api}/flavors/gone`).set(as(t.tokens.admin))).status).to.equal(404);
      expect((await t.request.delete(`${api}/flavors/gone`).set(as(t.tokens.admin))).status).to.equal(404);
      const server = await t.request.get(`${api}/servers/${boot.body.server.id}`).set(as(t.tokens.demo));
      expect(server.status).to.equal(200);
      expect(server.body.server.flavor.id).to.equal('gone');
      // the name is free again
      expect((await create({ flavor: { name: made.body.flavor.name, ram: 64, vcpus: 1, disk: 0, id: 'gone' } })).status).to.equal(200);
    });
  });

  describe('extra specs writes', () => {
    const specs = (id: string, token = t.tokens.admin) => t.request.get(`${api}/flavors/${id}/os-extra_specs`).set(as(token));

    it('creates, updates, shows and deletes keys', async () => {
      const set = await t.request.post(`${api}/flavors/1/os-extra_specs`).set(as(t.tokens.admin)).send({ extra_specs: { 'hw:cpu_policy': 'shared', n: 3 } });
      expect(set.status, set.text).to.equal(200);
      expect(set.body).to.deep.equal({ extra_specs: { 'hw:cpu_policy': 'shared', n: '3' } });
      const more = await t.request.post(`${api}/flavors/1/os-extra_specs`).set(as(t.tokens.admin)).send({ extra_specs: { n: '4', other: 'x' } });
      expect(more.status).to.equal(200);
      expect((await specs('1', t.tokens.demo)).body.extra_specs).to.deep.equal({ 'hw:cpu_policy': 'shared', n: '4', other: 'x' });
      const put = await t.request.put(`${api}/flavors/1/os-extra_specs/other`).set(as(t.tokens.admin)).send({ other: 'y' });
      expect(put.status).to.equal(200);
      expect(put.body).to.deep.equal({ other: 'y' });
      expect((await t.request.get(`${api}/flavors/1/os-extra_specs/other`).set(as(t.tokens.demo))).body).to.deep.equal({ other: 'y' });
      const del = await t.request.delete(`${api}/flavors/1/os-extra_specs/other`).set(as(t.tokens.admin));
      expect(del.status).to.equal(200);
      expect((await specs('1')).body.extra_specs).to.deep.equal({ 'hw:cpu_policy': 'shared', n: '4' });
    });

    it('answers Nova\'s errors', async () => {
      const put = (key: string, body: unknown, flavorId = '1') => t.request.put(`${api}/flavors/${flavorId}/os-extra_specs/${key}`).set(as(t.tokens.admin)).send(body as object);
      expect((await put('a', { b: 'x' })).body.badRequest.message).to.equal('Request body and URI mismatch');
      expect((await put('a', { a: 'x', b: 'y' })).status).to.equal(400);
      expect((await put('a', {})).status).to.equal(400);
      expect((await put('a', { a: 'x' }, 'nope')).status).to.equal(404);
      const post = (body: unknown, flavorId = '1', token = t.tokens.admin) => t.request.post(`${api}/flavors/${flavorId}/os-extra_specs`).set(as(token)).send(body as object);
      expect((await post({ extra_specs: { 'bad/key': 'x' } })).status).to.equal(400);
      expect((await post({ extra_specs: { k: 'x'.repeat(256) } })).status).to.equal(400);
      expect((await post({ extra_specs: { k: null } })).status).to.equal(400);
      expect((await post({ specs: {} })).status).to.equal(400);
      expect((await post({ extra_specs: { k: 'v' } }, 'nope')).status).to.equal(404);
      expect((await post({ extra_specs: { k: 'v' } }, '1', t.tokens.demo)).status).to.equal(403);
      expect((await put('k', { k: 'v' }).set(as(t.tokens.demo))).status).to.equal(403);
      const del = (key: string, token = t.tokens.admin, flavorId = '1') => t.request.delete(`${api}/flavors/${flavorId}/os-extra_specs/${key}`).set(as(token));
      const missing = await del('never');
      expect(missing.status).to.equal(404);
      expect(missing.body.itemNotFound.message).to.equal('Flavor 1 has no extra specs with key never.');
      expect((await del('never', t.tokens.admin, 'nope')).status).to.equal(404);
      await post({ extra_specs: { k: 'v' } });
      expect((await del('k', t.tokens.demo)).status).to.equal(403);
      expect((await specs('1')).body.extra_specs).to.deep.equal({ k: 'v' });
    });
  });

  describe('private flavors and os-flavor-access', () => {
    let priv: string;
    const access = (id: string, body: unknown, token = t.tokens.admin) => t.request.post(`${api}/flavors/${id}/action`).set(as(token)).send(body as object);
    const accessList = (id: string, token = t.tokens.admin) => t.request.get(`${api}/flavors/${id}/os-flavor-access`).set(as(token));

    beforeEach(async () => {
      const res = await create(flavor({ id: 'priv', 'os-flavor-access:is_public': false }));
      expect(res.status).to.equal(200);
      priv = res.body.flavor.id;
    });

    it('hides a private flavor from projects without access; admins see it with is_public=false|none', async () => {
      for (const path of ['flavors', 'flavors/detail']) {
        expect(ids(await t.request.get(`${api}/${path}`).set(as(t.tokens.demo)))).to.deep.equal(['1', '2', '3', '4']);
        expect(ids(await t.request.get(`${api}/${path}?is_public=none`).set(as(t.tokens.demo)))).to.deep.equal(['1', '2', '3', '4']);
        expect(ids(await t.request.get(`${api}/${path}?is_public=false`).set(as(t.tokens.demo)))).to.deep.equal(['1', '2', '3', '4']);
        expect(ids(await t.request.get(`${api}/${path}`).set(as(t.tokens.admin)))).to.deep.equal(['1', '2', '3', '4']);
        expect(ids(await t.request.get(`${api}/${path}?is_public=false`).set(as(t.tokens.admin)))).to.deep.equal([priv]);
        expect(ids(await t.request.get(`${api}/${path}?is_public=none`).set(as(t.tokens.admin)))).to.deep.equal(['1', '2', '3', '4', priv]);
      }
      expect((await t.request.get(`${api}/flavors/${priv}`).set(as(t.tokens.demo))).status).to.equal(404);
      expect((await t.request.get(`${api}/flavors/${priv}/os-extra_specs`).set(as(t.tokens.demo))).status).to.equal(404);
      expect((await t.request.get(`${api}/flavors/${priv}`).set(as(t.tokens.admin))).status).to.equal(200);
    });

    it('adds and removes tenant access, which makes the flavor visible to that project only', async () => {
      expect((await accessList(priv)).body).to.deep.equal({ flavor_access: [] });
      const add = await access(priv, { addTenantAccess: { tenant: t.projects.demo } });
      expect(add.status, add.text).to.equal(200);
      expect(add.body).to.deep.equal({ flavor_access: [{ flavor_id: priv, tenant_id: t.projects.demo }] });
      expect((await accessList(priv)).body).to.deep.equal(add.body);
      expect(ids(await t.request.get(`${api}/flavors`).set(as(t.tokens.demo)))).to.deep.equal(['1', '2', '3', '4', priv]);
      expect((await t.request.get(`${api}/flavors/${priv}`).set(as(t.tokens.demo))).status).to.equal(200);
      expect(ids(await t.request.get(`${api}/flavors`).set(as(t.tokens.alt)))).to.deep.equal(['1', '2', '3', '4']);
      expect((await t.request.get(`${api}/flavors/${priv}`).set(as(t.tokens.alt))).status).to.equal(404);

      const dup = await access(priv, { addTenantAccess: { tenant: t.projects.demo } });
      expect(dup.status).to.equal(409);
      expect(dup.body.conflictingRequest.message).to.equal(`Flavor access already exists for flavor ${priv} and project ${t.projects.demo} combination.`);

      const remove = await access(priv, { removeTenantAccess: { tenant: t.projects.demo } });
      expect(remove.status).to.equal(200);
      expect(remove.body).to.deep.equal({ flavor_access: [] });
      expect((await t.request.get(`${api}/flavors/${priv}`).set(as(t.tokens.demo))).status).to.equal(404);
      const again = await access(priv, { removeTenantAccess: { tenant: t.projects.demo } });
      expect(again.status).to.equal(404);
      expect(again.body.itemNotFound.message).to.equal(`Flavor access not found for ${priv} / ${t.projects.demo} combination.`);
    });

    it('answers Nova\'s errors for flavor access', async () => {
      const pub = await accessList('1');
      expect(pub.status).to.equal(404);
      expect(pub.body.itemNotFound.message).to.equal('Access list not available for public flavors.');
      expect((await accessList('nope')).status).to.equal(404);
      expect((await accessList(priv, t.tokens.demo)).status).to.equal(403);
      expect((await access(priv, { addTenantAccess: { tenant: t.projects.demo } }, t.tokens.demo)).status).to.equal(403);
      expect((await access(priv, { removeTenantAccess: { tenant: t.projects.demo } }, t.tokens.demo)).status).to.equal(403);
      expect((await access('nope', { addTenantAccess: { tenant: t.projects.demo } })).status).to.equal(404);
      expect((await access(priv, { addTenantAccess: {} })).status).to.equal(400);
      expect((await access(priv, { addTenantAccess: { tenant: 'p', extra: 1 } })).status).to.equal(400);
      expect((await access(priv, { somethingElse: { tenant: 'p' } })).status).to.equal(400);
    });

    it('refuses to boot with a private flavor the project cannot see (400), and boots once access is granted', async () => {
      const image = await insertImage(t.db, t.projects.admin);
      const boot = () => t.request.post(`${api}/servers`).set(as(t.tokens.demo)).send({ server: { name: 'vm', imageRef: image, flavorRef: priv } });
      const refused = await boot();
      expect(refused.status).to.equal(400);
      expect(refused.body.badRequest.message).to.equal(`Flavor ${priv} could not be found.`);
      expect((await access(priv, { addTenantAccess: { tenant: t.projects.demo } })).status).to.equal(200);
      const ok = await boot();
      expect(ok.status, ok.text).to.equal(202);
      await t.services.tasks.idle();
    });
  });
});
