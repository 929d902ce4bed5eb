import { expect } from 'chai';
import { makeTestApp, TestApp } from '../helpers/app';
import { insertImage } from '../helpers/images';

describe('compute API: os-simple-tenant-usage', () => {
  const api = '/compute/v2.1';
  const as = (token: string, version?: string) => ({ 'x-auth-token': token, ...(version && { 'openstack-api-version': `compute ${version}` }) });
  let t: TestApp;
  let image: string;
  const iso = (d: Date) => d.toISOString().slice(0, 23);
  const hour = 3_600_000;

  async function boot(token: string, name = 'vm', flavorRef = '1'): Promise<string> {
    const res = await t.request.post(`${api}/servers`).set(as(token)).send({ server: { name, imageRef: image, flavorRef } });
    expect(res.status, res.text).to.equal(202);
    await t.services.tasks.idle();
    return res.body.server.id as string;
  }

  /** moves an instance's launch (and termination) back in time, as if it had run then */
  async function setTimes(uuid: string, launchedAt: Date, terminatedAt: Date | null = null): Promise<void> {
    await t.db('instances').where({ uuid }).update({ launched_at: launchedAt.getTime(), terminated_at: terminatedAt ? terminatedAt.getTime() : null });
  }

  before(async () => {
    t = await makeTestApp();
    image = await insertImage(t.db, t.projects.admin);
  });
  after(async () => { await t.close(); });

  describe('usage from the instances table', () => {
    let a: string;
    let b: string;
    let gone: string;
    let old: string;
    let altServer: string;
    const now = Math.floor(Date.now() / 1000) * 1000 - 877; // .123: a fraction Nova shows
    const start = new Date(now - 10 * hour);
    const end = new Date(now - 2 * hour);

    before(async () => {
      a = await boot(t.tokens.demo, 'a', '1'); // m1.tiny: 512 MB, 1 vCPU, 1 GB
      b = await boot(t.tokens.demo, 'b', '2'); // m1.small: 2048 MB, 1 vCPU, 20 GB
      gone = await boot(t.tokens.demo, 'gone', '1');
      old = await boot(t.tokens.demo, 'old', '1');
      altServer = await boot(t.tokens.alt, 'alt', '1');
      await setTimes(a, new Date(now - 20 * hour)); // ran the whole window: 8 h
      await setTimes(b, new Date(now - 4 * hour)); // launched 2 h before the window ends
      // deleted, through the API, then dated: ran 1 h of the window
      expect((await t.request.delete(`${api}/servers/${gone}`).set(as(t.tokens.demo))).status).to.equal(204);
      await t.services.tasks.idle();
      await setTimes(gone, new Date(now - 12 * hour), new Date(now - 9 * hour));
      await setTimes(old, new Date(now - 30 * hour), new Date(now - 11 * hour)); // ended before the window
      await setTimes(altServer, new Date(now - 1 * hour)); // launched after the window
    });

    it('sums hours and flavor resources per project, deleted servers included (show, as the owner)', async () => {
      const asked = Date.now();
      const res = await t.request.get(`${api}/os-simple-tenant-usage/${t.projects.demo}?start=${iso(start)}&end=${iso(end)}`).set(as(t.tokens.demo));
      expect(res.status, res.text).to.equal(200);
      const u = res.body.tenant_usage;
      expect(u).to.have.all.keys('tenant_id', 'server_usages', 'start', 'stop', 'total_hours', 'total_local_gb_usage', 'total_memory_mb_usage', 'total_vcpus_usage');
      expect(u.tenant_id).to.equal(t.projects.demo);
      expect(u.start).to.equal(`${iso(start)}000`);
      expect(u.stop).to.equal(`${iso(end)}000`);
      const byId = Object.fromEntries(u.server_usages.map((s: { instance_id: string }) => [s.instance_id, s]));
      expect(Object.keys(byId).sort()).to.deep.equal([a, b, gone].sort());
      expect(byId[a].hours).to.be.closeTo(8, 1e-6);
      expect(byId[b].hours).to.be.closeTo(2, 1e-6);
      expect(byId[gone].hours).to.be.closeTo(1, 1e-6);
      expect(byId[gone].state).to.equal('terminated');
      expect(byId[gone].ended_at).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/);
      expect(byId[gone].uptime).to.equal(3 * 3600);
      expect(byId[a]).to.include({ state: 'active', ended_at: null, flavor: 'm1.tiny', memory_mb: 512, vcpus: 1, local_gb: 1, name: 'a', tenant_id: t.projects.demo });
      // uptime runs to the moment of the request; `now` was fixed when the suite was loaded
      const upSeconds = (asked - (now - 20 * hour)) / 1000;
      expect(byId[a].uptime).to.be.within(Math.floor(upSeconds) - 1, upSeconds + 10);
      expect(byId[b]).to.include({ flavor: 'm1.small', memory_mb: 2048, local_gb: 20 });
      expect(u.total_hours).to.be.closeTo(11, 1e-6);
      expect(u.total_memory_mb_usage).to.be.closeTo(8 * 512 + 2 * 2048 + 512, 1e-3);
      expect(u.total_vcpus_usage).to.be.closeTo(11, 1e-6);
      expect(u.total_local_gb_usage).to.be.closeTo(8 + 2 * 20 + 1, 1e-6);
    });

    it('lists every project for an admin; server_usages only with detailed=1', async () => {
      const wide = `start=${iso(new Date(now - 40 * hour))}&end=${iso(new Date(now + 24 * hour))}`;
      const res = await t.request.get(`${api}/os-simple-tenant-usage?${wide}&detailed=1`).set(as(t.tokens.admin));
      expect(res.status, res.text).to.equal(200);
      const projects = res.body.tenant_usages.map((u: { tenant_id: string }) => u.tenant_id);
      expect(projects).to.include.members([t.projects.demo, t.projects.alt]);
      for (const u of res.body.tenant_usages) expect(Object.keys(u)).to.have.length(8); // tempest counts 8 keys
      // the end is capped at now
      expect(Date.parse(`${res.body.tenant_usages[0].stop}Z`)).to.be.at.most(Date.now());
      const plain = await t.request.get(`${api}/os-simple-tenant-usage?${wide}`).set(as(t.tokens.admin));
      for (const u of plain.body.tenant_usages) expect(u).to.not.have.property('server_usages');
    });

    it('answers {} for a project without usage in the window', async () => {
      const res = await t.request.get(`${api}/os-simple-tenant-usage/${t.projects.alt}?start=${iso(start)}&end=${iso(end)}`).set(as(t.tokens.admin));
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ tenant_usage: {} });
    });

    it('pages by limit and marker from microversion 2.40, with a next link', async () => {
      const wide = `start=${iso(new Date(now - 40 * hour))}&end=${iso(new Date(now + hour))}`;
      const first = await t.request.get(`${api}/os-simple-tenant-usage/${t.projects.demo}?${wide}&limit=2`).set(as(t.tokens.admin, '2.40'));
      expect(first.status, first.text).to.equal(200);
      const ids = [a, b, gone, old].sort();
      expect(first.body.tenant_usage.server_usages.map((s: { instance_id: string }) => s.instance_id)).to.deep.equal(ids.slice(0, 2));
      const next = first.body.tenant_usage_links[0];
      expect(next.rel).to.equal('next');
      const url = new URL(next.href);
      expect(url.pathname).to.equal(`/compute/v2.1/os-simple-tenant-usage/${t.projects.demo}`);
      expect(url.searchParams.get('marker')).to.equal(ids[1]);
      expect(url.searchParams.get('limit')).to.equal('2');
      const second = await t.request.get(`${url.pathname.replace('/compute/v2.1', api)}${url.search}`).set(as(t.tokens.admin, '2.40'));
      expect(second.body.tenant_usage.server_usages.map((s: { instance_id: string }) => s.instance_id)).to.deep.equal(ids.slice(2, 4));
      const last = await t.request.get(`${api}/os-simple-tenant-usage/${t.projects.demo}?${wide}&limit=2&marker=${ids[3]}`).set(as(t.tokens.admin, '2.40'));
      expect(last.body).to.deep.equal({ tenant_usage: {} });
      // all projects, ordered by project then uuid
      const all = await t.request.get(`${api}/os-simple-tenant-usage?${wide}&limit=1`).set(as(t.tokens.admin, '2.40'));
      expect(all.body.tenant_usages).to.have.length(1);
      expect(all.body.tenant_usages_links[0].href).to.include('marker=');
    });

    it('ignores limit before microversion 2.40 and refuses an unknown marker (400) from it', async () => {
      const wide = `start=${iso(new Date(now - 40 * hour))}&end=${iso(new Date(now + hour))}`;
      const old239 = await t.request.get(`${api}/os-simple-tenant-usage/${t.projects.demo}?${wide}&limit=1`).set(as(t.tokens.admin, '2.39'));
      expect(old239.body.tenant_usage.server_usages).to.have.length(4);
      expect(old239.body).to.not.have.property('tenant_usage_links');
      const bad = await t.request.get(`${api}/os-simple-tenant-usage?${wide}&marker=nope`).set(as(t.tokens.admin, '2.40'));
      expect(bad.status).to.equal(400);
      expect(bad.body.badRequest.message).to.equal('Marker nope could not be found.');
    });

    it('refuses unknown query parameters from microversion 2.75', async () => {
      const ok = await t.request.get(`${api}/os-simple-tenant-usage?foo=1`).set(as(t.tokens.admin, '2.74'));
      expect(ok.status).to.equal(200);
      const bad = await t.request.get(`${api}/os-simple-tenant-usage?foo=1`).set(as(t.tokens.admin, '2.75'));
      expect(bad.status).to.equal(400);
    });
  });

  describe("Nova's errors", () => {
    it('400 when start is not before end, or a date is malformed', async () => {
      const s = '2020-01-02T00:00:00';
      const e = '2020-01-01T00:00:00.000001';
      const res = await t.request.get(`${api}/os-simple-tenant-usage/${t.projects.demo}?start=${s}&end=${e}`).set(as(t.tokens.admin));
      expect(res.status).to.equal(400);
      expect(res.body.badRequest.message).to.equal('Invalid start time. The start time cannot occur after the end time.');
      for (const bad of ['yesterday', '2020-13-01T00:00:00', '2020-01-01', '2020-02-30T00:00:00', '2020-01-01 00:00:00']) {
        const r = await t.request.get(`${api}/os-simple-tenant-usage?start=${encodeURIComponent(bad)}`).set(as(t.tokens.admin));
        expect(r.status, bad).to.equal(400);
        expect(r.body.badRequest.message).to.equal('Invalid datetime string: Datetime is in invalid format');
      }
      const spaced = await t.request.get(`${api}/os-simple-tenant-usage?start=${encodeURIComponent('2020-01-01 00:00:00.5')}`).set(as(t.tokens.admin));
      expect(spaced.status).to.equal(200);
    });

    it('403 for a non-admin listing all projects or showing another project; 200 for a reader of its own', async () => {
      const list = await t.request.get(`${api}/os-simple-tenant-usage`).set(as(t.tokens.demo));
      expect(list.status).to.equal(403);
      expect(list.body.forbidden.message).to.equal("Policy doesn't allow os_compute_api:os-simple-tenant-usage:list to be performed.");
      const other = await t.request.get(`${api}/os-simple-tenant-usage/${t.projects.demo}`).set(as(t.tokens.alt));
      expect(other.status).to.equal(403);
      expect((await t.request.get(`${api}/os-simple-tenant-usage/${t.projects.demo}`).set(as(t.tokens.reader))).status).to.equal(200);
    });

    it('404 for an empty tenant id (a trailing slash)', async () => {
      const res = await t.request.get(`${api}/os-simple-tenant-usage/?start=2020-01-01T00:00:00`).set(as(t.tokens.admin));
      expect(res.status).to.equal(404);
    });
  });
});
