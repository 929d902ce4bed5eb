import { expect } from 'chai';
import { API, as, useComputeApp } from '../helpers/compute-app';

/** The deprecated os-hosts API (Nova's hosts.py): 2.1–2.42, admin only. */
describe('compute API: os-hosts', () => {
  const c = useComputeApp();
  let host: string;
  before(() => { host = c.t.config.computeHost; });

  const req = (method: 'get' | 'put', path: string, token?: string, version = '2.1') =>
    c.t.request[method](`${API}${path}`).set(as(token ?? c.t.tokens.admin)).set('X-OpenStack-Nova-API-Version', version);

  it('lists the compute host and the controller services with their zones', async () => {
    const res = await req('get', '/os-hosts');
    expect(res.status, res.text).to.equal(200);
    const hosts = res.body.hosts as { host_name: string; service: string; zone: string }[];
    expect(hosts.length).to.be.at.least(2);
    expect(hosts).to.deep.include({ host_name: host, service: 'compute', zone: 'nova' });
    expect(hosts.filter((h) => h.service === 'scheduler' || h.service === 'conductor').map((h) => h.zone)).to.deep.equal(['internal', 'internal']);
  });

  it('filters by zone: an unknown zone lists nothing, a blank zone everything', async () => {
    const all = (await req('get', '/os-hosts')).body.hosts;
    expect((await req('get', '/os-hosts?zone=nova')).body.hosts).to.deep.equal([{ host_name: host, service: 'compute', zone: 'nova' }]);
    expect((await req('get', '/os-hosts?zone=xxx')).body.hosts).to.deep.equal([]);
    expect((await req('get', '/os-hosts?zone=')).body.hosts).to.deep.equal(all);
  });

  it("shows a compute host's resources: total, used_now, used_max, then per project", async () => {
    const server = await c.boot('on-host');
    const res = await req('get', `/os-hosts/${host}`);
    expect(res.status, res.text).to.equal(200);
    const rows = res.body.host.map((r: { resource: { project: string } }) => r.resource);
    expect(rows.map((r: { project: string }) => r.project)).to.deep.equal(['(total)', '(used_now)', '(used_max)', c.t.projects.demo]);
    expect(rows[2]).to.deep.equal({ host, project: '(used_max)', cpu: 1, memory_mb: 512, disk_gb: 1 });
    expect(rows[3]).to.deep.equal({ host, project: c.t.projects.demo, cpu: 1, memory_mb: 512, disk_gb: 1 });
    await c.t.request.delete(`${API}/servers/${server}`).set(as(c.t.tokens.demo));
    await c.t.services.tasks.idle();
  });

  it('answers 404 for a host that is not a compute host', async () => {
    const res = await req('get', '/os-hosts/nonexistent_hostname');
    expect(res.status).to.equal(404);
    expect(res.body.itemNotFound.message).to.equal("Host 'nonexistent_hostname' is not mapped to any cell");
  });

  it('update: 400 for a bad or empty body, 404 for an unknown host, 501 (no driver can) for a known one', async () => {
    expect((await req('put', `/os-hosts/${host}`).send({ status: 'invalid', maintenance_mode: 'enable' })).status).to.equal(400);
    expect((await req('put', `/os-hosts/${host}`).send({ status: null, maintenance_mode: null })).status).to.equal(400);
    expect((await req('put', `/os-hosts/${host}`).send({})).status).to.equal(400);
    const unknown = await req('put', '/os-hosts/nonexistent_hostname').send({ status: 'enable' });
    expect(unknown.status).to.equal(404);
    expect(unknown.body.itemNotFound.message).to.equal('Compute host nonexistent_hostname could not be found.');
    const known = await req('put', `/os-hosts/${host}`).send({ status: 'enable', maintenance_mode: 'disable' });
    expect(known.status).to.equal(501);
    expect(known.body.notImplemented.message).to.equal('The requested functionality is not supported.');
  });

  it('startup, shutdown and reboot: 404 for an unknown host, 501 for a known one', async () => {
    for (const action of ['startup', 'shutdown', 'reboot']) {
      expect((await req('get', `/os-hosts/nonexistent_hostname/${action}`)).status, action).to.equal(404);
      expect((await req('get', `/os-hosts/${host}/${action}`)).status, action).to.equal(501);
    }
  });

  it('is admin only: members and readers get 403 on every route', async () => {
    for (const token of [c.t.tokens.demo, c.t.tokens.reader]) {
      expect((await req('get', '/os-hosts', token)).status).to.equal(403);
      expect((await req('get', `/os-hosts/${host}`, token)).status).to.equal(403);
      expect((await req('put', `/os-hosts/${host}`, token).send({ status: 'enable' })).status).to.equal(403);
      for (const action of ['startup', 'shutdown', 'reboot']) expect((await req('get', `/os-hosts/${host}/${action}`, token)).status).to.equal(403);
    }
  });

  describe('microversion 2.43', () => {
    it('every os-hosts route answers 404 from microversion 2.43 (2.42 still serves them)', async () => {
      expect((await req('get', '/os-hosts', undefined, '2.42')).status).to.equal(200);
      for (const version of ['2.43', 'latest']) {
        const list = await req('get', '/os-hosts', undefined, version);
        expect(list.status, version).to.equal(404);
        expect(list.body.itemNotFound.message).to.equal('The resource could not be found.');
        expect((await req('get', `/os-hosts/${host}`, undefined, version)).status).to.equal(404);
        expect((await req('put', `/os-hosts/${host}`, undefined, version).send({ status: 'bogus' })).status).to.equal(404);
        for (const action of ['startup', 'shutdown', 'reboot']) expect((await req('get', `/os-hosts/${host}/${action}`, undefined, version)).status).to.equal(404);
      }
    });
  });
});
