import { expect } from 'chai';
import { makeTestApp, TestApp } from '../helpers/app';
import { insertImage } from '../helpers/images';
import { FakeDriver } from '../../src/drivers/fake/driver';
import type { DriverHealth } from '../../src/drivers/driver';

/** a fake whose engine can be made unreachable */
class FlakyDriver extends FakeDriver {
  down = false;
  override async health(): Promise<DriverHealth> {
    return this.down ? { state: 'unhealthy', detail: 'engine unreachable' } : super.health();
  }
}

describe('compute API: os-services and os-hypervisors', () => {
  const api = '/compute/v2.1';
  const as = (token: string) => ({ 'x-auth-token': token });
  let t: TestApp;
  let image: string;
  let host: string;
  const driver = new FlakyDriver();

  before(async () => {
    t = await makeTestApp({ driver });
    image = await insertImage(t.db, t.projects.admin);
    host = t.config.computeHost;
  });
  after(async () => { await t.close(); });

  const get = (path: string, token = t.tokens.admin) => t.request.get(`${api}${path}`).set(as(token));
  const put = (path: string, body: object, token = t.tokens.admin) => t.request.put(`${api}${path}`).set(as(token)).send(body);
  async function boot(flavorRef = '1'): Promise<string> {
    const res = await t.request.post(`${api}/servers`).set(as(t.tokens.demo)).send({ server: { name: 'vm', imageRef: image, flavorRef } });
    expect(res.status, res.text).to.equal(202);
    await t.services.tasks.idle();
    return res.body.server.id as string;
  }

  describe('os-services', () => {
    it('lists nova-compute for the compute host and the controller services, all up and enabled', async () => {
      const res = await get('/os-services');
      expect(res.status, res.text).to.equal(200);
      const byBinary = Object.fromEntries(res.body.services.map((s: { binary: string }) => [s.binary, s]));
      expect(Object.keys(byBinary).sort()).to.deep.equal(['nova-compute', 'nova-conductor', 'nova-scheduler']);
      expect(byBinary['nova-compute']).to.include({ host, zone: 'nova', state: 'up', status: 'enabled', disabled_reason: null });
      expect(byBinary['nova-compute'].id).to.be.a('number');
      expect(byBinary['nova-scheduler']).to.include({ state: 'up', status: 'enabled', zone: 'internal' });
      expect(byBinary['nova-compute'].updated_at).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    });

    it('filters by host and binary', async () => {
      const compute = await get(`/os-services?binary=nova-compute`);
      expect(compute.body.services.map((s: { host: string }) => s.host)).to.deep.equal([host]);
      const both = await get(`/os-services?host=${host}&binary=nova-compute`);
      expect(both.body.services).to.have.length(1);
      const none = await get(`/os-services?host=no-such-host`);
      expect(none.status).to.equal(200);
      expect(none.body.services).to.deep.equal([]);
      const wrong = await get(`/os-services?host=${host}&binary=nova-scheduler`);
      expect(wrong.body.services).to.deep.equal([]);
    });

    it('reports the compute service down when the engine is unhealthy (as of the last host poll)', async () => {
      driver.down = true;
      try {
        await t.services.hostPoll.refresh();
        const res = await get('/os-services?binary=nova-compute');
        expect(res.body.services[0].state).to.equal('down');
      } finally {
        driver.down = false;
        await t.services.hostPoll.refresh();
      }
    });

    it('is admin only (403 for members and readers)', async () => {
      for (const token of [t.tokens.demo, t.tokens.reader]) {
        const res = await get('/os-services', token);
        expect(res.status).to.equal(403);
        expect(res.body.forbidden.message).to.equal("Policy doesn't allow os_compute_api:os-services:list to be performed.");
      }
      const upd = await put('/os-services/disable', { host, binary: 'nova-compute' }, t.tokens.demo);
      expect(upd.status).to.equal(403);
      expect((await get('/os-services?binary=nova-compute')).body.services[0].status).to.equal('enabled');
    });

    it('disables a host: new servers go to ERROR with "No valid host"; enabled again, they boot', async () => {
      const disabled = await put('/os-services/disable', { host, binary: 'nova-compute' });
      expect(disabled.status, disabled.text).to.equal(200);
      expect(disabled.body).to.deep.equal({ service: { host, binary: 'nova-compute', status: 'disabled' } });
      expect((await get('/os-services?binary=nova-compute')).body.services[0].status).to.equal('disabled');

      const id = await boot();
      const s = (await get(`/servers/${id}`)).body.server;
      expect(s.status).to.equal('ERROR');
      expect(s.fault).to.include({ code: 500 });
      expect(s.fault.message).to.match(/^No valid host was found\./);

      const enabled = await put('/os-services/enable', { host, binary: 'nova-compute' });
      expect(enabled.status, enabled.text).to.equal(200);
      expect(enabled.body).to.deep.equal({ service: { host, binary: 'nova-compute', status: 'enabled' } });
      const ok = await boot();
      expect((await get(`/servers/${ok}`)).body.server.status).to.equal('ACTIVE');
      for (const x of [id, ok]) await t.request.delete(`${api}/servers/${x}`).set(as(t.tokens.demo));
      await t.services.tasks.idle();
    });

    it('disables with a reason (disable-log-reason), shown in the list', async () => {
      const res = await put('/os-services/disable-log-reason', { host, binary: 'nova-compute', disabled_reason: 'maintenance' });
      expect(res.status, res.text).to.equal(200);
      expect(res.body).to.deep.equal({ service: { host, binary: 'nova-compute', status: 'disabled', disabled_reason: 'maintenance' } });
      const svc = (await get('/os-services?binary=nova-compute')).body.services[0];
      expect(svc).to.include({ status: 'disabled', disabled_reason: 'maintenance' });
      const hyp = (await get('/os-hypervisors/detail')).body.hypervisors[0];
      expect(hyp.status).to.equal('disabled');
      expect(hyp.service.disabled_reason).to.equal('maintenance');
      expect((await put('/os-services/enable', { host, binary: 'nova-compute' })).status).to.equal(200);
      expect((await get('/os-services?binary=nova-compute')).body.services[0]).to.include({ status: 'enabled', disabled_reason: null });
    });

    it("answers Nova's 400 and 404", async () => {
      const noReason = await put('/os-services/disable-log-reason', { host, binary: 'nova-compute' });
      expect(noReason.status).to.equal(400);
      expect(noReason.body.badRequest.message).to.equal('Missing disabled reason field');
      const scheduler = await put('/os-services/disable', { host, binary: 'nova-scheduler' });
      expect(scheduler.status).to.equal(400);
      expect(scheduler.body.badRequest.message).to.equal('Updating a nova-scheduler service is not supported. Only nova-compute services can be updated.');
      const unknownHost = await put('/os-services/disable', { host: 'nohost', binary: 'nova-compute' });
      expect(unknownHost.status).to.equal(404);
      expect(unknownHost.body.itemNotFound.message).to.equal('Could not find binary nova-compute on host nohost.');
      const unknownAction = await put('/os-services/reboot', { host, binary: 'nova-compute' });
      expect(unknownAction.status).to.equal(404);
      expect(unknownAction.body.itemNotFound.message).to.equal('Unknown action');
      expect((await put('/os-services/disable', { host })).status).to.equal(400);
      expect((await put('/os-services/disable', { host, binary: 'nova-compute', extra: 1 })).status).to.equal(400);
    });
  });

  describe('os-hypervisors', () => {
    it('lists the compute host (summary and detail) with the engine totals', async () => {
      const list = await get('/os-hypervisors');
      expect(list.status, list.text).to.equal(200);
      expect(list.body.hypervisors).to.deep.equal([{ id: 1, hypervisor_hostname: host, state: 'up', status: 'enabled' }]);
      const detail = (await get('/os-hypervisors/detail')).body.hypervisors[0];
      expect(detail).to.include({ id: 1, hypervisor_hostname: host, vcpus: 8, memory_mb: 16384, local_gb: 200, hypervisor_type: 'fake', host_ip: '192.0.2.10' });
      expect(detail.service).to.include({ host });
      const shown = await get('/os-hypervisors/1');
      expect(shown.status).to.equal(200);
      expect(shown.body.hypervisor).to.deep.equal(detail);
    });

    it('sums the used resources from the flavors of the booted servers', async () => {
      const before = (await get('/os-hypervisors/statistics')).body.hypervisor_statistics;
      const a = await boot('1'); // 512 MB, 1 vCPU, 1 GB
      const b = await boot('2'); // 2048 MB, 1 vCPU, 20 GB
      const stats = await get('/os-hypervisors/statistics');
      expect(stats.status, stats.text).to.equal(200);
      const s = stats.body.hypervisor_statistics;
      expect(s).to.include({ count: 1, vcpus: 8, memory_mb: 16384, local_gb: 200 });
      expect(s.running_vms - before.running_vms).to.equal(2);
      expect(s.vcpus_used - before.vcpus_used).to.equal(2);
      expect(s.memory_mb_used - before.memory_mb_used).to.equal(2560);
      expect(s.local_gb_used - before.local_gb_used).to.equal(21);
      expect(s.free_ram_mb).to.equal(16384 - s.memory_mb_used);
      const detail = (await get('/os-hypervisors/1')).body.hypervisor;
      expect(detail).to.include({ running_vms: s.running_vms, memory_mb_used: s.memory_mb_used });

      const servers = await get(`/os-hypervisors/${host}/servers`);
      expect(servers.status).to.equal(200);
      const uuids = servers.body.hypervisors[0].servers.map((x: { uuid: string }) => x.uuid);
      expect(uuids).to.include.members([a, b]);

      for (const x of [a, b]) await t.request.delete(`${api}/servers/${x}`).set(as(t.tokens.demo));
      await t.services.tasks.idle();
      const after = (await get('/os-hypervisors/statistics')).body.hypervisor_statistics;
      expect(after.running_vms).to.equal(before.running_vms);
    });

    it('searches by host name and reports uptime', async () => {
      const search = await get(`/os-hypervisors/${host.slice(0, 3)}/search`);
      expect(search.status).to.equal(200);
      expect(search.body.hypervisors).to.deep.equal([{ id: 1, hypervisor_hostname: host, state: 'up', status: 'enabled' }]);
      const uptime = await get('/os-hypervisors/1/uptime');
      expect(uptime.status, uptime.text).to.equal(200);
      expect(uptime.body.hypervisor).to.include({ id: 1, hypervisor_hostname: host });
      expect(uptime.body.hypervisor.uptime).to.match(/ up 1:00,/);
    });

    it("answers Nova's 404s", async () => {
      for (const path of ['/os-hypervisors/99', '/os-hypervisors/99/uptime', '/os-hypervisors/abc']) {
        const res = await get(path);
        expect(res.status, path).to.equal(404);
        expect(res.body.itemNotFound.message).to.match(/^Hypervisor with ID '.*' could not be found\.$/);
      }
      for (const path of ['/os-hypervisors/nomatch/search', '/os-hypervisors/nomatch/servers']) {
        const res = await get(path);
        expect(res.status, path).to.equal(404);
        expect(res.body.itemNotFound.message).to.equal("No hypervisor matching 'nomatch' could be found.");
      }
    });

    it('is admin only', async () => {
      for (const path of ['/os-hypervisors', '/os-hypervisors/detail', '/os-hypervisors/1', '/os-hypervisors/statistics',
        '/os-hypervisors/1/uptime', `/os-hypervisors/${host}/search`, `/os-hypervisors/${host}/servers`]) {
        const res = await get(path, t.tokens.demo);
        expect(res.status, path).to.equal(403);
        expect(res.body.forbidden.message).to.match(/^Policy doesn't allow os_compute_api:os-hypervisors:[a-z-]+ to be performed\.$/);
      }
    });
  });
});
