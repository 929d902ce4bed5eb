import { expect } from 'chai';
import { makeTestApp, TestApp } from '../helpers/app';
import { insertImage } from '../helpers/images';
import { FakeDriver } from '../../src/drivers/fake/driver';
import { DEFAULT_NETWORK } from '../../src/compute/request-checks';

describe('compute API: servers', () => {
  let t: TestApp;
  let image: string;
  const api = '/compute/v2.1';
  const as = (token: string) => ({ 'x-auth-token': token });

  before(async () => {
    t = await makeTestApp();
    image = await insertImage(t.db, t.projects.admin);
  });
  after(async () => { await t.close(); });

  async function boot(token: string, server: Record<string, unknown> = {}) {
    const res = await t.request.post(`${api}/servers`).set(as(token)).send({ server: { name: 'vm', imageRef: image, flavorRef: '1', ...server } });
    expect(res.status, res.text).to.equal(202);
    await t.services.tasks.idle();
    return res.body.server.id as string;
  }

  const show = (id: string, token = t.tokens.demo) => t.request.get(`${api}/servers/${id}`).set(as(token));
  const act = (id: string, body: object, token = t.tokens.demo) => t.request.post(`${api}/servers/${id}/action`).set(as(token)).send(body);

  it('creates a server that goes BUILD → ACTIVE with task_state null and a running container', async () => {
    const res = await t.request.post(`${api}/servers`).set(as(t.tokens.demo)).send({ server: { name: 'web 1', imageRef: image, flavorRef: '1', metadata: { role: 'web' } } });
    expect(res.status).to.equal(202);
    expect(res.body.server.adminPass).to.be.a('string');
    expect(res.headers.location).to.match(new RegExp(`/servers/${res.body.server.id}$`));
    const early = await show(res.body.server.id);
    expect(['BUILD', 'ACTIVE']).to.include(early.body.server.status);
    await t.services.tasks.idle();
    const s = (await show(res.body.server.id)).body.server;
    expect(s.status).to.equal('ACTIVE');
    expect(s['OS-EXT-STS:task_state']).to.equal(null);
    expect(s['OS-EXT-STS:power_state']).to.equal(1);
    expect(s.metadata).to.deep.equal({ role: 'web' });
    expect(s.addresses.private[0].addr).to.match(/^\d+\.\d+\.\d+\.\d+$/);
    const fake = (t.driver as FakeDriver).peek(s.id)!;
    expect(fake.hostname).to.equal('web-1');
    expect(fake.flavor.memoryMb).to.equal(512);
  });

  it('stops, starts and reboots with Nova states, and answers 409 in the wrong state', async () => {
    const id = await boot(t.tokens.demo);
    expect((await act(id, { 'os-start': null })).status).to.equal(409);
    expect((await act(id, { 'os-stop': null })).status).to.equal(202);
    await t.services.tasks.idle();
    expect((await show(id)).body.server.status).to.equal('SHUTOFF');
    expect((await show(id)).body.server['OS-EXT-STS:power_state']).to.equal(4);
    const conflict = await act(id, { 'os-stop': null });
    expect(conflict.status).to.equal(409);
    expect(conflict.body.conflictingRequest.message).to.equal(`Cannot 'stop' instance ${id} while it is in vm_state stopped`);
    expect((await act(id, { reboot: { type: 'SOFT' } })).status).to.equal(409);
    expect((await act(id, { 'os-start': null })).status).to.equal(202);
    await t.services.tasks.idle();
    expect((await show(id)).body.server.status).to.equal('ACTIVE');
    for (const type of ['SOFT', 'hard']) {
      expect((await act(id, { reboot: { type } })).status).to.equal(202);
      await t.services.tasks.idle();
      const s = (await show(id)).body.server;
      expect([s.status, s['OS-EXT-STS:task_state']]).to.deep.equal(['ACTIVE', null]);
    }
  });

  it('lets only one of two concurrent stops win', async () => {
    const id = await boot(t.tokens.demo);
    const [a, b] = await Promise.all([act(id, { 'os-stop': null }), act(id, { 'os-stop': null })]);
    expect([a.status, b.status].sort()).to.deep.equal([202, 409]);
    await t.services.tasks.idle();
  });

  it('deletes: the server answers 404 afterwards and the container is gone', async () => {
    const id = await boot(t.tokens.demo);
    const del = await t.request.delete(`${api}/servers/${id}`).set(as(t.tokens.demo));
    expect(del.status).to.equal(204);
    await t.services.tasks.idle();
    const gone = await show(id);
    expect(gone.status).to.equal(404);
    expect(gone.body.itemNotFound.message).to.equal(`Instance ${id} could not be found.`);
    expect((t.driver as FakeDriver).peek(id)).to.equal(undefined);
    expect((await t.request.delete(`${api}/servers/${id}`).set(as(t.tokens.demo))).status).to.equal(404);
  });

  it('updates name and access IPs, answering without extension attributes as Nova does', async () => {
    const id = await boot(t.tokens.demo);
    const res = await t.request.put(`${api}/servers/${id}`).set(as(t.tokens.demo))
      .send({ server: { name: 'renamed', accessIPv4: '10.1.2.3', accessIPv6: '0000:0000:0000:0000:0000:babe:220.12.22.2' } });
    expect(res.status).to.equal(200);
    expect(res.body.server.name).to.equal('renamed');
    expect(res.body.server.accessIPv4).to.equal('10.1.2.3');
    expect(res.body.server.accessIPv6).to.equal('::babe:dc0c:1602');
    expect(res.body.server).not.to.have.any.keys('OS-EXT-STS:vm_state', 'key_name', 'security_groups', 'config_drive');
    expect(res.body.server.addresses.private[0]).to.have.keys('version', 'addr');
  });

  it('keeps a given adminPass, accepts the default network by id and answers actions with an empty body', async () => {
    const res = await t.request.post(`${api}/servers`).set(as(t.tokens.demo)).send({ server: {
      name: 'pw', imageRef: image, flavorRef: '1', adminPass: 'testpassword',
      networks: [{ uuid: DEFAULT_NETWORK.id }], security_groups: [{ name: 'default' }],
    } });
    expect(res.status, res.text).to.equal(202);
    expect(res.body.server.adminPass).to.equal('testpassword');
    await t.services.tasks.idle();
    const stop = await act(res.body.server.id, { 'os-stop': {} });
    expect(stop.status).to.equal(202);
    expect(stop.text).to.equal('');
  });

  it('refuses more metadata items than the quota allows with 403', async () => {
    const metadata = Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`k${i}`, 'v']));
    const res = await t.request.post(`${api}/servers`).set(as(t.tokens.demo)).send({ server: { name: 'meta', imageRef: image, flavorRef: '1', metadata } });
    expect(res.status).to.equal(403);
    expect(res.body.forbidden.message).to.match(/metadata items exceeds 128/);
  });

  it('shows addresses under /ips and /ips/{network}', async () => {
    const id = await boot(t.tokens.demo);
    const all = await t.request.get(`${api}/servers/${id}/ips`).set(as(t.tokens.demo));
    expect(Object.keys(all.body.addresses)).to.deep.equal(['private']);
    const one = await t.request.get(`${api}/servers/${id}/ips/private`).set(as(t.tokens.demo));
    expect(one.body.private[0].version).to.equal(4);
    expect((await t.request.get(`${api}/servers/${id}/ips/nope`).set(as(t.tokens.demo))).status).to.equal(404);
  });

  it('boots several servers with min_count/max_count and a reservation id', async () => {
    const res = await t.request.post(`${api}/servers`).set(as(t.tokens.alt))
      .send({ server: { name: 'multi', imageRef: image, flavorRef: '1', min_count: 2, max_count: 3, return_reservation_id: true } });
    expect(res.status).to.equal(202);
    expect(res.body.reservation_id).to.match(/^r-/);
    await t.services.tasks.idle();
    const list = await t.request.get(`${api}/servers?reservation_id=${res.body.reservation_id}`).set(as(t.tokens.alt));
    expect(list.body.servers.map((s: { name: string }) => s.name).sort()).to.deep.equal(['multi-1', 'multi-2', 'multi-3']);
  });

  describe('listing', () => {
    let mine: string[];
    before(async () => {
      mine = [await boot(t.tokens.alt, { name: 'alpha' }), await boot(t.tokens.alt, { name: 'beta' }), await boot(t.tokens.alt, { name: 'alphabet' })];
    });

    it('filters by name regex, status, image and flavor', async () => {
      const names = async (q: string) => (await t.request.get(`${api}/servers/detail?${q}`).set(as(t.tokens.alt))).body.servers.map((s: { name: string }) => s.name).sort();
      expect(await names('name=^alpha')).to.deep.equal(['alpha', 'alphabet']);
      expect(await names('name=beta&status=ACTIVE')).to.deep.equal(['beta']);
      expect(await names('status=SHUTOFF')).to.deep.equal([]);
      expect(await names('status=NOT_A_STATUS')).to.deep.equal([]);
      expect(await names(`image=${image}&name=^alpha$`)).to.deep.equal(['alpha']);
      expect(await names('flavor=2')).to.deep.equal([]);
    });

    it('pages with limit and marker and gives a next link only for a full page', async () => {
      const first = await t.request.get(`${api}/servers?limit=2`).set(as(t.tokens.alt));
      expect(first.body.servers).to.have.length(2);
      const next = first.body.servers_links[0].href as string;
      expect(next).to.contain(`marker=${first.body.servers[1].id}`);
      const rest = await t.request.get(`${api}/servers?limit=2&marker=${first.body.servers[1].id}`).set(as(t.tokens.alt));
      const seen = [...first.body.servers, ...rest.body.servers].map((s: { id: string }) => s.id);
      expect(new Set(seen).size).to.equal(seen.length);
      for (const id of mine) expect(seen.concat((await t.request.get(`${api}/servers?limit=1000`).set(as(t.tokens.alt))).body.servers.map((s: { id: string }) => s.id))).to.include(id);
      expect((await t.request.get(`${api}/servers?marker=00000000-0000-4000-8000-000000000000`).set(as(t.tokens.alt))).status).to.equal(400);
      expect((await t.request.get(`${api}/servers?limit=-1`).set(as(t.tokens.alt))).status).to.equal(400);
      expect((await t.request.get(`${api}/servers?limit=abc`).set(as(t.tokens.alt))).status).to.equal(400);
    });

    it('shows deleted servers with changes-since', async () => {
      const id = await boot(t.tokens.alt, { name: 'short-lived' });
      const since = new Date(Date.now() - 60_000).toISOString();
      await t.request.delete(`${api}/servers/${id}`).set(as(t.tokens.alt));
      await t.services.tasks.idle();
      const res = await t.request.get(`${api}/servers/detail?changes-since=${since}`).set(as(t.tokens.alt));
      expect(res.body.servers.find((s: { id: string }) => s.id === id).status).to.equal('DELETED');
      expect((await t.request.get(`${api}/servers?changes-since=yesterday`).set(as(t.tokens.alt))).status).to.equal(400);
    });
  });

  describe('tenant isolation and auth', () => {
    it('hides another project\'s server (404) from show, update, delete and actions', async () => {
      const id = await boot(t.tokens.admin);
      expect((await show(id, t.tokens.demo)).status).to.equal(404);
      expect((await t.request.put(`${api}/servers/${id}`).set(as(t.tokens.demo)).send({ server: { name: 'x' } })).status).to.equal(404);
      expect((await t.request.delete(`${api}/servers/${id}`).set(as(t.tokens.demo))).status).to.equal(404);
      expect((await act(id, { 'os-stop': null }, t.tokens.demo)).status).to.equal(404);
      const list = await t.request.get(`${api}/servers/detail`).set(as(t.tokens.demo));
      expect(list.body.servers.map((s: { id: string }) => s.id)).to.not.include(id);
      expect((await show(id, t.tokens.admin)).body.server.status).to.equal('ACTIVE');
    });

    it('lets only admins list all tenants, and shows them host attributes', async () => {
      expect((await t.request.get(`${api}/servers?all_tenants=1`).set(as(t.tokens.demo))).status).to.equal(403);
      const all = await t.request.get(`${api}/servers/detail?all_tenants=1`).set(as(t.tokens.admin));
      const tenants = new Set(all.body.servers.map((s: { tenant_id: string }) => s.tenant_id));
      expect(tenants.size).to.be.greaterThan(1);
      expect(all.body.servers[0]).to.have.property('OS-EXT-SRV-ATTR:host');
      const own = await t.request.get(`${api}/servers/detail`).set(as(t.tokens.demo));
      expect(own.body.servers[0]).to.not.have.property('OS-EXT-SRV-ATTR:host');
    });

    it('lets a project reader read but not act (403)', async () => {
      const id = await boot(t.tokens.demo);
      expect((await show(id, t.tokens.reader)).status).to.equal(200);
      const denied = await act(id, { 'os-stop': null }, t.tokens.reader);
      expect(denied.status).to.equal(403);
      expect(denied.body.forbidden.code).to.equal(403);
      expect((await t.request.post(`${api}/servers`).set(as(t.tokens.reader)).send({ server: { name: 'r', imageRef: image, flavorRef: '1' } })).status).to.equal(403);
      expect((await t.request.delete(`${api}/servers/${id}`).set(as(t.tokens.reader))).status).to.equal(403);
      expect((await show(id)).body.server.status).to.equal('ACTIVE');
    });

    it('answers 401 in Keystone\'s format without a valid token', async () => {
      for (const headers of [{}, { 'x-auth-token': 'forged' }]) {
        const res = await t.request.get(`${api}/servers`).set(headers);
        expect(res.status).to.equal(401);
        expect(res.body.error.code).to.equal(401);
        expect(res.headers['www-authenticate']).to.contain('Keystone uri=');
      }
    });
  });

  describe('bad input', () => {
    const create = (server: unknown, token = t.tokens.demo) => t.request.post(`${api}/servers`).set(as(token)).send(server === undefined ? undefined : { server });

    it('rejects invalid bodies with badRequest and leaves no rows or containers', async () => {
      const before = (await t.db('instances').count({ n: '*' }))[0].n;
      const containers = (await t.driver.listInstances()).length;
      const cases: [unknown, RegExp][] = [
        [{ imageRef: image, flavorRef: '1' }, /'name' is a required property/],
        [{ name: 'x'.repeat(256), imageRef: image, flavorRef: '1' }, /name/],
        [{ name: 'ok', imageRef: image, flavorRef: '1', bogus: 1 }, /Additional properties are not allowed \('bogus' was unexpected\)/],
        [{ name: 'ok', imageRef: 'not-a-uuid', flavorRef: '1' }, /imageRef/],
        [{ name: 'ok', imageRef: image, flavorRef: '999' }, /Flavor 999 could not be found/],
        [{ name: 'ok', imageRef: '00000000-0000-4000-8000-000000000000', flavorRef: '1' }, /Can not find requested image/],
        [{ name: 'ok', imageRef: image, flavorRef: '1', key_name: 'missing' }, /Invalid key_name provided/],
        [{ name: 'ok', imageRef: image, flavorRef: '1', availability_zone: 'elsewhere' }, /availability zone/],
        [{ name: 'ok', imageRef: image, flavorRef: '1', metadata: { k: 1 } }, /Invalid input/],
        [{ name: 'ok', imageRef: image, flavorRef: '1', min_count: 3, max_count: 2 }, /min_count/],
        [{ name: 'ok', imageRef: image, flavorRef: '1', user_data: 'not base64!' }, /user_data|Userdata/],
        [{ name: 'ok', imageRef: image, flavorRef: '1', accessIPv4: '1.2.3' }, /accessIPv4/],
        [{ name: 'ok', imageRef: image, flavorRef: '1', networks: [{ uuid: 'a-b-c-d-e-f-g-h-i-j' }] }, /network uuid is not in proper format/],
        [{ name: 'ok', imageRef: image, flavorRef: '1', networks: [{ uuid: '00000000-0000-4000-8000-000000000000' }] }, /Network 00000000-0000-4000-8000-000000000000 could not be found/],
        [{ name: 'ok', imageRef: image, flavorRef: '1', networks: [{ port: '00000000-0000-4000-8000-000000000000' }] }, /port/],
        [{ name: 'ok', imageRef: image, flavorRef: '1', security_groups: [{ name: 'does_not_exist' }] }, /Security group does_not_exist not found/],
      ];
      for (const [server, message] of cases) {
        const res = await create(server);
        expect(res.status, JSON.stringify(server)).to.equal(400);
        expect(res.body.badRequest.code).to.equal(400);
        expect(res.body.badRequest.message).to.match(message);
      }
      expect((await t.db('instances').count({ n: '*' }))[0].n).to.equal(before);
      expect((await t.driver.listInstances()).length).to.equal(containers);
    });

    it('rejects malformed JSON, oversized bodies, unknown actions and wrong methods', async () => {
      const malformed = await t.request.post(`${api}/servers`).set(as(t.tokens.demo)).set('content-type', 'application/json').send('{"server": ');
      expect(malformed.status).to.equal(400);
      expect(malformed.body.badRequest.message).to.equal('Malformed request body');
      const huge = await create({ name: 'x', imageRef: image, flavorRef: '1', user_data: 'A'.repeat(200_000) });
      expect(huge.status).to.equal(413);
      expect(huge.body.overLimit.code).to.equal(413);
      const id = await boot(t.tokens.demo);
      const unknown = await act(id, { 'os-fly': null });
      expect(unknown.status).to.equal(400);
      expect(unknown.body.badRequest.message).to.contain('There is no such action');
      expect((await act(id, { reboot: { type: 'GENTLE' } })).status).to.equal(400);
      const wrong = await t.request.patch(`${api}/servers/${id}`).set(as(t.tokens.demo)).send({});
      expect(wrong.status).to.equal(405);
      expect(wrong.body.badMethod.code).to.equal(405);
      const nowhere = await t.request.get(`${api}/no-such-thing`).set(as(t.tokens.demo));
      expect(nowhere.status).to.equal(404);
      expect(nowhere.body.itemNotFound).to.be.an('object');
    });

    it('rejects an image whose minimum RAM or disk exceeds the flavor', async () => {
      const big = await insertImage(t.db, t.projects.admin, { min_ram: 4096 });
      const res = await create({ name: 'x', imageRef: big, flavorRef: '1' });
      expect(res.status).to.equal(400);
      expect(res.body.badRequest.message).to.equal("Flavor's memory is too small for requested image.");
    });
  });

  it('puts a server whose spawn fails into ERROR with a fault, leaving no container', async () => {
    class FailingDriver extends FakeDriver {
      override async spawn(): Promise<never> { throw new Error('engine said no'); }
    }
    const failing = await makeTestApp({ driver: new FailingDriver() });
    try {
      const img = await insertImage(failing.db, failing.projects.admin);
      const res = await failing.request.post(`${api}/servers`).set(as(failing.tokens.demo)).send({ server: { name: 'doomed', imageRef: img, flavorRef: '1' } });
      await failing.services.tasks.idle();
      const s = (await failing.request.get(`${api}/servers/${res.body.server.id}`).set(as(failing.tokens.demo))).body.server;
      expect(s.status).to.equal('ERROR');
      expect(s.fault.message).to.equal('engine said no');
      expect(s.fault.code).to.equal(500);
      expect(s).to.not.have.property('progress');
      expect(await failing.driver.listInstances()).to.deep.equal([]);
    } finally {
      await failing.close();
    }
  });
});
