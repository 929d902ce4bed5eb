import { expect } from 'chai';
import { API, as, useComputeApp } from '../helpers/compute-app';

/** os-aggregates (Nova's aggregates.py) and the availability zone they give their hosts. */
describe('compute API: os-aggregates', () => {
  const c = useComputeApp();
  let host: string;
  before(() => { host = c.t.config.computeHost; });

  const req = (method: 'get' | 'post' | 'put' | 'delete', path: string, token?: string, version = '2.1') =>
    c.t.request[method](`${API}${path}`).set(as(token ?? c.t.tokens.admin)).set('X-OpenStack-Nova-API-Version', version);
  const create = (aggregate: object, version?: string) => req('post', '/os-aggregates', undefined, version).send({ aggregate });
  const action = (id: number | string, body: object, token?: string, version?: string) => req('post', `/os-aggregates/${id}/action`, token, version).send(body);
  let n = 0;
  const uniq = (p = 'agg') => `${p}-${++n}-${Date.now()}`;

  /** every test leaves the host out of every aggregate and deletes what it made */
  afterEach(async () => {
    const all = (await req('get', '/os-aggregates')).body.aggregates as { id: number; hosts: string[] }[];
    for (const a of all) {
      for (const h of a.hosts) await action(a.id, { remove_host: { host: h } });
      await req('delete', `/os-aggregates/${a.id}`);
    }
  });

  describe('CRUD', () => {
    it('creates an aggregate (200, no hosts or metadata in the reply) and lists and shows it', async () => {
      const name = uniq();
      const res = await create({ name });
      expect(res.status, res.text).to.equal(200);
      const a = res.body.aggregate;
      expect(a).to.include({ name, availability_zone: null, deleted: false, deleted_at: null, updated_at: null });
      expect(a).to.not.have.any.keys('hosts', 'metadata', 'uuid');
      expect(a.created_at).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
      const shown = await req('get', `/os-aggregates/${a.id}`);
      expect(shown.status).to.equal(200);
      expect(shown.body.aggregate).to.deep.include({ id: a.id, name, hosts: [], metadata: {}, availability_zone: null });
      const list = await req('get', '/os-aggregates');
      expect(list.body.aggregates.map((x: { id: number }) => x.id)).to.include(a.id);
    });

    it('keeps the availability zone as metadata key availability_zone', async () => {
      const res = await create({ name: uniq(), availability_zone: 'zone-a' });
      expect(res.body.aggregate.availability_zone).to.equal('zone-a');
      const shown = await req('get', `/os-aggregates/${res.body.aggregate.id}`);
      expect(shown.body.aggregate.metadata).to.deep.equal({ availability_zone: 'zone-a' });
    });

    it('refuses a taken name with 409 and bad names with 400', async () => {
      const name = uniq();
      await create({ name });
      const dup = await create({ name });
      expect(dup.status).to.equal(409);
      expect(dup.body.conflictingRequest.message).to.equal(`Aggregate ${name} already exists.`);
      expect((await create({ name: '' })).status).to.equal(400);
      expect((await create({ name: 'a'.repeat(256) })).status).to.equal(400);
      expect((await create({ name: uniq(), availability_zone: 'a:b' })).status).to.equal(400);
      expect((await create({ name: uniq(), extra: 1 })).status).to.equal(400);
    });

    it('updates name and zone (updated_at set), 409 on a taken name, 400 on an empty body', async () => {
      const a = (await create({ name: uniq(), availability_zone: 'zone-a' })).body.aggregate;
      const other = (await create({ name: uniq() })).body.aggregate;
      const res = await req('put', `/os-aggregates/${a.id}`).send({ aggregate: { name: `${a.name}_new`, availability_zone: 'zone-b' } });
      expect(res.status, res.text).to.equal(200);
      expect(res.body.aggregate).to.include({ name: `${a.name}_new`, availability_zone: 'zone-b' });
      expect(res.body.aggregate.updated_at).to.be.a('string');
      const taken = await req('put', `/os-aggregates/${a.id}`).send({ aggregate: { name: other.name } });
      expect(taken.status).to.equal(409);
      expect((await req('put', `/os-aggregates/${a.id}`).send({ aggregate: {} })).status).to.equal(400);
      const empty = await req('put', `/os-aggregates/${a.id}`).send({ aggregate: { availability_zone: null } });
      expect(empty.status).to.equal(400);
      expect(empty.body.badRequest.message).to.equal(`Cannot update aggregate ${a.id}. Reason: Aggregate ${a.name}_new does not support empty named availability zone.`);
    });

    it('answers 404 for an unknown id and 400 for a non-integer one', async () => {
      for (const [method, path] of [['get', '/os-aggregates/-1'], ['delete', '/os-aggregates/-1'], ['get', '/os-aggregates/99999999999']] as const) {
        const res = await req(method, path);
        expect(res.status, `${method} ${path}`).to.equal(404);
      }
      expect((await req('get', '/os-aggregates/-1')).body.itemNotFound.message).to.equal('Aggregate -1 could not be found.');
      const bad = await req('get', '/os-aggregates/abc');
      expect(bad.status).to.equal(400);
      expect(bad.body.badRequest.message).to.equal('Invalid input received: id must be an integer');
      expect((await req('put', '/os-aggregates/99').send({ aggregate: { name: 'x' } })).status).to.equal(404);
    });

    it('deletes an empty aggregate (200) and refuses one with hosts (400)', async () => {
      const a = (await create({ name: uniq() })).body.aggregate;
      await action(a.id, { add_host: { host } });
      const refused = await req('delete', `/os-aggregates/${a.id}`);
      expect(refused.status).to.equal(400);
      expect(refused.body.badRequest.message).to.equal(`Cannot remove host from aggregate ${a.id}. Reason: Host aggregate is not empty.`);
      await action(a.id, { remove_host: { host } });
      const ok = await req('delete', `/os-aggregates/${a.id}`);
      expect(ok.status).to.equal(200);
      expect((await req('get', `/os-aggregates/${a.id}`)).status).to.equal(404);
    });

    it('is admin only: members and readers get 403', async () => {
      const a = (await create({ name: uniq() })).body.aggregate;
      for (const token of [c.t.tokens.demo, c.t.tokens.reader]) {
        expect((await req('get', '/os-aggregates', token)).status).to.equal(403);
        expect((await req('get', `/os-aggregates/${a.id}`, token)).status).to.equal(403);
        expect((await req('post', '/os-aggregates', token).send({ aggregate: { name: uniq() } })).status).to.equal(403);
        expect((await req('delete', `/os-aggregates/${a.id}`, token)).status).to.equal(403);
      }
      const denied = await action(a.id, { add_host: { host } }, c.t.tokens.demo);
      expect(denied.status).to.equal(403);
      expect(denied.body.forbidden.message).to.contain('os_compute_api:os-aggregates:add_host');
    });
  });

  describe('actions', () => {
    it('adds and removes a compute host; 409 when it is already there', async () => {
      const a = (await create({ name: uniq() })).body.aggregate;
      const added = await action(a.id, { add_host: { host } });
      expect(added.status, added.text).to.equal(200);
      expect(added.body.aggregate.hosts).to.deep.equal([host]);
      const again = await action(a.id, { add_host: { host } });
      expect(again.status).to.equal(409);
      expect(again.body.conflictingRequest.message).to.equal(`Aggregate ${a.id} already has host ${host}.`);
      const removed = await action(a.id, { remove_host: { host } });
      expect(removed.status).to.equal(200);
      expect(removed.body.aggregate.hosts).to.deep.equal([]);
    });

    it('answers 404 for hosts novashim does not have, and for removing a host that is not in it', async () => {
      const a = (await create({ name: uniq() })).body.aggregate;
      const unknown = await action(a.id, { add_host: { host: 'nonexist_host' } });
      expect(unknown.status).to.equal(404);
      expect(unknown.body.itemNotFound.message).to.equal('Compute host nonexist_host could not be found.');
      const notIn = await action(a.id, { remove_host: { host } });
      expect(notIn.status).to.equal(404);
      expect(notIn.body.itemNotFound.message).to.equal(`Cannot remove host ${host} in aggregate ${a.id}`);
      expect((await action(a.id, { remove_host: { host: 'nonexist_host' } })).status).to.equal(404);
      expect((await action(-1, { add_host: { host } })).status).to.equal(404);
    });

    it('refuses unknown actions and bad bodies with 400', async () => {
      const a = (await create({ name: uniq() })).body.aggregate;
      expect((await action(a.id, { frobnicate: {} })).status).to.equal(400);
      expect((await action(a.id, { add_host: { host } , remove_host: { host } })).status).to.equal(400);
      expect((await action(a.id, { add_host: { host: 'bad host!' } })).status).to.equal(400);
      expect((await action(a.id, { set_metadata: { metadata: { 'bad/key': 'x' } } })).status).to.equal(400);
    });

    it('set_metadata sets keys and removes those set to null', async () => {
      const a = (await create({ name: uniq() })).body.aggregate;
      const set = await action(a.id, { set_metadata: { metadata: { key: 'value', other: 'x' } } });
      expect(set.status, set.text).to.equal(200);
      expect(set.body.aggregate.metadata).to.deep.equal({ key: 'value', other: 'x' });
      const unset = await action(a.id, { set_metadata: { metadata: { other: null, missing: null } } });
      expect(unset.body.aggregate.metadata).to.deep.equal({ key: 'value' });
      expect((await req('get', `/os-aggregates/${a.id}`)).body.aggregate.metadata).to.deep.equal({ key: 'value' });
    });
  });

  describe('availability zones', () => {
    it('a host is in one zone only: adding it to an aggregate of another zone is 409, changing the zone of its aggregate to one another aggregate of it has is 400', async () => {
      const a = (await create({ name: uniq(), availability_zone: 'zone-a' })).body.aggregate;
      const b = (await create({ name: uniq(), availability_zone: 'zone-b' })).body.aggregate;
      const plain = (await create({ name: uniq() })).body.aggregate;
      await action(a.id, { add_host: { host } });
      const conflict = await action(b.id, { add_host: { host } });
      expect(conflict.status).to.equal(409);
      expect(conflict.body.conflictingRequest.message).to.equal(
        `Cannot add host to aggregate ${b.id}. Reason: One or more hosts already in availability zone(s) ['zone-a'].`,
      );
      expect((await action(plain.id, { add_host: { host } })).status, 'an aggregate without a zone takes it').to.equal(200);
      const meta = await action(plain.id, { set_metadata: { metadata: { availability_zone: 'zone-c' } } });
      expect(meta.status).to.equal(400);
      expect(meta.body.badRequest.message).to.equal(
        `Cannot update metadata of aggregate ${plain.id}. Reason: One or more hosts already in availability zone(s) ['zone-a'].`,
      );
      expect((await action(plain.id, { set_metadata: { metadata: { availability_zone: 'zone-a' } } })).status, 'the same zone is fine').to.equal(200);
    });

    it("os-services, os-availability-zone and new servers follow the host's zone", async () => {
      const a = (await create({ name: uniq(), availability_zone: 'zone-a' })).body.aggregate;
      await action(a.id, { add_host: { host } });
      const services = await req('get', '/os-services?binary=nova-compute');
      expect(services.body.services[0].zone).to.equal('zone-a');
      const zones = await req('get', '/os-availability-zone', c.t.tokens.demo);
      expect(zones.body.availabilityZoneInfo).to.deep.equal([{ zoneName: 'zone-a', zoneState: { available: true }, hosts: null }]);
      const detail = await req('get', '/os-availability-zone/detail');
      const names = detail.body.availabilityZoneInfo.map((z: { zoneName: string }) => z.zoneName);
      expect(names).to.deep.equal(['internal', 'zone-a']);
      expect(detail.body.availabilityZoneInfo[1].hosts[host]['nova-compute']).to.include({ available: true, active: true });

      const boot = await req('post', '/servers', c.t.tokens.demo).send({ server: { name: 'in-a', imageRef: c.image, flavorRef: '1', availability_zone: 'zone-a' } });
      expect(boot.status, boot.text).to.equal(202);
      await c.t.services.tasks.idle();
      const shown = await req('get', `/servers/${boot.body.server.id}`, c.t.tokens.demo);
      expect(shown.body.server['OS-EXT-AZ:availability_zone']).to.equal('zone-a');
      const nova = await req('post', '/servers', c.t.tokens.demo).send({ server: { name: 'x', imageRef: c.image, flavorRef: '1', availability_zone: 'nova' } });
      expect(nova.status, 'nova is no zone of any host now').to.equal(400);
      expect(nova.body.badRequest.message).to.equal('The requested availability zone is not available');

      // a zone with servers on its hosts cannot be renamed; the host may still leave it (Nova allows remove_host)
      const rename = await req('put', `/os-aggregates/${a.id}`).send({ aggregate: { availability_zone: 'zone-z' } });
      expect(rename.status).to.equal(400);
      expect(rename.body.badRequest.message).to.equal(`Cannot update aggregate ${a.id}. Reason: One or more hosts contain instances in this zone.`);

      await action(a.id, { remove_host: { host } });
      const after = await req('get', `/servers/${boot.body.server.id}`, c.t.tokens.demo);
      expect(after.body.server['OS-EXT-AZ:availability_zone'], "back in the default zone with its host").to.equal('nova');
      await req('delete', `/servers/${boot.body.server.id}`, c.t.tokens.demo);
      await c.t.services.tasks.idle();
    });

    it('a create naming an unknown zone is 400; the default zone works without aggregates', async () => {
      const bad = await req('post', '/servers', c.t.tokens.demo).send({ server: { name: 'x', imageRef: c.image, flavorRef: '1', availability_zone: 'nowhere' } });
      expect(bad.status).to.equal(400);
      expect(bad.body.badRequest.message).to.equal('The requested availability zone is not available');
      const zones = await req('get', '/os-availability-zone', c.t.tokens.demo);
      expect(zones.body.availabilityZoneInfo).to.deep.equal([{ zoneName: 'nova', zoneState: { available: true }, hosts: null }]);
      const ok = await req('post', '/servers', c.t.tokens.demo).send({ server: { name: 'x', imageRef: c.image, flavorRef: '1', availability_zone: 'nova' } });
      expect(ok.status, ok.text).to.equal(202);
      await c.t.services.tasks.idle();
      const shown = await req('get', `/servers/${ok.body.server.id}`, c.t.tokens.demo);
      expect(shown.body.server['OS-EXT-AZ:availability_zone']).to.equal('nova');
      await req('delete', `/servers/${ok.body.server.id}`, c.t.tokens.demo);
      await c.t.services.tasks.idle();
    });

    it('zone:host forces a host for admins only (403 for members)', async () => {
      const member = await req('post', '/servers', c.t.tokens.demo).send({ server: { name: 'x', imageRef: c.image, flavorRef: '1', availability_zone: `nova:${host}` } });
      expect(member.status).to.equal(403);
      const admin = await req('post', '/servers').send({ server: { name: 'x', imageRef: c.image, flavorRef: '1', availability_zone: `nova:${host}` } });
      expect(admin.status, admin.text).to.equal(202);
      await c.t.services.tasks.idle();
      const shown = await req('get', `/servers/${admin.body.server.id}`);
      expect(shown.body.server['OS-EXT-SRV-ATTR:host']).to.equal(host);
      await req('delete', `/servers/${admin.body.server.id}`);
      await c.t.services.tasks.idle();
    });
  });

  describe('microversion 2.41', () => {
    it('adds the uuid to every aggregate reply from microversion 2.41, not before', async () => {
      const created = await create({ name: uniq() }, '2.41');
      expect(created.status, created.text).to.equal(200);
      const { id, uuid } = created.body.aggregate;
      expect(uuid).to.match(/^[0-9a-f-]{36}$/);
      expect((await req('get', `/os-aggregates/${id}`, undefined, '2.41')).body.aggregate.uuid).to.equal(uuid);
      expect((await req('get', '/os-aggregates', undefined, '2.41')).body.aggregates[0].uuid).to.equal(uuid);
      expect((await req('put', `/os-aggregates/${id}`, undefined, '2.41').send({ aggregate: { name: uniq() } })).body.aggregate.uuid).to.equal(uuid);
      expect((await action(id, { add_host: { host } }, undefined, '2.41')).body.aggregate.uuid).to.equal(uuid);
      expect((await action(id, { remove_host: { host } }, undefined, '2.41')).body.aggregate.uuid).to.equal(uuid);
      expect((await req('get', `/os-aggregates/${id}`, undefined, '2.40')).body.aggregate).to.not.have.property('uuid');
    });
  });
});
