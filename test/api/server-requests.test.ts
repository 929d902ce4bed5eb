import { expect } from 'chai';
import { API, as, expectFault, useComputeApp } from '../helpers/compute-app';
import { DEFAULT_NETWORK } from '../../src/compute/request-checks';

/** The microversion deltas of server requests: POST /servers, PUT /servers/{id} and rebuild bodies. */
describe('compute API: server request microversions', () => {
  const app = useComputeApp();
  const v = (version: string) => ({ 'OpenStack-API-Version': `compute ${version}` });
  const create = (version: string, server: object, token?: string) => app.t.request.post(`${API}/servers`)
    .set(as(token ?? app.t.tokens.demo)).set(v(version)).send({ server: { name: 'vm', imageRef: app.image, flavorRef: '1', ...server } });
  const act = (id: string, version: string, body: object, token?: string) => app.t.request.post(`${API}/servers/${id}/action`)
    .set(as(token ?? app.t.tokens.demo)).set(v(version)).send(body);
  const record = (id: string) => app.t.services.instances.find(id);
  const created: string[] = [];
  const booted = async (version: string, server: object, token?: string) => {
    const res = await create(version, server, token);
    expect(res.status, res.text).to.equal(202);
    await app.t.services.tasks.idle();
    created.push(res.body.server.id);
    return res.body.server.id as string;
  };
  // the project's instance quota is 10: each test removes its servers
  afterEach(async () => {
    for (const id of created.splice(0)) await app.t.request.delete(`${API}/servers/${id}`).set(as(app.t.tokens.admin));
    await app.t.services.tasks.idle();
  });
  const expectSchemaError = (res: { status: number; text: string; body: any }, field: string) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(res.status, res.text).to.equal(400);
    expect(res.body.badRequest.message).to.contain(field);
  };

  describe('microversion 2.19: description on create, update and rebuild', () => {
    it('is refused at 2.18 and stored from 2.19 (null allowed, at most 255)', async () => {
      expectSchemaError(await create('2.18', { description: 'd' }), 'description');
      const id = await booted('2.19', { description: 'my server' });
      expect((await record(id)).description).to.equal('my server');
      expectSchemaError(await create('2.19', { description: 'x'.repeat(256) }), 'description');
      const nulled = await booted('2.19', { description: null });
      expect((await record(nulled)).description).to.equal(null);
    });

    it("takes the name as the description below 2.19 (Nova's create)", async () => {
      const id = await booted('2.1', { name: 'named' });
      expect((await record(id)).description).to.equal('named');
    });

    it('changes it with PUT from 2.19 (400 before) and with rebuild from 2.19 (400 before)', async () => {
      const id = await booted('2.19', { description: 'before' });
      const put = (version: string, server: object) => app.t.request.put(`${API}/servers/${id}`).set(as(app.t.tokens.demo)).set(v(version)).send({ server });
      expectSchemaError(await put('2.18', { description: 'x' }), 'description');
      expect((await put('2.19', { description: 'after' })).status).to.equal(200);
      expect((await record(id)).description).to.equal('after');
      expect((await put('2.19', { description: null })).status).to.equal(200);
      expect((await record(id)).description).to.equal(null);

      expectSchemaError(await act(id, '2.18', { rebuild: { imageRef: app.image, description: 'r' } }), 'description');
      const rebuilt = await act(id, '2.19', { rebuild: { imageRef: app.image, description: 'rebuilt' } });
      expect(rebuilt.status, rebuilt.text).to.equal(202);
      await app.t.services.tasks.idle();
      expect((await record(id)).description).to.equal('rebuilt');
    });
  });

  describe('microversion 2.32, 2.33 and 2.42: device tags', () => {
    const taggedNet = { networks: [{ uuid: DEFAULT_NETWORK.id, tag: 'nic1' }] };
    const taggedBdm = { block_device_mapping_v2: [{ boot_index: 0, uuid: '6b1e4d5a-0a5c-4e2f-9c1a-6e6f76617368', source_type: 'image', destination_type: 'local', tag: 'disk1' }] };

    it('refuses a network tag at 2.31 and 2.37–2.41; from 2.32 the build aborts as on a Nova host without device tagging', async () => {
      expectSchemaError(await create('2.31', taggedNet), 'tag');
      expectSchemaError(await create('2.41', taggedNet), 'tag');
      for (const version of ['2.32', '2.33', '2.42']) {
        const id = await booted(version, taggedNet);
        const i = await record(id);
        expect(i.vmState, version).to.equal('error');
        expect(i.fault?.message).to.equal(`Build of instance ${id} aborted: Attempt to boot guest with tagged devices on host that does not support tagging.`);
        expect(i.driverState).to.equal(null);
      }
    });

    it('admits a block device tag at 2.32 and from 2.42 only (then 400: no block device mapping here)', async () => {
      for (const version of ['2.32', '2.42']) {
        const res = await create(version, { networks: 'auto', ...taggedBdm });
        expect(res.status, version).to.equal(400);
        expect(res.body.badRequest.message).to.equal('Block device mapping is not supported by this cloud.');
      }
      expectSchemaError(await create('2.33', { networks: 'auto', ...taggedBdm }), 'tag');
      expectSchemaError(await create('2.41', { networks: 'auto', ...taggedBdm }), 'tag');
    });
  });

  describe('microversion 2.37: networks required, "auto" or "none"', () => {
    it('requires networks from 2.37 (not at 2.36)', async () => {
      expectSchemaError(await create('2.37', {}), 'networks');
      await booted('2.36', {});
    });

    it('"auto" joins the default network; "none" boots with no network at all', async () => {
      const auto = await booted('2.37', { networks: 'auto' });
      expect((await record(auto)).addresses.map((a) => a.network)).to.deep.equal(['private']);
      const none = await booted('2.37', { networks: 'none' });
      const i = await record(none);
      expect([i.vmState, i.requestedNetworks, i.addresses]).to.deep.equal(['active', 'none', []]);
      const shown = await app.t.request.get(`${API}/servers/${none}`).set(as(app.t.tokens.demo)).set(v('2.37'));
      expect(shown.body.server.addresses).to.deep.equal({});
      // still without a network after a stop and start
      expect((await act(none, '2.37', { 'os-stop': null })).status).to.equal(202);
      await app.t.services.tasks.idle();
      expect((await act(none, '2.37', { 'os-start': null })).status).to.equal(202);
      await app.t.services.tasks.idle();
      expect((await record(none)).addresses).to.deep.equal([]);
    });

    it('wants network uuids to be UUIDs from 2.37 (a format error); other values are refused', async () => {
      expectSchemaError(await create('2.37', { networks: [{ uuid: 'not-a-uuid' }] }), 'uuid');
      expectSchemaError(await create('2.37', { networks: 'some' }), 'networks');
      const old = await create('2.36', { networks: [{ uuid: 'not-a-uuid' }] });
      expect(old.status).to.equal(400);
      expect(old.body.badRequest.message).to.contain('Bad networks format');
    });
  });

  describe('microversion 2.52: the create schema entry for tags', () => {
    it('accepts the 2.42 body at 2.52 (tags are the server tags API\'s)', async () => {
      await booted('2.52', { networks: 'auto' });
    });
  });

  describe('microversion 2.57: personality removed, rebuild user_data', () => {
    const personality = [{ path: '/etc/motd', contents: 'aGVsbG8=' }];
    it('accepts personality on create up to 2.56 and refuses it from 2.57', async () => {
      await booted('2.56', { networks: 'auto', personality });
      expectSchemaError(await create('2.57', { networks: 'auto', personality }), 'personality');
    });

    it('rebuild: user_data from 2.57 (null removes it), personality refused', async () => {
      const id = await booted('2.57', { networks: 'auto', user_data: 'b2xk' });
      expectSchemaError(await act(id, '2.56', { rebuild: { imageRef: app.image, user_data: 'bmV3' } }), 'user_data');
      expectSchemaError(await act(id, '2.57', { rebuild: { imageRef: app.image, personality } }), 'personality');
      expect((await act(id, '2.57', { rebuild: { imageRef: app.image, user_data: 'bmV3' } })).status).to.equal(202);
      await app.t.services.tasks.idle();
      expect((await record(id)).userData).to.equal('bmV3');
      expect((await act(id, '2.57', { rebuild: { imageRef: app.image } })).status).to.equal(202);
      await app.t.services.tasks.idle();
      expect((await record(id)).userData, 'absent: unchanged').to.equal('bmV3');
      expect((await act(id, '2.57', { rebuild: { imageRef: app.image, user_data: null } })).status).to.equal(202);
      await app.t.services.tasks.idle();
      expect((await record(id)).userData).to.equal(null);
    });
  });

  describe('microversion 2.54: rebuild with key_name', () => {
    it('sets the key pair (written into the new instance), null removes it, an unknown one is 400', async () => {
      const key = await app.t.request.post(`${API}/os-keypairs`).set(as(app.t.tokens.demo)).send({ keypair: { name: 'rk' } });
      expect(key.status, key.text).to.equal(200);
      const id = await booted('2.54', { networks: 'auto' });
      expectSchemaError(await act(id, '2.53', { rebuild: { imageRef: app.image, key_name: 'rk' } }), 'key_name');
      const unknown = await act(id, '2.54', { rebuild: { imageRef: app.image, key_name: 'nope' } });
      expect(unknown.status).to.equal(400);
      expect(unknown.body.badRequest.message).to.equal('Invalid key_name provided.');
      expect((await act(id, '2.54', { rebuild: { imageRef: app.image, key_name: 'rk' } })).status).to.equal(202);
      await app.t.services.tasks.idle();
      const keyed = await record(id);
      expect([keyed.keyName, keyed.keyData]).to.deep.equal(['rk', key.body.keypair.public_key]);
      const driver = app.t.driver as unknown as { instances: Map<string, { authorizedKeys: string[] }> };
      expect(driver.instances.get(id)?.authorizedKeys).to.deep.equal([key.body.keypair.public_key]);
      expect((await act(id, '2.54', { rebuild: { imageRef: app.image, key_name: null } })).status).to.equal(202);
      await app.t.services.tasks.idle();
      expect([(await record(id)).keyName, driver.instances.get(id)?.authorizedKeys]).to.deep.equal([null, []]);
    });
  });

  describe('microversion 2.63: trusted_image_certificates', () => {
    it('is refused before 2.63; from 2.63 the build aborts (no host validates certificates), nothing stored', async () => {
      expectSchemaError(await create('2.62', { networks: 'auto', trusted_image_certificates: ['c1'] }), 'trusted_image_certificates');
      expectSchemaError(await create('2.63', { networks: 'auto', trusted_image_certificates: Array.from({ length: 51 }, (_, i) => `c${i}`) }), 'trusted_image_certificates');
      const id = await booted('2.63', { networks: 'auto', trusted_image_certificates: ['c1'] });
      const i = await record(id);
      expect(i.vmState).to.equal('error');
      expect(i.fault?.message).to.equal(`Build of instance ${id} aborted: Trusted image certificates provided on host that does not support certificate validation.`);
    });

    it('rebuild: the rebuild aborts with a fault and leaves the server as it was; null is accepted', async () => {
      const id = await booted('2.63', { networks: 'auto' });
      expectSchemaError(await act(id, '2.62', { rebuild: { imageRef: app.image, trusted_image_certificates: ['c1'] } }), 'trusted_image_certificates');
      expect((await act(id, '2.63', { rebuild: { imageRef: app.image, trusted_image_certificates: ['c1'] } })).status).to.equal(202);
      await app.t.services.tasks.idle();
      const i = await record(id);
      expect([i.vmState, i.taskState, i.powerState]).to.deep.equal(['active', null, 1]);
      expect(i.fault?.message).to.contain('Trusted image certificates provided on host that does not support certificate validation.');
      expect((await act(id, '2.63', { rebuild: { imageRef: app.image, trusted_image_certificates: null } })).status).to.equal(202);
      await app.t.services.tasks.idle();
      expect((await record(id)).vmState).to.equal('active');
    });
  });

  describe('microversion 2.67: volume_type in block_device_mapping_v2', () => {
    it('is a schema error at 2.66 and reaches the block device check (400) at 2.67', async () => {
      const bdm = { networks: 'auto', block_device_mapping_v2: [{ boot_index: 0, source_type: 'blank', destination_type: 'volume', volume_size: 1, volume_type: 'lvm' }] };
      expectSchemaError(await create('2.66', bdm), 'volume_type');
      const res = await create('2.67', bdm);
      expect(res.status).to.equal(400);
      expect(res.body.badRequest.message).to.equal('Block device mapping is not supported by this cloud.');
    });
  });

  describe('microversion 2.74: host and hypervisor_hostname on create', () => {
    it('is a schema error at 2.73; admin only (403); an unknown host is 400; the named host is used', async () => {
      const host = app.t.config.computeHost;
      expectSchemaError(await create('2.73', { networks: 'auto', host }, app.t.tokens.admin), 'host');
      const denied = await create('2.74', { networks: 'auto', host });
      expect(denied.status).to.equal(403);
      expect(denied.body.forbidden.message).to.equal("Policy doesn't allow compute:servers:create:requested_destination to be performed.");
      const unknown = await create('2.74', { networks: 'auto', host: 'elsewhere' }, app.t.tokens.admin);
      expect(unknown.status).to.equal(400);
      expect(unknown.body.badRequest.message).to.equal('Compute host elsewhere could not be found.');
      const unknownNode = await create('2.74', { networks: 'auto', hypervisor_hostname: 'node9' }, app.t.tokens.admin);
      expect(unknownNode.body.badRequest.message).to.equal('Compute host node9 could not be found.');
      const id = await booted('2.74', { networks: 'auto', host, hypervisor_hostname: host }, app.t.tokens.admin);
      expect([(await record(id)).host, (await record(id)).vmState]).to.deep.equal([host, 'active']);
    });
  });

  describe('microversion 2.73: lock with locked_reason', () => {
    it('stores the reason from 2.73 (1-255 characters), ignores the body before, clears it on unlock', async () => {
      const id = await booted('2.73', { networks: 'auto' });
      expectSchemaError(await act(id, '2.73', { lock: { locked_reason: '' } }), 'locked_reason');
      expectSchemaError(await act(id, '2.73', { lock: { reason: 'x' } }), 'reason');
      expect((await act(id, '2.73', { lock: { locked_reason: 'maintenance' } })).status).to.equal(202);
      expect([(await record(id)).locked, (await record(id)).lockedReason]).to.deep.equal([true, 'maintenance']);
      expect((await act(id, '2.73', { unlock: null })).status).to.equal(202);
      expect((await record(id)).lockedReason).to.equal(null);
      expect((await act(id, '2.72', { lock: { locked_reason: 'old' } })).status).to.equal(202);
      expect([(await record(id)).locked, (await record(id)).lockedReason]).to.deep.equal([true, null]);
      expect((await act(id, '2.73', { unlock: null })).status).to.equal(202);
      expect((await act(id, '2.73', { lock: null })).status).to.equal(202);
      expect([(await record(id)).locked, (await record(id)).lockedReason]).to.deep.equal([true, null]);
      expect((await act(id, '2.73', { unlock: null })).status).to.equal(202);
    });
  });

  describe('microversion 2.17: trigger_crash_dump', () => {
    it('is 404 before 2.17; 400 from 2.17 (no driver can dump a container); 409 in a wrong state; body must be null', async () => {
      const id = await booted('2.17', { networks: 'auto' });
      expect((await act(id, '2.16', { trigger_crash_dump: null })).status).to.equal(404);
      const res = await act(id, '2.17', { trigger_crash_dump: null });
      expect(res.status).to.equal(400);
      expect(res.body).to.deep.equal({ badRequest: { code: 400, message: 'Triggering crash dump is not supported' } });
      expectSchemaError(await act(id, '2.17', { trigger_crash_dump: {} }), 'trigger_crash_dump');
      expect((await act(id, '2.17', { 'os-stop': null })).status).to.equal(202);
      await app.t.services.tasks.idle();
      const stopped = await act(id, '2.17', { trigger_crash_dump: null });
      expect(stopped.status).to.equal(409);
      expect(stopped.body.conflictingRequest.message).to.equal(`Cannot 'trigger_crash_dump' instance ${id} while it is in vm_state stopped`);
      expect((await act('00000000-0000-0000-0000-000000000000', '2.17', { trigger_crash_dump: null })).status).to.equal(404);
    });
  });

  describe('microversion 2.44: the nova-network IP actions are gone', () => {
    it('answers 400 (no such action here) up to 2.43 and 404 from 2.44', async () => {
      const id = await booted('2.44', { networks: 'auto' });
      for (const name of ['addFixedIp', 'removeFixedIp', 'addFloatingIp', 'removeFloatingIp']) {
        const before = await act(id, '2.43', { [name]: { address: '10.0.0.9' } });
        expect([before.status, before.body.badRequest?.message], name).to.deep.equal([400, `There is no such action: ${name}`]);
        const after = await act(id, '2.44', { [name]: { address: '10.0.0.9' } });
        expect(after.status, name).to.equal(404);
      }
    });
  });

  describe('microversion 2.45: createImage and createBackup answer {"image_id"}', () => {
    it('gives the Location header up to 2.44 and a body with the image id (no Location) from 2.45', async () => {
      const id = await booted('2.45', { networks: 'auto' });
      const old = await act(id, '2.44', { createImage: { name: 'snap-old' } });
      expect(old.status, old.text).to.equal(202);
      expect(old.headers.location).to.match(/\/images\/[0-9a-f-]{36}$/);
      expect(old.text).to.equal('');
      await app.t.services.tasks.idle();
      const res = await act(id, '2.45', { createImage: { name: 'snap' } });
      expect(res.status, res.text).to.equal(202);
      expect(res.headers).to.not.have.property('location');
      expect(res.body).to.have.keys(['image_id']);
      expect((await app.t.services.images.store.find(res.body.image_id))?.name).to.equal('snap');
      await app.t.services.tasks.idle();
      const backup = await act(id, '2.45', { createBackup: { name: 'b', backup_type: 'daily', rotation: 0 } }, app.t.tokens.admin);
      expect(backup.status, backup.text).to.equal(202);
      expect(backup.headers).to.not.have.property('location');
      expect(backup.body.image_id).to.match(/^[0-9a-f-]{36}$/);
      await app.t.services.tasks.idle();
    });
  });

  describe('microversion 2.6 and 2.8: remote consoles', () => {
    const rc = (id: string, version: string, body: object) => app.t.request.post(`${API}/servers/${id}/remote-consoles`)
      .set(as(app.t.tokens.demo)).set(v(version)).send(body);

    it('POST /servers/{id}/remote-consoles is 404 before 2.6 and gives a serial console from 2.6', async () => {
      const id = await booted('2.6', { networks: 'auto' });
      expect((await rc(id, '2.5', { remote_console: { protocol: 'serial', type: 'serial' } })).status).to.equal(404);
      const res = await rc(id, '2.6', { remote_console: { protocol: 'serial', type: 'serial' } });
      expect(res.status, res.text).to.equal(200);
      expect(res.body.remote_console).to.include({ protocol: 'serial', type: 'serial' });
      expect(res.body.remote_console.url).to.match(/^ws:\/\/novashim\.test\/compute\/serial-console\?token=/);
      const mismatch = await rc(id, '2.6', { remote_console: { protocol: 'serial', type: 'novnc' } });
      expect([mismatch.status, mismatch.body.badRequest?.message]).to.deep.equal([400, 'Invalid console type novnc']);
      expect((await rc(id, '2.6', { remote_console: { protocol: 'vnc', type: 'novnc' } })).status).to.equal(501);
      expect((await rc('00000000-0000-0000-0000-000000000000', '2.6', { remote_console: { protocol: 'serial', type: 'serial' } })).status).to.equal(404);
    });

    it('the os-get*Console actions exist up to 2.5 only (404 from 2.6)', async () => {
      const id = await booted('2.6', { networks: 'auto' });
      expect((await act(id, '2.5', { 'os-getSerialConsole': { type: 'serial' } })).status).to.equal(200);
      expect((await act(id, '2.5', { 'os-getVNCConsole': { type: 'novnc' } })).status).to.equal(501);
      expect((await act(id, '2.5', { 'os-getSPICEConsole': { type: 'spice-html5' } })).status).to.equal(501);
      expect((await act(id, '2.5', { 'os-getRDPConsole': { type: 'rdp-html5' } })).status).to.equal(501);
      for (const [key, type] of [['os-getSerialConsole', 'serial'], ['os-getVNCConsole', 'novnc'], ['os-getSPICEConsole', 'spice-html5'], ['os-getRDPConsole', 'rdp-html5']]) {
        expect((await act(id, '2.6', { [key]: { type } })).status, key).to.equal(404);
      }
    });

    it('mks: a schema error at 2.7, 501 from 2.8 (no driver has an MKS console)', async () => {
      const id = await booted('2.8', { networks: 'auto' });
      expectSchemaError(await rc(id, '2.7', { remote_console: { protocol: 'mks', type: 'webmks' } }), 'protocol');
      const res = await rc(id, '2.8', { remote_console: { protocol: 'mks', type: 'webmks' } });
      expect(res.status, res.text).to.equal(501);
    });
  });

  describe('microversion 2.14, 2.29 and 2.68: evacuate', () => {
    const host = () => app.t.config.computeHost;
    const evac = (id: string, version: string, body: object, token = app.t.tokens.admin) => act(id, version, { evacuate: body }, token);

    it('checks the body per version: onSharedStorage up to 2.13, force from 2.29 to 2.67', async () => {
      const id = await booted('2.14', { networks: 'auto' });
      expectSchemaError(await evac(id, '2.13', {}), 'onSharedStorage');
      expectSchemaError(await evac(id, '2.14', { onSharedStorage: false }), 'onSharedStorage');
      expectSchemaError(await evac(id, '2.28', { force: true }), 'force');
      expectSchemaError(await evac(id, '2.68', { force: false }), 'force');
      const forced = await evac(id, '2.29', { force: true });
      expect([forced.status, forced.body.badRequest?.message]).to.deep.equal([400, "Can't force to a non-provided destination"]);
      const shared = await evac(id, '2.13', { onSharedStorage: true, adminPass: 'x' });
      expect([shared.status, shared.body.badRequest?.message]).to.deep.equal([400, "admin password can't be changed on existing disk"]);
    });

    it("answers Nova's errors: 403 for a non-admin, 404 unknown host, 400 same host, 400 while the host's service is up", async () => {
      const id = await booted('2.68', { networks: 'auto' });
      const denied = await evac(id, '2.68', {}, app.t.tokens.demo);
      expect([denied.status, denied.body.forbidden?.message]).to.deep.equal([403, "Policy doesn't allow os_compute_api:os-evacuate to be performed."]);
      const unknown = await evac(id, '2.68', { host: 'nowhere' });
      expect([unknown.status, unknown.body.itemNotFound?.message]).to.deep.equal([404, 'Compute host nowhere not found.']);
      const same = await evac(id, '2.68', { host: host() });
      expect([same.status, same.body.badRequest?.message]).to.deep.equal([400, "The target host can't be the same one."]);
      const inUse = await evac(id, '2.68', {});
      expect([inUse.status, inUse.body.badRequest?.message]).to.deep.equal([400, `Compute service of ${host()} is still in use.`]);
      expect((await record(id)).vmState).to.equal('active');
    });

    it('with the host forced down and no other host: accepted, then ERROR with No valid host (as Nova\'s conductor); 2.13 replies adminPass', async () => {
      const services = await app.t.request.get(`${API}/os-services`).set(as(app.t.tokens.admin)).set(v('2.53'));
      const svc = services.body.services.find((x: { binary: string; host: string }) => x.binary === 'nova-compute' && x.host === host());
      const down = (forced: boolean) => app.t.request.put(`${API}/os-services/${svc.id}`).set(as(app.t.tokens.admin)).set(v('2.53')).send({ forced_down: forced });
      const id = await booted('2.14', { networks: 'auto' });
      expect((await down(true)).status).to.equal(200);
      try {
        const res = await evac(id, '2.13', { onSharedStorage: false });
        expect(res.status, res.text).to.equal(200);
        expect(res.body).to.have.keys(['adminPass']);
        await app.t.services.tasks.idle();
        const i = await record(id);
        expect([i.vmState, i.taskState, i.host]).to.deep.equal(['error', null, host()]);
        expect(i.fault?.message).to.match(/^No valid host was found\./);
        const stateless = await evac(id, '2.14', {});
        expect([stateless.status, stateless.text]).to.deep.equal([200, '']);
      } finally {
        expect((await down(false)).status).to.equal(200);
      }
    });
  });

  describe('microversion 2.78: server topology', () => {
    it('is 404 before 2.78; from 2.78 a container has no NUMA topology: no nodes, no page size', async () => {
      const id = await booted('2.78', { networks: 'auto' });
      const get = (version: string, token = app.t.tokens.demo, server = id) => app.t.request.get(`${API}/servers/${server}/topology`).set(as(token)).set(v(version));
      expect((await get('2.77')).status).to.equal(404);
      for (const token of [app.t.tokens.demo, app.t.tokens.admin, app.t.tokens.reader]) {
        const res = await get('2.78', token);
        expect(res.status, res.text).to.equal(200);
        expect(res.body).to.deep.equal({ nodes: [], pagesize_kb: null });
      }
      expect((await get('2.78', app.t.tokens.alt)).status, "another project's server").to.equal(404);
    });
  });

  describe('microversion 2.79: volume attachments', () => {
    it('os-volume_attachments is not served (no volume service), at 2.79 as before it', async () => {
      const id = await booted('2.79', { networks: 'auto' });
      for (const version of ['2.1', '2.79']) {
        const res = await app.t.request.get(`${API}/servers/${id}/os-volume_attachments`).set(as(app.t.tokens.demo)).set(v(version));
        expect(res.status, version).to.equal(404);
      }
    });
  });

  describe('microversion 2.36 and 2.39: the image proxy', () => {
    it('GET /images and /images/{id} answer up to 2.35 and 404 from 2.36; DELETE too', async () => {
      const get = (path: string, version: string) => app.t.request.get(`${API}${path}`).set(as(app.t.tokens.demo)).set(v(version));
      expect((await get('/images', '2.35')).status).to.equal(200);
      expect((await get(`/images/${app.image}`, '2.35')).status).to.equal(200);
      expect((await get('/images', '2.36')).status).to.equal(404);
      expect((await get('/images/detail', '2.36')).status).to.equal(404);
      expect((await get(`/images/${app.image}`, '2.36')).status).to.equal(404);
      const del = await app.t.request.delete(`${API}/images/${app.image}`).set(as(app.t.tokens.admin)).set(v('2.36'));
      expect(del.status).to.equal(404);
      expect((await get(`/images/${app.image}`, '2.35')).status, 'the 2.36 delete did nothing').to.equal(200);
    });

    it('image metadata answers up to 2.38 and 404 from 2.39 (before validating the body)', async () => {
      const path = `${API}/images/${app.image}/metadata`;
      expect((await app.t.request.get(path).set(as(app.t.tokens.demo)).set(v('2.38'))).status).to.equal(200);
      expect((await app.t.request.get(path).set(as(app.t.tokens.demo)).set(v('2.39'))).status).to.equal(404);
      const bad = await app.t.request.post(path).set(as(app.t.tokens.admin)).set(v('2.39')).send({ nonsense: true });
      expect(bad.status).to.equal(404);
      const badOld = await app.t.request.post(path).set(as(app.t.tokens.admin)).set(v('2.38')).send({ nonsense: true });
      expect(badOld.status).to.equal(400);
    });
  });
});

