import { expect } from 'chai';
import { API, as, useComputeApp } from '../helpers/compute-app';
import { tempestAvailable, tempestEntry, tempestProblems } from '../helpers/tempest-server-schemas';
import { MAX_VERSION } from '../../src/api/microversion';

/**
 * The server representation per microversion (show, list, detail, update and rebuild replies) and
 * the list query per microversion. Every reply is also checked against our own response schema by
 * the test app (responseValidation 'error'); the first suite checks them against tempest's.
 */
describe('compute API: server views per microversion', () => {
  const app = useComputeApp();
  const api = API;
  const at = (version: string) => ({ 'OpenStack-API-Version': `compute ${version}` });
  const get = (path: string, version: string, token = app.t.tokens.demo) => app.t.request.get(`${api}${path}`).set(as(token)).set(at(version));
  const show = async (id: string, version: string, token = app.t.tokens.demo) => {
    const res = await get(`/servers/${id}`, version, token);
    expect(res.status, res.text).to.equal(200);
    return res.body.server;
  };
  const update = async (id: string, version: string, token = app.t.tokens.demo, server: object = {}) => {
    const res = await app.t.request.put(`${api}/servers/${id}`).set(as(token)).set(at(version)).send({ server });
    expect(res.status, res.text).to.equal(200);
    return res.body.server;
  };
  const rebuild = async (id: string, version: string, token = app.t.tokens.demo) => {
    const res = await app.t.request.post(`${api}/servers/${id}/action`).set(as(token)).set(at(version)).send({ rebuild: { imageRef: app.image } });
    expect(res.status, res.text).to.equal(202);
    await app.t.services.tasks.idle();
    return res.body.server;
  };
  const detailOf = async (id: string, version: string, token = app.t.tokens.demo, query = '') => {
    const res = await get(`/servers/detail${query}`, version, token);
    expect(res.status, res.text).to.equal(200);
    return res.body.servers.find((x: { id: string }) => x.id === id);
  };
  const ids = async (version: string, query: string, token = app.t.tokens.demo) => {
    const res = await get(`/servers${query}`, version, token);
    expect(res.status, res.text).to.equal(200);
    return res.body.servers.map((x: { id: string }) => x.id) as string[];
  };

  let server: string;
  let groupId: string;
  before(async () => {
    const g = await app.t.request.post(`${api}/os-server-groups`).set(as(app.t.tokens.demo)).send({ server_group: { name: 'g', policies: ['affinity'] } });
    expect(g.status, g.text).to.equal(200);
    groupId = g.body.server_group.id;
    const res = await app.t.request.post(`${api}/servers`).set(as(app.t.tokens.demo))
      .send({ server: { name: 'views', imageRef: app.image, flavorRef: '1' }, 'os:scheduler_hints': { group: groupId } });
    expect(res.status, res.text).to.equal(202);
    await app.t.services.tasks.idle();
    server = res.body.server.id;
  });

  describe("tempest's own response schemas", function () {
    before(function () {
      if (!tempestAvailable()) this.skip(); // tempest comes with scripts/install-deps.sh
    });

    const versions = Array.from({ length: MAX_VERSION.minor }, (_, n) => `2.${n + 1}`);
    const check = (name: Parameters<typeof tempestProblems>[0], version: string, body: unknown, who: string) =>
      expect(tempestProblems(name, version, body), `${name} at ${version} as ${who} (${tempestEntry(version).module})`).to.deep.equal([]);

    it('validates show, list, detail and update at every microversion 2.1 … max (microversion 2.3 … 2.79), as member and admin', async () => {
      for (const version of versions) {
        for (const [who, token] of [['demo', app.t.tokens.demo], ['admin', app.t.tokens.admin]] as const) {
          check('get_server', version, (await get(`/servers/${server}`, version, token)).body, who);
          check('list_servers', version, (await get('/servers', version, token)).body, who);
          check('list_servers_detail', version, (await get('/servers/detail', version, token)).body, who);
          const put = await app.t.request.put(`${api}/servers/${server}`).set(as(token)).set(at(version)).send({ server: { name: 'views' } });
          expect(put.status, put.text).to.equal(200);
          check('update_server', version, put.body, who);
        }
      }
    });

    it('validates the rebuild reply at every microversion (tempest rebuild_server_with_admin_pass)', async () => {
      for (const version of versions) {
        const token = Number(version.split('.')[1]) % 2 ? app.t.tokens.admin : app.t.tokens.demo;
        check('rebuild_server_with_admin_pass', version, { server: await rebuild(server, version, token) }, 'member/admin');
      }
    });

    it('fails on a body tempest would refuse (the check can fail)', async () => {
      const body = (await get(`/servers/${server}`, '2.9', app.t.tokens.demo)).body;
      delete body.server.locked;
      expect(tempestProblems('get_server', '2.9', body)).to.not.deep.equal([]);
      expect(tempestProblems('get_server', '2.8', { server: { ...body.server, locked: true } })).to.not.deep.equal([]);
    });
  });

  it('microversion 2.3: admins see the EC2 attributes and volumes carry delete_on_termination', async () => {
    const admin22 = await show(server, '2.2', app.t.tokens.admin);
    expect(admin22).to.not.have.property('OS-EXT-SRV-ATTR:reservation_id');
    const admin23 = await show(server, '2.3', app.t.tokens.admin);
    const instance = await app.t.services.instances.find(server);
    expect(admin23['OS-EXT-SRV-ATTR:reservation_id']).to.equal(instance.reservationId);
    expect(admin23['OS-EXT-SRV-ATTR:launch_index']).to.equal(0);
    expect(admin23['OS-EXT-SRV-ATTR:hostname']).to.equal(instance.hostname);
    for (const k of ['kernel_id', 'ramdisk_id', 'root_device_name', 'user_data']) expect(admin23).to.have.property(`OS-EXT-SRV-ATTR:${k}`);
    expect(admin23['os-extended-volumes:volumes_attached']).to.deep.equal([]);
    const member23 = await show(server, '2.3');
    expect(Object.keys(member23).filter((k) => k.startsWith('OS-EXT-SRV-ATTR:'))).to.deep.equal([]);
    // the detail list too
    expect(await detailOf(server, '2.3', app.t.tokens.admin, '?all_tenants=1')).to.have.property('OS-EXT-SRV-ATTR:launch_index', 0);
  });

  it('microversion 2.5: non-admins may filter by ip6 (ignored for them before)', async () => {
    const before = await app.t.services.instances.find(server);
    await app.t.services.instances.update(server, { addresses: [...before.addresses, { network: 'private', addr: 'fd00::42', version: 6, mac: null }] });
    try {
      expect(await ids('2.4', '?ip6=fd00::9')).to.include(server); // stripped: lists everything
      expect(await ids('2.5', '?ip6=fd00::9')).to.not.include(server);
      expect(await ids('2.5', '?ip6=fd00::4')).to.include(server);
      // ip matches IPv4 addresses only (Nova's _ip_filter)
      expect(await ids('2.5', '?ip=fd00')).to.not.include(server);
    } finally {
      await app.t.services.instances.update(server, { addresses: before.addresses });
    }
  });

  it('microversion 2.9: locked appears in show, detail, update and rebuild replies', async () => {
    expect(await show(server, '2.8')).to.not.have.property('locked');
    expect(await update(server, '2.8')).to.not.have.property('locked');
    expect(await show(server, '2.9')).to.have.property('locked', false);
    expect(await detailOf(server, '2.9')).to.have.property('locked', false);
    expect(await update(server, '2.9')).to.have.property('locked', false);
    expect(await rebuild(server, '2.9')).to.have.property('locked', false);
    await app.t.services.instances.update(server, { locked: true, lockedBy: 'owner' });
    try {
      expect(await show(server, '2.9')).to.have.property('locked', true);
    } finally {
      await app.t.services.instances.update(server, { locked: false, lockedBy: null });
    }
  });

  it("microversion 2.16: host_status for admins, from the host's nova-compute service", async () => {
    const host = (await app.t.services.instances.find(server)).host!;
    expect(await show(server, '2.15', app.t.tokens.admin)).to.not.have.property('host_status');
    expect(await show(server, '2.16')).to.not.have.property('host_status');
    expect(await show(server, '2.16', app.t.tokens.admin)).to.have.property('host_status', 'UP');
    expect(await detailOf(server, '2.16', app.t.tokens.admin, '?all_tenants=1')).to.have.property('host_status', 'UP');
    // PUT's reply only has it from 2.75 (all attributes)
    expect(await update(server, '2.74', app.t.tokens.admin)).to.not.have.property('host_status');
    expect(await update(server, '2.75', app.t.tokens.admin)).to.have.property('host_status', 'UP');
    await app.t.services.hostServices.setEnabled(host, 'nova-compute', false, 'maintenance');
    try {
      expect(await show(server, '2.16', app.t.tokens.admin)).to.have.property('host_status', 'MAINTENANCE');
      await app.t.services.hostServices.setForcedDown(host, 'nova-compute', true);
      expect(await show(server, '2.16', app.t.tokens.admin)).to.have.property('host_status', 'DOWN');
    } finally {
      await app.t.services.hostServices.setForcedDown(host, 'nova-compute', false);
      await app.t.services.hostServices.setEnabled(host, 'nova-compute', true);
    }
    expect(await show(server, '2.16', app.t.tokens.admin)).to.have.property('host_status', 'UP');
  });

  it('microversion 2.19: description (null when unset) in show, detail, update and rebuild', async () => {
    expect(await show(server, '2.18')).to.not.have.property('description');
    // booted at 2.1, its description is its name (Nova's default before 2.19); cleared, it shows null
    expect(await show(server, '2.19')).to.have.property('description', 'views');
    await app.t.services.instances.update(server, { description: null });
    expect(await show(server, '2.19')).to.have.property('description', null);
    expect(await update(server, '2.19')).to.have.property('description', null);
    await app.t.services.instances.update(server, { description: 'a web server' });
    try {
      expect(await show(server, '2.19')).to.have.property('description', 'a web server');
      expect(await detailOf(server, '2.19')).to.have.property('description', 'a web server');
      expect(await rebuild(server, '2.19')).to.have.property('description', 'a web server');
    } finally {
      await app.t.services.instances.update(server, { description: null });
    }
  });

  it('microversion 2.38: an unknown status filter is a 400 (an empty list before)', async () => {
    expect(await ids('2.37', '?status=nonsense')).to.deep.equal([]);
    const res = await get('/servers?status=nonsense', '2.38');
    expect(res.status, res.text).to.equal(400);
    expect(res.body).to.deep.equal({ badRequest: { code: 400, message: 'Invalid status value' } });
    expect((await get('/servers/detail?status=nonsense', '2.38', app.t.tokens.admin)).status).to.equal(400);
    expect(await ids('2.38', '?status=active')).to.include(server);
  });

  it('microversion 2.47: the flavor is embedded with its extra specs instead of id and links', async () => {
    await app.t.services.flavors.setExtraSpecs('1', { 'hw:cpu_policy': 'shared' });
    expect(Object.keys((await show(server, '2.46')).flavor).sort()).to.deep.equal(['id', 'links']);
    const flavor = { vcpus: 1, ram: 512, disk: 1, ephemeral: 0, swap: 0, original_name: 'm1.tiny', extra_specs: { 'hw:cpu_policy': 'shared' } };
    expect((await show(server, '2.47')).flavor).to.deep.equal(flavor);
    expect((await detailOf(server, '2.47')).flavor).to.deep.equal(flavor);
    expect((await update(server, '2.47')).flavor).to.deep.equal(flavor);
    expect((await rebuild(server, '2.47')).flavor).to.deep.equal(flavor);
  });

  it('microversion 2.63: trusted_image_certificates (null: not supported) in show, detail, update and rebuild', async () => {
    expect(await show(server, '2.62')).to.not.have.property('trusted_image_certificates');
    expect(await show(server, '2.63')).to.have.property('trusted_image_certificates', null);
    expect(await detailOf(server, '2.63')).to.have.property('trusted_image_certificates', null);
    expect(await update(server, '2.63')).to.have.property('trusted_image_certificates', null);
    expect(await rebuild(server, '2.63')).to.have.property('trusted_image_certificates', null);
  });

  it('microversion 2.66: changes-before (with changes-since; 400 when before < since)', async () => {
    const updated = (await app.t.services.instances.find(server)).updatedAt.getTime();
    const iso = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
    expect(await ids('2.66', `?changes-before=${iso(updated - 60_000)}`)).to.not.include(server);
    expect(await ids('2.66', `?changes-before=${iso(updated + 60_000)}`)).to.include(server);
    expect(await ids('2.65', `?changes-before=${iso(updated - 60_000)}`)).to.include(server); // a non-admin's unknown filter is stripped
    expect(await ids('2.66', `?changes-since=${iso(updated - 60_000)}&changes-before=${iso(updated + 60_000)}`)).to.include(server);
    const inverted = await get(`/servers?changes-since=${iso(updated)}&changes-before=${iso(updated - 60_000)}`, '2.66');
    expect(inverted.status, inverted.text).to.equal(400);
    expect(inverted.body.badRequest.message).to.equal('The value of changes-since must be less than or equal to changes-before.');
    expect((await get('/servers?changes-before=2011/01/01', '2.66')).status).to.equal(400);
  });

  it('microversion 2.69: one cell is never down, so list, detail and show answer full servers', async () => {
    const listed = await get('/servers', '2.69');
    expect(listed.body.servers.find((x: { id: string }) => x.id === server)).to.have.property('name', 'views');
    const detail = await detailOf(server, '2.69');
    expect(detail.status).to.equal('ACTIVE');
    expect(detail).to.have.property('flavor');
    expect((await show(server, '2.69')).status).to.equal('ACTIVE');
  });

  it('microversion 2.71: server_groups in show, update and rebuild (not in detail)', async () => {
    expect(await show(server, '2.70')).to.not.have.property('server_groups');
    expect(await show(server, '2.71')).to.have.deep.property('server_groups', [groupId]);
    expect(await update(server, '2.71')).to.have.deep.property('server_groups', [groupId]);
    expect(await rebuild(server, '2.71')).to.have.deep.property('server_groups', [groupId]);
    expect(await detailOf(server, '2.71')).to.not.have.property('server_groups');
    const other = await app.boot('ungrouped');
    expect(await show(other, '2.71')).to.have.deep.property('server_groups', []);
    expect((await app.t.request.delete(`${api}/servers/${other}`).set(as(app.t.tokens.demo))).status).to.equal(204);
    await app.t.services.tasks.idle();
  });

  it('microversion 2.73: locked_reason and the locked filter', async () => {
    expect(await show(server, '2.72')).to.not.have.property('locked_reason');
    expect(await show(server, '2.73')).to.have.property('locked_reason', null);
    await app.t.services.instances.update(server, { locked: true, lockedBy: 'owner', lockedReason: 'maintenance window' });
    try {
      expect(await show(server, '2.73')).to.have.property('locked_reason', 'maintenance window');
      expect(await detailOf(server, '2.73')).to.have.property('locked_reason', 'maintenance window');
      expect(await update(server, '2.73')).to.have.property('locked_reason', 'maintenance window');
      expect(await ids('2.73', '?locked=true')).to.include(server);
      expect(await ids('2.73', '?locked=false')).to.not.include(server);
      expect(await ids('2.72', '?locked=false')).to.include(server); // not a filter for non-admins before 2.73
      const bad = await get('/servers?locked=maybe', '2.73');
      expect(bad.status, bad.text).to.equal(400);
    } finally {
      await app.t.services.instances.update(server, { locked: false, lockedBy: null, lockedReason: null });
    }
    expect(await ids('2.73', '?locked=false')).to.include(server);
  });

  it('microversion 2.75: PUT and rebuild replies carry the whole server; unknown list parameters are a 400', async () => {
    const put74 = await update(server, '2.74');
    expect(put74).to.not.have.property('OS-EXT-STS:vm_state');
    expect(put74).to.not.have.property('key_name');
    const put75 = await update(server, '2.75');
    for (const k of ['OS-EXT-STS:vm_state', 'OS-EXT-STS:task_state', 'OS-EXT-STS:power_state', 'OS-EXT-AZ:availability_zone',
      'config_drive', 'key_name', 'security_groups', 'OS-SRV-USG:launched_at', 'os-extended-volumes:volumes_attached']) {
      expect(put75, k).to.have.property(k);
    }
    expect(put75.addresses.private[0]).to.have.property('OS-EXT-IPS:type', 'fixed');
    const rebuilt = await rebuild(server, '2.75', app.t.tokens.admin);
    expect(rebuilt).to.have.property('OS-EXT-STS:vm_state');
    expect(rebuilt).to.have.property('OS-EXT-SRV-ATTR:host');
    expect(rebuilt).to.have.property('user_data');
    expect(rebuilt).to.not.have.property('OS-EXT-SRV-ATTR:user_data');

    expect(await ids('2.74', '?foo=bar')).to.include(server);
    const strict = await get('/servers?foo=bar', '2.75');
    expect(strict.status, strict.text).to.equal(400);
    expect((await get('/servers/detail?foo=bar', '2.75')).status).to.equal(400);
    expect((await get('/servers?sort_key=vcpus', '2.75')).status).to.equal(400);
    expect(await ids('2.75', '?name=views&limit=5')).to.include(server);
  });

  it('answers an admin filter on a joined table with 400 (Nova: Invalid filter field)', async () => {
    const res = await get('/servers?metadata=x', '2.1', app.t.tokens.admin);
    expect(res.status, res.text).to.equal(400);
    expect(res.body.badRequest.message).to.equal('Invalid filter field: metadata.');
    expect(await ids('2.1', '?metadata=x')).to.include(server); // stripped for non-admins
  });
});
