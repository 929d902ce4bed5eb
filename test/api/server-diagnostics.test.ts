import { expect } from 'chai';
import { makeTestApp } from '../helpers/app';
import { insertImage } from '../helpers/images';
import { bootServer, useComputeApp } from '../helpers/compute-app';
import { FakeDriver } from '../../src/drivers/fake/driver';
import type { DriverCapabilities, DriverInstance } from '../../src/drivers/driver';

class NoDiagnosticsDriver extends FakeDriver {
  override readonly capabilities: DriverCapabilities = Object.freeze({ ...new FakeDriver().capabilities, diagnostics: false });
}

describe('compute API: GET /servers/{id}/diagnostics', () => {
  const api = '/compute/v2.1';
  const as = (token: string, version?: string) => ({ 'x-auth-token': token, ...(version && { 'openstack-api-version': `compute ${version}` }) });
  const driver = new FakeDriver();
  const c = useComputeApp({ driver });
  const boot = (flavorRef?: string) => c.boot('vm', undefined, flavorRef);
  const diagnostics = (id: string, version?: string, token = c.t.tokens.admin, app = c.t) =>
    app.request.get(`${api}/servers/${id}/diagnostics`).set(as(token, version));

  // the project's instance quota is small: each test's servers go once it is done
  afterEach(async () => {
    const live = (await c.t.request.get(`${api}/servers`).set(as(c.t.tokens.demo))).body.servers as { id: string }[];
    for (const s of live) await c.t.request.delete(`${api}/servers/${s.id}`).set(as(c.t.tokens.admin));
    await c.t.services.tasks.idle();
  });

  it("before microversion 2.48: the driver's own counters, flat", async () => {
    const id = await boot('2'); // m1.small: 2048 MB
    const res = await diagnostics(id, '2.47');
    expect(res.status, res.text).to.equal(200);
    expect(res.body.memory).to.equal(2048 * 1024); // KiB, as libvirt's
    for (const v of Object.values(res.body)) expect(v).to.be.a('number');
  });

  it('microversion 2.48: the standardized form, from the driver', async () => {
    const id = await boot('3'); // m1.medium: 4096 MB, 2 vCPUs
    const res = await diagnostics(id, '2.48');
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.have.all.keys('state', 'driver', 'hypervisor', 'hypervisor_os', 'uptime', 'config_drive', 'num_cpus', 'num_nics',
      'num_disks', 'memory_details', 'cpu_details', 'nic_details', 'disk_details');
    expect(res.body).to.include({ state: 'running', driver: 'libvirt', hypervisor: 'fake', num_cpus: 2, num_nics: 1, num_disks: 1, config_drive: false });
    expect(res.body.memory_details.maximum).to.equal(4096);
    expect(res.body.cpu_details.map((c: { id: number }) => c.id)).to.deep.equal([0, 1]);
    expect(res.body.nic_details[0].mac_address).to.match(/^fa:16:3e:/);
    expect((await diagnostics(id, 'latest')).body.memory_details.maximum).to.equal(4096);
  });

  it('config_drive says whether the server has one', async () => {
    const res = await c.t.request.post(`${api}/servers`).set(as(c.t.tokens.demo)).send({ server: { name: 'cd', imageRef: c.image, flavorRef: '1', config_drive: true } });
    await c.t.services.tasks.idle();
    expect((await diagnostics(res.body.server.id, '2.48')).body.config_drive).to.equal(true);
  });

  it("409 unless the engine reports it running (Nova's power state check), with Nova's message", async () => {
    const id = await boot();
    expect((await c.t.request.post(`${api}/servers/${id}/action`).set(as(c.t.tokens.demo)).send({ 'os-stop': null })).status).to.equal(202);
    await c.t.services.tasks.idle();
    const res = await diagnostics(id, '2.48');
    expect(res.status).to.equal(409);
    expect(res.body.conflictingRequest.message).to.equal(`Cannot 'get_diagnostics' instance ${id} while it is in power state shutdown`);
    expect((await diagnostics(id)).status).to.equal(409);
    // paused
    const other = await boot();
    await c.t.request.post(`${api}/servers/${other}/action`).set(as(c.t.tokens.demo)).send({ pause: null });
    await c.t.services.tasks.idle();
    expect((await diagnostics(other, '2.48')).body.conflictingRequest.message).to.match(/while it is in power state paused$/);
    // the container went away behind our back: Nova's NOSTATE
    const gone = await boot();
    await driver.destroy({ uuid: gone } as DriverInstance);
    expect((await diagnostics(gone, '2.48')).body.conflictingRequest.message).to.match(/while it is in power state pending$/);
  });

  it('409 "not ready" for a server without a host', async () => {
    const id = await boot();
    await c.t.db('instances').where({ uuid: id }).update({ host: null });
    const res = await diagnostics(id, '2.48');
    expect(res.status).to.equal(409);
    expect(res.body.conflictingRequest.message).to.equal(`Instance ${id} is not ready`);
  });

  it("403 for the owner and its reader (admin-only policy, checked after the lookup as Nova does), 404 for another project and for an unknown server", async () => {
    const id = await boot();
    const own = await diagnostics(id, '2.48', c.t.tokens.demo);
    expect(own.status).to.equal(403);
    expect(own.body.forbidden.message).to.equal("Policy doesn't allow os_compute_api:os-server-diagnostics to be performed.");
    expect((await diagnostics(id, '2.48', c.t.tokens.alt)).status).to.equal(404);
    expect((await diagnostics(id, '2.48', c.t.tokens.reader)).status).to.equal(403);
    expect((await diagnostics('00000000-0000-0000-0000-000000000000', '2.48')).status).to.equal(404);
  });

  it('501 when the driver cannot report diagnostics', async () => {
    const other = await makeTestApp({ driver: new NoDiagnosticsDriver() });
    try {
      const img = await insertImage(other.db, other.projects.admin);
      const id = await bootServer(other, img);
      const res = await diagnostics(id, '2.48', other.tokens.admin, other);
      expect(res.status).to.equal(501);
      expect(res.body.notImplemented.message).to.equal('The requested functionality is not supported.');
    } finally {
      await other.close();
    }
  });
});