describe('compute API: unshelve microversion 2.77 (availability_zone)', () => {
  const c = useComputeApp({ config: { shelvedOffloadTimeSec: -1 } });
  const v = (version: string) => ({ 'OpenStack-API-Version': `compute ${version}` });
  const act = (id: string, version: string, body: object) => c.t.request.post(`${API}/servers/${id}/action`)
    .set(as('shelveOffload' in body ? c.t.tokens.admin : c.t.tokens.demo)).set(v(version)).send(body); // shelveOffload is admin-only
  const state = async (id: string) => (await c.t.services.instances.find(id)).vmState;

  it('takes a zone only for an offloaded server (409 otherwise), 400 for an unknown zone, and schedules into the zone', async () => {
    const id = await c.boot('sh');
    expect((await act(id, '2.77', { shelve: null })).status).to.equal(202);
    await c.t.services.tasks.idle();
    expect(await state(id)).to.equal('shelved');

    expectBad(await act(id, '2.77', { unshelve: {} }), 'availability_zone');
    expectBad(await act(id, '2.77', { unshelve: { availability_zone: 'nova', host: 'x' } }), 'host');
    expectFault(await act(id, '2.77', { unshelve: { availability_zone: 'nova' } }), 409, 'conflictingRequest',
      `Specifying an availability zone or a host when unshelving server "${id}" with status "shelved" is not supported. The server status must be SHELVED_OFFLOADED.`);

    expect((await act(id, '2.77', { shelveOffload: null })).status).to.equal(202);
    await c.t.services.tasks.idle();
    expect(await state(id)).to.equal('shelved_offloaded');
    const unknown = await act(id, '2.77', { unshelve: { availability_zone: 'mars' } });
    expect([unknown.status, unknown.body.badRequest?.message]).to.deep.equal([400, 'The requested availability zone is not available']);
    // before 2.77 the body is not looked at
    expect((await act(id, '2.76', { unshelve: { availability_zone: 'mars' } })).status).to.equal(202);
    await c.t.services.tasks.idle();
    expect(await state(id)).to.equal('active');

    expect((await act(id, '2.77', { shelve: null })).status).to.equal(202);
    await c.t.services.tasks.idle();
    expect((await act(id, '2.77', { shelveOffload: null })).status).to.equal(202);
    await c.t.services.tasks.idle();
    const ok = await act(id, '2.77', { unshelve: { availability_zone: 'nova' } });
    expect(ok.status, ok.text).to.equal(202);
    await c.t.services.tasks.idle();
    const after = await c.t.services.instances.find(id);
    expect([after.vmState, after.host]).to.deep.equal(['active', c.t.config.computeHost]);
  });

  it('null is still an unshelve without a zone at 2.77', async () => {
    const id = await c.boot('sh2');
    expect((await act(id, '2.77', { shelve: null })).status).to.equal(202);
    await c.t.services.tasks.idle();
    expect((await act(id, '2.77', { unshelve: null })).status).to.equal(202);
    await c.t.services.tasks.idle();
    expect(await state(id)).to.equal('active');
  });

  function expectBad(res: { status: number; text: string; body: any }, field: string) { // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(res.status, res.text).to.equal(400);
    expect(res.body.badRequest.message).to.contain(field);
  }
});
