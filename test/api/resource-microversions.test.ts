import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import { API, as, useComputeApp } from '../helpers/compute-app';
import { HostServices } from '../../src/compute/host-services';
import { ComputeServiceStore } from '../../src/db/stores/compute-services';

/** Microversion deltas of the non-server resources: keypairs, services, hypervisors, server groups, flavors, instance actions. */
describe('compute API: microversion deltas of keypairs, services, hypervisors, server groups, flavors, instance actions', () => {
  const app = useComputeApp();
  const v = (version: string) => ({ 'OpenStack-API-Version': `compute ${version}` });
  const get = (path: string, token: string, version = '2.1') => app.t.request.get(`${API}${path}`).set(as(token)).set(v(version));
  const post = (path: string, body: object, token: string, version = '2.1') =>
    app.t.request.post(`${API}${path}`).set(as(token)).set(v(version)).send(body);
  const put = (path: string, body: object, token: string, version = '2.1') =>
    app.t.request.put(`${API}${path}`).set(as(token)).set(v(version)).send(body);
  const del = (path: string, token: string, version = '2.1') => app.t.request.delete(`${API}${path}`).set(as(token)).set(v(version));
  const admin = () => app.t.tokens.admin;
  const demo = () => app.t.tokens.demo;
  before(async () => {
    // this suite boots more servers than the default quota (10 instances) allows
    const res = await put(`/os-quota-sets/${app.t.projects.demo}`, { quota_set: { instances: 100, cores: 100, ram: 1024000 } }, admin());
    expect(res.status, res.text).to.equal(200);
  });

  describe('keypairs', () => {
    it('microversion 2.2: type in create (201), list and show; delete answers 204 (2.1: 200, 202, no type)', async () => {
      const old = await post('/os-keypairs', { keypair: { name: 'kp-old' } }, demo(), '2.1');
      expect(old.status).to.equal(200);
      expect(old.body.keypair).to.not.have.property('type');
      expect((await post('/os-keypairs', { keypair: { name: 'kp-typed', type: 'ssh' } }, demo(), '2.1')).status).to.equal(400);
      const created = await post('/os-keypairs', { keypair: { name: 'kp-new', type: 'ssh' } }, demo(), '2.2');
      expect(created.status, created.text).to.equal(201);
      expect(created.body.keypair).to.include({ name: 'kp-new', type: 'ssh' });
      expect(created.body.keypair.private_key).to.contain('PRIVATE KEY');
      const list = await get('/os-keypairs', demo(), '2.2');
      expect(list.body.keypairs.map((k: { keypair: { type: string } }) => k.keypair.type)).to.include('ssh');
      expect((await get('/os-keypairs/kp-new', demo(), '2.2')).body.keypair.type).to.equal('ssh');
      expect((await get('/os-keypairs/kp-new', demo(), '2.1')).body.keypair).to.not.have.property('type');
      expect((await del('/os-keypairs/kp-new', demo(), '2.2')).status).to.equal(204);
      expect((await del('/os-keypairs/kp-old', demo(), '2.1')).status).to.equal(202);
    });

    it('microversion 2.2: x509 keypairs are generated (a certificate and its key) or imported, with the SHA-1 fingerprint', async () => {
      const gen = await post('/os-keypairs', { keypair: { name: 'cert', type: 'x509' } }, demo(), '2.2');
      expect(gen.status, gen.text).to.equal(201);
      const cert = new X509Certificate(gen.body.keypair.public_key);
      expect(gen.body.keypair).to.include({ type: 'x509', fingerprint: cert.fingerprint.toLowerCase() });
      expect(gen.body.keypair.private_key).to.contain('PRIVATE KEY');
      const imported = await post('/os-keypairs', { keypair: { name: 'cert2', type: 'x509', public_key: gen.body.keypair.public_key } }, demo(), '2.2');
      expect(imported.status).to.equal(201);
      expect(imported.body.keypair).to.include({ type: 'x509', fingerprint: gen.body.keypair.fingerprint });
      expect(imported.body.keypair).to.not.have.property('private_key');
      const bad = await post('/os-keypairs', { keypair: { name: 'cert3', type: 'x509', public_key: 'not a certificate' } }, demo(), '2.2');
      expect(bad.status).to.equal(400);
      expect((await post('/os-keypairs', { keypair: { name: 'x', type: 'pgp' } }, demo(), '2.2')).status).to.equal(400);
    });

    it('microversion 2.10: an admin creates, lists, shows and deletes keypairs of another user; others get 403', async () => {
      const mine = await post('/os-keypairs', { keypair: { name: 'who' } }, demo(), '2.10');
      const demoUser = mine.body.keypair.user_id as string;
      const forDemo = await post('/os-keypairs', { keypair: { name: 'from-admin', user_id: demoUser } }, admin(), '2.10');
      expect(forDemo.status, forDemo.text).to.equal(201);
      expect(forDemo.body.keypair.user_id).to.equal(demoUser);
      expect((await get('/os-keypairs/from-admin', demo(), '2.10')).status).to.equal(200);
      expect((await get('/os-keypairs/from-admin', admin(), '2.10')).status).to.equal(404);
      expect((await get(`/os-keypairs/from-admin?user_id=${demoUser}`, admin(), '2.10')).status).to.equal(200);
      const listed = await get(`/os-keypairs?user_id=${demoUser}`, admin(), '2.10');
      expect(listed.body.keypairs.map((k: { keypair: { name: string } }) => k.keypair.name)).to.include('from-admin');
      // user_id is not known before 2.10, and not allowed for someone else's user
      expect((await post('/os-keypairs', { keypair: { name: 'x', user_id: demoUser } }, admin(), '2.9')).status).to.equal(400);
      const adminKey = await post('/os-keypairs', { keypair: { name: 'adm' } }, admin(), '2.10');
      const forbidden = await post('/os-keypairs', { keypair: { name: 'y', user_id: adminKey.body.keypair.user_id } }, demo(), '2.10');
      expect(forbidden.status).to.equal(403);
      expect((await get(`/os-keypairs?user_id=${adminKey.body.keypair.user_id}`, demo(), '2.10')).status).to.equal(403);
      expect((await del(`/os-keypairs/from-admin?user_id=${demoUser}`, admin(), '2.10')).status).to.equal(204);
      expect((await get('/os-keypairs/from-admin', demo(), '2.10')).status).to.equal(404);
    });

    it('microversion 2.35: limit and marker page keypairs by name with keypairs_links; an unknown marker is 400', async () => {
      for (const name of ['page-a', 'page-b', 'page-c']) await post('/os-keypairs', { keypair: { name } }, app.t.tokens.alt, '2.35');
      const first = await get('/os-keypairs?limit=2', app.t.tokens.alt, '2.35');
      expect(first.status).to.equal(200);
      expect(first.body.keypairs.map((k: { keypair: { name: string } }) => k.keypair.name)).to.deep.equal(['page-a', 'page-b']);
      expect(first.body.keypairs_links[0].rel).to.equal('next');
      expect(first.body.keypairs_links[0].href).to.contain('marker=page-b');
      const second = await get('/os-keypairs?limit=2&marker=page-b', app.t.tokens.alt, '2.35');
      expect(second.body.keypairs.map((k: { keypair: { name: string } }) => k.keypair.name)).to.deep.equal(['page-c']);
      expect(second.body).to.not.have.property('keypairs_links');
      expect((await get('/os-keypairs?marker=nope', app.t.tokens.alt, '2.35')).status).to.equal(400);
      // before 2.35 paging parameters are ignored
      expect((await get('/os-keypairs?limit=1', app.t.tokens.alt, '2.34')).body.keypairs).to.have.length(3);
    });
  });

  describe('flavors', () => {
    const createFlavor = (name: string, extra: object = {}, version = '2.1') =>
      post('/flavors', { flavor: { name, ram: 64, vcpus: 1, disk: 1, ...extra } }, admin(), version);

    it('microversion 2.7: adding a project to a public flavor is a 409 (before: accepted)', async () => {
      const pub = await createFlavor('public-2.7');
      const id = pub.body.flavor.id;
      const body = { addTenantAccess: { tenant: app.t.projects.demo } };
      const refused = await post(`/flavors/${id}/action`, body, admin(), '2.7');
      expect(refused.status).to.equal(409);
      expect(refused.body.conflictingRequest.message).to.equal('Can not add access to a public flavor.');
      expect((await post(`/flavors/${id}/action`, body, admin(), '2.6')).status).to.equal(200);
      const priv = await createFlavor('private-2.7', { 'os-flavor-access:is_public': false });
      expect((await post(`/flavors/${priv.body.flavor.id}/action`, body, admin(), '2.7')).status).to.equal(200);
    });

    it('microversion 2.55: description in create, list, detail and show; PUT /flavors/{id} updates it (404 below 2.55)', async () => {
      expect((await createFlavor('desc-early', { description: 'x' }, '2.54')).status).to.equal(400);
      const created = await createFlavor('desc', { description: 'small one' }, '2.55');
      expect(created.status, created.text).to.equal(200);
      const id = created.body.flavor.id;
      expect(created.body.flavor.description).to.equal('small one');
      const list = await get('/flavors', demo(), '2.55');
      expect(list.body.flavors.find((f: { id: string }) => f.id === id).description).to.equal('small one');
      expect(list.body.flavors.find((f: { id: string }) => f.id === '1').description).to.equal(null);
      expect((await get('/flavors', demo(), '2.54')).body.flavors[0]).to.not.have.property('description');
      const updated = await put(`/flavors/${id}`, { flavor: { description: 'renamed' } }, admin(), '2.55');
      expect(updated.status, updated.text).to.equal(200);
      expect(updated.body.flavor.description).to.equal('renamed');
      expect((await get(`/flavors/${id}`, demo(), '2.55')).body.flavor.description).to.equal('renamed');
      expect((await put(`/flavors/${id}`, { flavor: { description: 'x' } }, admin(), '2.54')).status).to.equal(404);
      expect((await put(`/flavors/${id}`, { flavor: { description: 'x' } }, demo(), '2.55')).status).to.equal(403);
      expect((await put(`/flavors/${id}`, { flavor: { name: 'x' } }, admin(), '2.55')).status).to.equal(400);
      expect((await put('/flavors/no-such', { flavor: { description: 'x' } }, admin(), '2.55')).status).to.equal(404);
    });

    it('microversion 2.61: extra_specs in flavor detail, show and create replies', async () => {
      const created = await createFlavor('specs', {}, '2.61');
      const id = created.body.flavor.id;
      expect(created.body.flavor.extra_specs).to.deep.equal({});
      await post(`/flavors/${id}/os-extra_specs`, { extra_specs: { 'hw:cpu_policy': 'shared' } }, admin(), '2.61');
      expect((await get(`/flavors/${id}`, demo(), '2.61')).body.flavor.extra_specs).to.deep.equal({ 'hw:cpu_policy': 'shared' });
      const detail = await get('/flavors/detail', demo(), '2.61');
      expect(detail.body.flavors.find((f: { id: string }) => f.id === id).extra_specs).to.deep.equal({ 'hw:cpu_policy': 'shared' });
      expect((await get(`/flavors/${id}`, demo(), '2.60')).body.flavor).to.not.have.property('extra_specs');
      expect((await get('/flavors', demo(), '2.61')).body.flavors[0]).to.not.have.property('extra_specs');
    });

    it('microversion 2.75: swap 0 shows as 0, not ""', async () => {
      expect((await get('/flavors/1', demo(), '2.74')).body.flavor.swap).to.equal('');
      expect((await get('/flavors/1', demo(), '2.75')).body.flavor.swap).to.equal(0);
    });
  });

  describe('services', () => {
    const computeOf = async (version: string) =>
      (await get('/os-services?binary=nova-compute', admin(), version)).body.services[0];

    it('microversion 2.11: forced_down in the list; PUT /os-services/force-down sets it, the service goes down and takes no servers', async () => {
      expect(await computeOf('2.10')).to.not.have.property('forced_down');
      const before = await computeOf('2.11');
      expect(before).to.include({ forced_down: false, state: 'up' });
      // before 2.11 there is no force-down action (and no forced_down in the body)
      expect((await put('/os-services/force-down', { host: before.host, binary: 'nova-compute' }, admin(), '2.10')).status).to.equal(404);
      expect((await put('/os-services/force-down', { host: before.host, binary: 'nova-compute', forced_down: true }, admin(), '2.10')).status)
        .to.equal(400);
      const res = await put('/os-services/force-down', { host: before.host, binary: 'nova-compute', forced_down: true }, admin(), '2.11');
      expect(res.status, res.text).to.equal(200);
      expect(res.body.service).to.deep.equal({ host: before.host, binary: 'nova-compute', forced_down: true });
      expect(await computeOf('2.11')).to.include({ forced_down: true, state: 'down' });
      const boot = await post('/servers', { server: { name: 'down', imageRef: app.image, flavorRef: '1' } }, demo(), '2.11');
      await app.t.services.tasks.idle();
      expect((await get(`/servers/${boot.body.server.id}`, demo(), '2.11')).body.server.status).to.equal('ERROR');
      expect((await put('/os-services/force-down', { host: before.host, binary: 'nova-compute', forced_down: 'false' }, admin(), '2.11')).status)
        .to.equal(200);
      expect(await computeOf('2.11')).to.include({ forced_down: false, state: 'up' });
      const missing = await put('/os-services/force-down', { host: before.host, binary: 'nova-compute' }, admin(), '2.11');
      expect(missing.status).to.equal(400);
    });

    it('microversion 2.53: uuid ids; PUT /os-services/{uuid} changes status, reason and forced_down and answers the service', async () => {
      const svc = await computeOf('2.53');
      expect(svc.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect((await computeOf('2.52')).id).to.be.a('number');
      const off = await put(`/os-services/${svc.id}`, { status: 'disabled', disabled_reason: 'maintenance' }, admin(), '2.53');
      expect(off.status, off.text).to.equal(200);
      expect(off.body.service).to.include({ id: svc.id, status: 'disabled', disabled_reason: 'maintenance', forced_down: false, binary: 'nova-compute' });
      expect((await computeOf('2.53')).status).to.equal('disabled');
      const bad = await put(`/os-services/${svc.id}`, { status: 'enabled', disabled_reason: 'x' }, admin(), '2.53');
      expect(bad.status).to.equal(400);
      expect((await put(`/os-services/${svc.id}`, {}, admin(), '2.53')).status).to.equal(400);
      const on = await put(`/os-services/${svc.id}`, { status: 'enabled', forced_down: false }, admin(), '2.53');
      expect(on.body.service).to.include({ status: 'enabled', disabled_reason: null, state: 'up' });
      // unknown uuid: 404; not a uuid (e.g. the old action names): 400, as Nova's 2.53 update
      expect((await put('/os-services/00000000-0000-4000-8000-000000000000', { status: 'enabled' }, admin(), '2.53')).status).to.equal(404);
      expect((await put('/os-services/disable', { host: svc.host, binary: 'nova-compute' }, admin(), '2.53')).status).to.equal(400);
      expect((await put('/os-services/disable', { status: 'disabled' }, admin(), '2.53')).status).to.equal(400);
      const scheduler = (await get('/os-services?binary=nova-scheduler', admin(), '2.53')).body.services[0];
      expect((await put(`/os-services/${scheduler.id}`, { status: 'disabled' }, admin(), '2.53')).status).to.equal(400);
      expect((await put(`/os-services/${svc.id}`, { status: 'disabled' }, demo(), '2.53')).status).to.equal(403);
    });

    it('microversion 2.53: the disabled flag, reason and uuid are persisted (a new HostServices over the same database sees them)', async () => {
      const svc = await computeOf('2.53');
      await put(`/os-services/${svc.id}`, { status: 'disabled', disabled_reason: 'persisted' }, admin(), '2.53');
      const fresh = new HostServices(app.t.services.drivers, app.t.services.instances, new ComputeServiceStore(app.t.db));
      const seen = (await fresh.list({ binary: 'nova-compute' }))[0];
      expect(seen).to.include({ uuid: svc.id, status: 'disabled', disabledReason: 'persisted' });
      await fresh.load();
      expect(fresh.isEnabled(svc.host)).to.equal(false);
      await put(`/os-services/${svc.id}`, { status: 'enabled' }, admin(), '2.53');
    });

    it('microversion 2.53: DELETE /os-services/{uuid} refuses a compute service that hosts servers (409); ids are checked per version', async () => {
      const svc = await computeOf('2.53');
      await app.boot('hosted');
      expect((await del(`/os-services/${svc.id}`, admin(), '2.53')).status).to.equal(409);
      expect((await del('/os-services/not-a-uuid', admin(), '2.53')).status).to.equal(400);
      expect((await del('/os-services/00000000-0000-4000-8000-000000000000', admin(), '2.53')).status).to.equal(404);
      expect((await del('/os-services/abc', admin(), '2.52')).status).to.equal(400);
      expect((await del('/os-services/999', admin(), '2.52')).status).to.equal(404);
    });
  });

  describe('hypervisors', () => {
    it('microversion 2.28: cpu_info is an object (a JSON string before)', async () => {
      const old = (await get('/os-hypervisors/detail', admin(), '2.27')).body.hypervisors[0];
      expect(old.cpu_info).to.be.a('string');
      const now = (await get('/os-hypervisors/detail', admin(), '2.28')).body.hypervisors[0];
      expect(now.cpu_info).to.deep.equal(JSON.parse(old.cpu_info));
      expect((await get(`/os-hypervisors/${now.id}`, admin(), '2.28')).body.hypervisor.cpu_info).to.be.an('object');
    });

    it('microversion 2.33: limit and marker with hypervisors_links; an unknown marker is 400', async () => {
      const all = (await get('/os-hypervisors', admin(), '2.33')).body.hypervisors;
      const page = await get('/os-hypervisors?limit=1', admin(), '2.33');
      expect(page.status).to.equal(200);
      expect(page.body.hypervisors).to.have.length(1);
      expect(page.body.hypervisors_links[0].href).to.contain(`marker=${all[0].id}`);
      const next = await get(`/os-hypervisors/detail?limit=1&marker=${all[0].id}`, admin(), '2.33');
      expect(next.body.hypervisors).to.have.length(all.length - 1);
      expect((await get('/os-hypervisors?marker=9999', admin(), '2.33')).status).to.equal(400);
      expect((await get('/os-hypervisors?limit=1', admin(), '2.32')).body).to.not.have.property('hypervisors_links');
    });

    it('microversion 2.53: uuid ids, hypervisor_hostname_pattern and with_servers; search and servers routes are gone', async () => {
      const server = await app.boot('on-hyp');
      const [h] = (await get('/os-hypervisors?with_servers=true', admin(), '2.53')).body.hypervisors;
      expect(h.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(h.servers.map((x: { uuid: string }) => x.uuid)).to.include(server);
      const shown = await get(`/os-hypervisors/${h.id}?with_servers=1`, admin(), '2.53');
      expect(shown.status, shown.text).to.equal(200);
      expect(shown.body.hypervisor.service.id).to.match(/^[0-9a-f-]{36}$/);
      expect(shown.body.hypervisor.servers.map((x: { uuid: string }) => x.uuid)).to.include(server);
      expect((await get(`/os-hypervisors/${h.id}`, admin(), '2.53')).body.hypervisor).to.not.have.property('servers');
      const pattern = h.hypervisor_hostname.slice(0, 3);
      const found = await get(`/os-hypervisors/detail?hypervisor_hostname_pattern=${pattern}`, admin(), '2.53');
      expect(found.body.hypervisors.map((x: { id: string }) => x.id)).to.include(h.id);
      expect((await get('/os-hypervisors?hypervisor_hostname_pattern=zzz-none', admin(), '2.53')).status).to.equal(404);
      expect((await get(`/os-hypervisors?hypervisor_hostname_pattern=${pattern}&limit=1`, admin(), '2.53')).status).to.equal(400);
      expect((await get('/os-hypervisors?bogus=1', admin(), '2.53')).status).to.equal(400);
      expect((await get(`/os-hypervisors/${h.hypervisor_hostname}/search`, admin(), '2.53')).status).to.equal(404);
      expect((await get(`/os-hypervisors/${h.hypervisor_hostname}/servers`, admin(), '2.53')).status).to.equal(404);
      expect((await get(`/os-hypervisors/${h.hypervisor_hostname}/search`, admin(), '2.52')).status).to.equal(200);
      expect((await get('/os-hypervisors/1', admin(), '2.53')).status).to.equal(400);
      expect((await get('/os-hypervisors/00000000-0000-4000-8000-000000000000', admin(), '2.53')).status).to.equal(404);
      expect((await get('/os-hypervisors/1', admin(), '2.52')).body.hypervisor.id).to.equal(1);
    });
  });

  describe('server groups', () => {
    const createGroup = (body: object, version: string) => post('/os-server-groups', { server_group: body }, demo(), version);
    const bootIn = async (group: string) => {
      const res = await post('/servers', { server: { name: 'g', imageRef: app.image, flavorRef: '1' }, 'os:scheduler_hints': { group } }, demo(), '2.1');
      expect(res.status, res.text).to.equal(202);
      await app.t.services.tasks.idle();
      return (await get(`/servers/${res.body.server.id}`, demo())).body.server.status as string;
    };

    it('microversion 2.13: project_id and user_id in replies', async () => {
      const res = await createGroup({ name: 'owned', policies: ['affinity'] }, '2.13');
      expect(res.body.server_group).to.include({ project_id: app.t.projects.demo });
      expect(res.body.server_group.user_id).to.be.a('string').and.not.equal('');
      const old = await get(`/os-server-groups/${res.body.server_group.id}`, demo(), '2.12');
      expect(old.body.server_group).to.not.have.property('project_id');
    });

    it('microversion 2.15: soft-affinity and soft-anti-affinity; a soft policy never fails a boot', async () => {
      expect((await createGroup({ name: 's', policies: ['soft-anti-affinity'] }, '2.14')).status).to.equal(400);
      const res = await createGroup({ name: 's', policies: ['soft-anti-affinity'] }, '2.15');
      expect(res.status).to.equal(200);
      expect(res.body.server_group.policies).to.deep.equal(['soft-anti-affinity']);
      // one compute host: hard anti-affinity would fail the second boot, the soft policy places both
      expect(await bootIn(res.body.server_group.id)).to.equal('ACTIVE');
      expect(await bootIn(res.body.server_group.id)).to.equal('ACTIVE');
      const soft = await createGroup({ name: 'sa', policies: ['soft-affinity'] }, '2.15');
      expect(await bootIn(soft.body.server_group.id)).to.equal('ACTIVE');
    });

    it('microversion 2.64: policy and rules instead of policies and metadata; max_server_per_host enforced', async () => {
      expect((await createGroup({ name: 'r', policies: ['anti-affinity'] }, '2.64')).status).to.equal(400);
      expect((await createGroup({ name: 'r', policy: 'affinity', rules: { max_server_per_host: 2 } }, '2.64')).status).to.equal(400);
      expect((await createGroup({ name: 'r', policy: 'anti-affinity', rules: { max_server_per_host: 0 } }, '2.64')).status).to.equal(400);
      expect((await createGroup({ name: 'r', policy: 'anti-affinity', rules: { other: 1 } }, '2.64')).status).to.equal(400);
      const res = await createGroup({ name: 'r', policy: 'anti-affinity', rules: { max_server_per_host: '2' } }, '2.64');
      expect(res.status, res.text).to.equal(200);
      const sg = res.body.server_group;
      expect(sg).to.have.all.keys('id', 'name', 'policy', 'rules', 'members', 'project_id', 'user_id');
      expect(sg).to.deep.include({ policy: 'anti-affinity', rules: { max_server_per_host: 2 } });
      const old = (await get(`/os-server-groups/${sg.id}`, demo(), '2.63')).body.server_group;
      expect(old).to.deep.include({ policies: ['anti-affinity'], metadata: {} });
      const plain = await createGroup({ name: 'p', policy: 'affinity' }, '2.64');
      expect(plain.body.server_group.rules).to.deep.equal({});
      // two members per host allowed on the single host, the third finds no host
      expect(await bootIn(sg.id)).to.equal('ACTIVE');
      expect(await bootIn(sg.id)).to.equal('ACTIVE');
      expect(await bootIn(sg.id)).to.equal('ERROR');
      const listed = await get('/os-server-groups', demo(), '2.64');
      expect(listed.body.server_groups.find((g: { id: string }) => g.id === sg.id).members).to.have.length(3);
    });
  });

  describe('instance actions', () => {
    it('microversion 2.21: actions of a deleted server are visible (404 before)', async () => {
      const id = await app.boot('gone');
      expect((await del(`/servers/${id}`, demo())).status).to.equal(204);
      await app.t.services.tasks.idle();
      expect((await get(`/servers/${id}/os-instance-actions`, demo(), '2.20')).status).to.equal(404);
      const res = await get(`/servers/${id}/os-instance-actions`, demo(), '2.21');
      expect(res.status).to.equal(200);
      expect(res.body.instanceActions.map((a: { action: string }) => a.action)).to.deep.equal(['delete', 'create']);
      expect((await get(`/servers/${id}/os-instance-actions`, app.t.tokens.alt, '2.21')).status).to.equal(404);
    });

    it('microversion 2.51: non-admins see events (without traceback); before 2.51 only admins', async () => {
      const id = await app.boot('events');
      const [create] = (await get(`/servers/${id}/os-instance-actions`, demo())).body.instanceActions;
      const early = await get(`/servers/${id}/os-instance-actions/${create.request_id}`, demo(), '2.50');
      expect(early.body.instanceAction).to.not.have.property('events');
      const now = await get(`/servers/${id}/os-instance-actions/${create.request_id}`, demo(), '2.51');
      expect(now.body.instanceAction.events).to.have.length.greaterThan(0);
      expect(now.body.instanceAction.events[0]).to.not.have.property('traceback');
      const asAdmin = await get(`/servers/${id}/os-instance-actions/${create.request_id}`, admin(), '2.51');
      expect(asAdmin.body.instanceAction.events[0]).to.have.property('traceback');
    });

    it('microversion 2.58: updated_at, limit/marker with links and changes-since', async () => {
      const id = await app.boot('paged');
      await post(`/servers/${id}/action`, { 'os-stop': null }, demo());
      await app.t.services.tasks.idle();
      const all = (await get(`/servers/${id}/os-instance-actions`, demo(), '2.58')).body.instanceActions;
      expect(all.map((a: { action: string }) => a.action)).to.deep.equal(['stop', 'create']);
      expect(all[0].updated_at).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
      expect((await get(`/servers/${id}/os-instance-actions`, demo(), '2.57')).body.instanceActions[0]).to.not.have.property('updated_at');
      const page = await get(`/servers/${id}/os-instance-actions?limit=1`, demo(), '2.58');
      expect(page.body.instanceActions.map((a: { action: string }) => a.action)).to.deep.equal(['stop']);
      expect(page.body.links[0].href).to.contain(`marker=${all[0].request_id}`);
      const rest = await get(`/servers/${id}/os-instance-actions?marker=${all[0].request_id}`, demo(), '2.58');
      expect(rest.body.instanceActions.map((a: { action: string }) => a.action)).to.deep.equal(['create']);
      expect((await get(`/servers/${id}/os-instance-actions?marker=req-nope`, demo(), '2.58')).status).to.equal(400);
      const future = new Date(Date.now() + 3600_000).toISOString();
      expect((await get(`/servers/${id}/os-instance-actions?changes-since=${future}`, demo(), '2.58')).body.instanceActions).to.deep.equal([]);
      const past = await get(`/servers/${id}/os-instance-actions?changes-since=2000-01-01T00:00:00`, demo(), '2.58');
      expect(past.body.instanceActions).to.have.length(2);
      expect((await get(`/servers/${id}/os-instance-actions?changes-since=yesterday`, demo(), '2.58')).status).to.equal(400);
      expect((await get(`/servers/${id}/os-instance-actions?bogus=1`, demo(), '2.58')).status).to.equal(400);
      const shown = await get(`/servers/${id}/os-instance-actions/${all[0].request_id}`, demo(), '2.58');
      expect(shown.body.instanceAction.updated_at).to.equal(all[0].updated_at);
    });

    it('microversion 2.62: events carry hostId (and host for admins)', async () => {
      const id = await app.boot('hosted-events');
      const server = (await get(`/servers/${id}`, admin())).body.server;
      const [create] = (await get(`/servers/${id}/os-instance-actions`, demo())).body.instanceActions;
      const mine = await get(`/servers/${id}/os-instance-actions/${create.request_id}`, demo(), '2.62');
      const event = mine.body.instanceAction.events[0];
      expect(event).to.not.have.property('host');
      expect(event.hostId).to.equal(server.hostId);
      const theirs = await get(`/servers/${id}/os-instance-actions/${create.request_id}`, admin(), '2.62');
      expect(theirs.body.instanceAction.events[0].host).to.equal(server['OS-EXT-SRV-ATTR:host']);
      expect((await get(`/servers/${id}/os-instance-actions/${create.request_id}`, admin(), '2.61')).body.instanceAction.events[0])
        .to.not.have.any.keys('host', 'hostId');
    });

    it('microversion 2.66: changes-before (and 400 when it is before changes-since)', async () => {
      const id = await app.boot('before');
      const path = `/servers/${id}/os-instance-actions`;
      expect((await get(`${path}?changes-before=2000-01-01T00:00:00Z`, demo(), '2.66')).body.instanceActions).to.deep.equal([]);
      expect((await get(`${path}?changes-before=2999-01-01T00:00:00Z`, demo(), '2.66')).body.instanceActions).to.have.length(1);
      expect((await get(`${path}?changes-before=2999-01-01T00:00:00Z`, demo(), '2.65')).status).to.equal(400);
      expect((await get(`${path}?changes-since=2999-01-01T00:00:00Z&changes-before=2000-01-01T00:00:00Z`, demo(), '2.66')).status).to.equal(400);
    });
  });

  describe('headers, URLs and console tokens', () => {
    it('microversion 2.27: the OpenStack-API-Version header selects the version and is echoed', async () => {
      const res = await app.t.request.get(`${API}/flavors/1`).set(as(demo())).set('OpenStack-API-Version', 'compute 2.75');
      expect(res.headers['openstack-api-version']).to.equal('compute 2.75');
      expect(res.body.flavor.swap).to.equal(0);
      const legacy = await app.t.request.get(`${API}/flavors/1`).set(as(demo())).set('X-OpenStack-Nova-API-Version', '2.75');
      expect(legacy.body.flavor.swap).to.equal(0);
      expect((await app.t.request.get(`${API}/flavors/1`).set(as(demo())).set('OpenStack-API-Version', 'volume 2.75')).body.flavor.swap)
        .to.equal('');
    });

    it('microversion 2.46: every reply carries X-OpenStack-Request-ID (and the legacy X-Compute-Request-Id)', async () => {
      const ok = await get('/flavors', demo(), '2.46');
      const fault = await get('/flavors/none', demo(), '2.46');
      for (const res of [ok, fault]) {
        expect(res.headers['x-openstack-request-id']).to.match(/^req-[0-9a-f-]{36}$/);
        expect(res.headers['x-compute-request-id']).to.equal(res.headers['x-openstack-request-id']);
      }
      expect(ok.headers['x-openstack-request-id']).to.not.equal(fault.headers['x-openstack-request-id']);
    });

    it('microversion 2.18: the project id in the URL is optional; a foreign one is 400', async () => {
      for (const version of ['2.1', '2.18']) {
        const withProject = await app.t.request.get(`${API}/${app.t.projects.demo}/flavors`).set(as(demo())).set(v(version));
        expect(withProject.status, withProject.text).to.equal(200);
        expect(withProject.body.flavors.length).to.be.greaterThan(0);
      }
      const legacyV2 = await app.t.request.get(`/compute/v2/${app.t.projects.demo}/flavors/1`).set(as(demo()));
      expect(legacyV2.status).to.equal(200);
      const foreign = await app.t.request.get(`${API}/${app.t.projects.alt}/flavors`).set(as(demo())).set(v('2.18'));
      expect(foreign.status).to.equal(400);
      expect(foreign.body.badRequest.message).to.contain("doesn't match Context's project_id");
      expect((await get('/flavors', demo(), '2.18')).status).to.equal(200);
    });

    it('microversion 2.31: GET /os-console-auth-tokens/{token} shows a serial console token (401 before 2.31)', async () => {
      const id = await app.boot('console');
      const consoleRes = await post(`/servers/${id}/remote-consoles`, { remote_console: { protocol: 'serial', type: 'serial' } }, demo(), '2.6');
      expect(consoleRes.status, consoleRes.text).to.equal(200);
      const token = new URL(consoleRes.body.remote_console.url).searchParams.get('token')!;
      const early = await get(`/os-console-auth-tokens/${token}`, admin(), '2.30');
      expect(early.status).to.equal(401);
      const shown = await get(`/os-console-auth-tokens/${token}`, admin(), '2.31');
      expect(shown.status, shown.text).to.equal(200);
      expect(shown.body.console.instance_uuid).to.equal(id);
      expect((await get(`/os-console-auth-tokens/${token}`, demo(), '2.31')).status).to.equal(403);
      expect((await get('/os-console-auth-tokens/unknown', admin(), '2.31')).status).to.equal(404);
    });
  });
});
