import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import supertest from 'supertest';
import { buildApp } from '../../src/app';
import { silentLogger } from '../../src/log';
import { QuotaStore } from '../../src/db/stores/quotas';
import { API, as, useComputeApp } from '../helpers/compute-app';
import { makeTestApp, TestApp } from '../helpers/app';
import { insertImage } from '../helpers/images';

const v = (version: string) => ({ 'OpenStack-API-Version': `compute ${version}` });
const NETWORK = ['fixed_ips', 'floating_ips', 'security_group_rules', 'security_groups'];
const INJECTED = ['injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes'];
const ALL_2_1 = ['instances', 'cores', 'ram', 'metadata_items', 'key_pairs', 'server_groups', 'server_group_members', ...NETWORK, ...INJECTED];

describe('compute API: os-quota-sets, os-quota-class-sets and limits', () => {
  const app = useComputeApp();
  const t = () => app.t;
  const demo = () => t().projects.demo;
  const get = (path: string, token: string, headers: Record<string, string> = {}) => t().request.get(`${API}${path}`).set(as(token)).set(headers);
  const put = (path: string, token: string, body: object, headers: Record<string, string> = {}) => t().request.put(`${API}${path}`).set(as(token)).set(headers).send(body);
  const setQuota = async (values: Record<string, unknown>, query = '') => {
    const res = await put(`/os-quota-sets/${demo()}${query}`, t().tokens.admin, { quota_set: { force: true, ...values } });
    expect(res.status, res.text).to.equal(200);
    return res.body.quota_set;
  };
  const boot = (extra: Record<string, unknown> = {}, token = t().tokens.demo) => t().request.post(`${API}/servers`).set(as(token))
    .send({ server: { name: 'q', imageRef: app.image, flavorRef: '1', ...extra } });
  /** deletes every server of the project and reverts its quotas (each test starts from the defaults) */
  async function reset() {
    await t().services.tasks.idle();
    for (const i of await t().services.instances.list({ projectId: demo() })) {
      await t().services.instances.update(i.uuid, { deletedAt: new Date() });
    }
    for (const project of [demo(), t().projects.admin]) await t().request.delete(`${API}/os-quota-sets/${project}`).set(as(t().tokens.admin));
    await put('/os-quota-class-sets/default', t().tokens.admin, { quota_class_set: { instances: 10, cores: 20, ram: 51200, metadata_items: 128, key_pairs: 100 } });
  }
  beforeEach(reset);

  describe('os-quota-sets', () => {
    it('shows a project its own quotas: Nova\'s defaults with every 2.1 resource and the id', async () => {
      const res = await get(`/os-quota-sets/${demo()}`, t().tokens.demo);
      expect(res.status, res.text).to.equal(200);
      expect(res.body.quota_set).to.have.all.keys('id', ...ALL_2_1);
      expect(res.body.quota_set).to.include({
        id: demo(), instances: 10, cores: 20, ram: 51200, metadata_items: 128, key_pairs: 100, server_groups: 10,
        server_group_members: 10, injected_files: 5, injected_file_content_bytes: 10240, injected_file_path_bytes: 255,
        fixed_ips: -1, floating_ips: -1, security_groups: -1, security_group_rules: -1,
      });
      const defaults = await get(`/os-quota-sets/${demo()}/defaults`, t().tokens.demo);
      expect(defaults.status).to.equal(200);
      expect(defaults.body).to.deep.equal(res.body);
    });

    it('lets a reader show its own project, refuses another project to non-admins (403) and lets an admin see any', async () => {
      expect((await get(`/os-quota-sets/${demo()}`, t().tokens.reader)).status).to.equal(200);
      const other = await get(`/os-quota-sets/${t().projects.alt}`, t().tokens.demo);
      expect(other.status).to.equal(403);
      expect(other.body.forbidden.message).to.equal("Policy doesn't allow os_compute_api:os-quota-sets:show to be performed.");
      expect((await get(`/os-quota-sets/${t().projects.alt}/detail`, t().tokens.demo)).status).to.equal(403);
      expect((await get(`/os-quota-sets/${t().projects.alt}`, t().tokens.admin)).status).to.equal(200);
    });

    it('answers 400 for a project keystone does not know', async () => {
      const res = await get('/os-quota-sets/no-such-project', t().tokens.admin);
      expect(res.status).to.equal(400);
      expect(res.body.badRequest.message).to.equal('Project ID no-such-project is not a valid project.');
    });

    it('updates as admin only (403 for a member), answers without id and shows the new limits', async () => {
      const denied = await put(`/os-quota-sets/${demo()}`, t().tokens.demo, { quota_set: { ram: 0 } });
      expect(denied.status).to.equal(403);
      expect(denied.body.forbidden.message).to.equal("Policy doesn't allow os_compute_api:os-quota-sets:update to be performed.");
      const res = await put(`/os-quota-sets/${demo()}`, t().tokens.admin, { quota_set: { ram: '5120', cores: 7 } });
      expect(res.status, res.text).to.equal(200);
      expect(res.body.quota_set).to.not.have.property('id');
      expect(res.body.quota_set).to.include({ ram: 5120, cores: 7, instances: 10 });
      expect((await get(`/os-quota-sets/${demo()}`, t().tokens.demo)).body.quota_set).to.include({ ram: 5120, cores: 7 });
    });

    it('refuses unknown keys, non-numbers and values below -1 (400)', async () => {
      for (const body of [{ bogus: 1 }, { ram: 'lots' }, { ram: -2 }, { ram: '-5' }, { ram: 1.5 }, { force: 'maybe' }]) {
        const res = await put(`/os-quota-sets/${demo()}`, t().tokens.admin, { quota_set: body });
        expect(res.status, JSON.stringify(body)).to.equal(400);
      }
      const nets = await put(`/os-quota-sets/${demo()}`, t().tokens.admin, { quota_set: { networks: 5 } });
      expect(nets.status).to.equal(400);
      expect(nets.body.badRequest.message).to.equal('The networks quota has been removed');
    });

    it('refuses a limit below what is in use unless forced', async () => {
      for (let i = 0; i < 2; i++) expect((await boot()).status).to.equal(202);
      const res = await put(`/os-quota-sets/${demo()}`, t().tokens.admin, { quota_set: { instances: 1 } });
      expect(res.status).to.equal(400);
      expect(res.body.badRequest.message).to.equal('Quota limit 1 for instances must be greater than or equal to already used and reserved 2.');
      const forced = await put(`/os-quota-sets/${demo()}`, t().tokens.admin, { quota_set: { instances: 1, force: 'True' } });
      expect(forced.status).to.equal(200);
      expect(forced.body.quota_set.instances).to.equal(1);
      expect((await put(`/os-quota-sets/${demo()}`, t().tokens.admin, { quota_set: { instances: -1 } })).status).to.equal(200);
    });

    it('keeps per-user limits apart (?user_id=), bounded by what the project has left', async () => {
      const user = 'some-user';
      expect((await put(`/os-quota-sets/${demo()}?user_id=${user}`, t().tokens.admin, { quota_set: { ram: 2048 } })).status).to.equal(200);
      const shown = await get(`/os-quota-sets/${demo()}?user_id=${user}`, t().tokens.demo);
      expect(shown.body.quota_set).to.include({ id: demo(), ram: 2048, cores: 20 });
      expect((await get(`/os-quota-sets/${demo()}`, t().tokens.demo)).body.quota_set.ram).to.equal(51200);
      const over = await put(`/os-quota-sets/${demo()}?user_id=${user}`, t().tokens.admin, { quota_set: { ram: 60000 } });
      expect(over.status).to.equal(400);
      expect(over.body.badRequest.message).to.equal('Quota limit 60000 for ram must be less than or equal to 51200.');
      // the project cannot go below what its users were given
      const under = await put(`/os-quota-sets/${demo()}`, t().tokens.admin, { quota_set: { ram: 1024 } });
      expect(under.status).to.equal(400);
      expect(under.body.badRequest.message).to.match(/must be greater than or equal to already used and reserved 2048/);
      expect((await t().request.delete(`${API}/os-quota-sets/${demo()}?user_id=${user}`).set(as(t().tokens.admin))).status).to.equal(202);
      expect((await get(`/os-quota-sets/${demo()}?user_id=${user}`, t().tokens.demo)).body.quota_set.ram).to.equal(51200);
    });

    it('reverts to the defaults on DELETE (202, admin only)', async () => {
      await setQuota({ ram: 5120 });
      expect((await t().request.delete(`${API}/os-quota-sets/${demo()}`).set(as(t().tokens.demo))).status).to.equal(403);
      const del = await t().request.delete(`${API}/os-quota-sets/${demo()}`).set(as(t().tokens.admin));
      expect(del.status).to.equal(202);
      expect(del.text).to.equal('');
      expect((await get(`/os-quota-sets/${demo()}`, t().tokens.demo)).body.quota_set.ram).to.equal(51200);
    });

    it('details limit, in_use and reserved from the real usage', async () => {
      expect((await boot({ flavorRef: '3' })).status).to.equal(202);
      const res = await get(`/os-quota-sets/${demo()}/detail`, t().tokens.demo);
      expect(res.status, res.text).to.equal(200);
      expect(res.body.quota_set.id).to.equal(demo());
      expect(res.body.quota_set.instances).to.deep.equal({ limit: 10, in_use: 1, reserved: 0 });
      expect(res.body.quota_set.cores).to.deep.equal({ limit: 20, in_use: 2, reserved: 0 });
      expect(res.body.quota_set.ram).to.deep.equal({ limit: 51200, in_use: 4096, reserved: 0 });
      expect(res.body.quota_set.key_pairs).to.deep.equal({ limit: 100, in_use: 0, reserved: 0 });
    });
  });

  describe('os-quota-class-sets', () => {
    it('is admin only (403) and shows the default class without server groups before 2.50', async () => {
      expect((await get('/os-quota-class-sets/default', t().tokens.demo)).status).to.equal(403);
      const res = await get('/os-quota-class-sets/default', t().tokens.admin);
      expect(res.status, res.text).to.equal(200);
      expect(res.body.quota_class_set).to.have.all.keys('id', ...ALL_2_1.filter((k) => !k.startsWith('server_group')));
      expect(res.body.quota_class_set).to.include({ id: 'default', instances: 10, cores: 20 });
    });

    it('the default class supplies the defaults of every project without limits of its own', async () => {
      const res = await put('/os-quota-class-sets/default', t().tokens.admin, { quota_class_set: { instances: 3, ram: '1024' } });
      expect(res.status, res.text).to.equal(200);
      expect(res.body.quota_class_set).to.include({ instances: 3, ram: 1024 }).and.not.have.property('id');
      expect((await get(`/os-quota-sets/${demo()}/defaults`, t().tokens.demo)).body.quota_set).to.include({ instances: 3, ram: 1024 });
      expect((await get(`/os-quota-sets/${demo()}`, t().tokens.demo)).body.quota_set).to.include({ instances: 3, ram: 1024 });
      expect((await get('/limits', t().tokens.demo)).body.limits.absolute).to.include({ maxTotalInstances: 3, maxTotalRAMSize: 1024 });
      // another class is stored and shown, but does not change the defaults
      expect((await put('/os-quota-class-sets/gold', t().tokens.admin, { quota_class_set: { instances: 50 } })).status).to.equal(200);
      expect((await get('/os-quota-class-sets/gold', t().tokens.admin)).body.quota_class_set).to.include({ id: 'gold', instances: 50, cores: 20 });
      expect((await get(`/os-quota-sets/${demo()}`, t().tokens.demo)).body.quota_set.instances).to.equal(3);
    });

    it('refuses unknown keys (400) and a member (403)', async () => {
      expect((await put('/os-quota-class-sets/default', t().tokens.admin, { quota_class_set: { bogus: 1 } })).status).to.equal(400);
      expect((await put('/os-quota-class-sets/default', t().tokens.demo, { quota_class_set: { instances: 1 } })).status).to.equal(403);
    });
  });

  describe('GET /limits', () => {
    it('shows the effective quotas and the project\'s real usage', async () => {
      await setQuota({ instances: 7, cores: 9 });
      expect((await boot({ flavorRef: '2' })).status).to.equal(202);
      const res = await get('/limits', t().tokens.demo);
      expect(res.status, res.text).to.equal(200);
      expect(res.body.limits.rate).to.deep.equal([]);
      expect(res.body.limits.absolute).to.deep.equal({
        maxTotalRAMSize: 51200, maxTotalInstances: 7, maxTotalCores: 9, maxTotalKeypairs: 100, maxTotalFloatingIps: -1,
        maxServerMeta: 128, maxImageMeta: 128, maxPersonality: 5, maxPersonalitySize: 10240, maxSecurityGroups: -1,
        maxSecurityGroupRules: -1, maxServerGroups: 10, maxServerGroupMembers: 10,
        totalRAMUsed: 2048, totalCoresUsed: 1, totalInstancesUsed: 1, totalFloatingIpsUsed: 0, totalSecurityGroupsUsed: 0,
        totalServerGroupsUsed: 0,
      });
    });

    it('lets an admin ask for another project with tenant_id (403 for others)', async () => {
      await setQuota({ instances: 4 });
      const res = await get(`/limits?tenant_id=${demo()}`, t().tokens.admin);
      expect(res.status).to.equal(200);
      expect(res.body.limits.absolute.maxTotalInstances).to.equal(4);
      expect((await get('/limits', t().tokens.admin)).body.limits.absolute.maxTotalInstances).to.equal(10);
      const denied = await get(`/limits?tenant_id=${t().projects.admin}`, t().tokens.demo);
      expect(denied.status).to.equal(403);
    });
  });

  describe('microversions', () => {
    const keysOf = async (path: string, version: string, wrapper = 'quota_set') =>
      Object.keys((await get(path, t().tokens.admin, v(version))).body[wrapper]).sort();

    it('microversion 2.36: quota sets and limits lose the nova-network quotas', async () => {
      expect(await keysOf(`/os-quota-sets/${demo()}`, '2.35')).to.include.members(NETWORK);
      for (const path of [`/os-quota-sets/${demo()}`, `/os-quota-sets/${demo()}/defaults`, `/os-quota-sets/${demo()}/detail`]) {
        expect(await keysOf(path, '2.36')).to.deep.equal(['id', ...ALL_2_1.filter((k) => !NETWORK.includes(k))].sort());
      }
      const upd = await put(`/os-quota-sets/${demo()}`, t().tokens.admin, { quota_set: { ram: 1000 } }, v('2.36'));
      expect(Object.keys(upd.body.quota_set)).to.not.include.members(['floating_ips']);
      expect((await put(`/os-quota-sets/${demo()}`, t().tokens.admin, { quota_set: { floating_ips: 1 } }, v('2.36'))).status).to.equal(400);
      expect((await put(`/os-quota-sets/${demo()}`, t().tokens.admin, { quota_set: { floating_ips: 1 } }, v('2.35'))).status).to.equal(200);
      const limits = (await get('/limits', t().tokens.demo, v('2.36'))).body.limits.absolute;
      expect(limits).to.not.have.any.keys('maxSecurityGroupRules', 'maxSecurityGroups', 'maxTotalFloatingIps', 'totalFloatingIpsUsed', 'totalSecurityGroupsUsed');
      expect(limits).to.have.property('maxImageMeta');
    });

    it('microversion 2.39: limits lose maxImageMeta', async () => {
      expect((await get('/limits', t().tokens.demo, v('2.38'))).body.limits.absolute).to.have.property('maxImageMeta');
      expect((await get('/limits', t().tokens.demo, v('2.39'))).body.limits.absolute).to.not.have.property('maxImageMeta');
    });

    it('microversion 2.50: quota classes gain server groups and lose the nova-network quotas', async () => {
      const before = await keysOf('/os-quota-class-sets/default', '2.49', 'quota_class_set');
      expect(before).to.include.members(NETWORK).and.not.include('server_groups');
      const after = await keysOf('/os-quota-class-sets/default', '2.50', 'quota_class_set');
      expect(after).to.include.members(['server_groups', 'server_group_members']);
      expect(after).to.not.include.members(['fixed_ips']);
      expect(after.filter((k) => NETWORK.includes(k))).to.deep.equal([]);
      const upd = await put('/os-quota-class-sets/default', t().tokens.admin, { quota_class_set: { server_groups: 10 } }, v('2.50'));
      expect(upd.status).to.equal(200);
      expect(upd.body.quota_class_set.server_groups).to.equal(10);
      expect((await put('/os-quota-class-sets/default', t().tokens.admin, { quota_class_set: { floating_ips: 1 } }, v('2.50'))).status).to.equal(400);
    });

    it('microversion 2.57: quota sets, classes and limits lose the personality (injected file) quotas', async () => {
      expect(await keysOf(`/os-quota-sets/${demo()}`, '2.56')).to.include.members(INJECTED);
      const sets = await keysOf(`/os-quota-sets/${demo()}`, '2.57');
      expect(sets).to.deep.equal(['cores', 'id', 'instances', 'key_pairs', 'metadata_items', 'ram', 'server_group_members', 'server_groups']);
      expect(await keysOf('/os-quota-class-sets/default', '2.57', 'quota_class_set')).to.deep.equal(sets);
      expect((await put(`/os-quota-sets/${demo()}`, t().tokens.admin, { quota_set: { injected_files: 1 } }, v('2.57'))).status).to.equal(400);
      expect((await get('/limits', t().tokens.demo, v('2.56'))).body.limits.absolute).to.have.property('maxPersonality');
      expect((await get('/limits', t().tokens.demo, v('2.57'))).body.limits.absolute).to.not.have.any.keys('maxPersonality', 'maxPersonalitySize');
    });

    it('microversion 2.75: unknown query parameters of quota sets and limits are refused (400)', async () => {
      expect((await get(`/os-quota-sets/${demo()}?foo=1`, t().tokens.demo, v('2.74'))).status).to.equal(200);
      expect((await get(`/os-quota-sets/${demo()}?foo=1`, t().tokens.demo, v('2.75'))).status).to.equal(400);
      expect((await get('/limits?foo=1', t().tokens.demo, v('2.74'))).status).to.equal(200);
      expect((await get('/limits?foo=1', t().tokens.demo, v('2.75'))).status).to.equal(400);
    });
  });

  describe('enforcement', () => {
    it('refuses a server past the instances quota with Nova\'s 403', async () => {
      await setQuota({ instances: 1 });
      expect((await boot()).status).to.equal(202);
      const res = await boot();
      expect(res.status).to.equal(403);
      expect(res.body.forbidden.message).to.equal('Quota exceeded for instances: Requested 1, but already used 1 of 1 instances');
    });

    it('checks cores and ram, naming every resource over', async () => {
      await setQuota({ cores: 0 });
      expect((await boot()).body.forbidden.message).to.equal('Quota exceeded for cores: Requested 1, but already used 0 of 0 cores');
      await setQuota({ cores: 20, ram: 0 });
      expect((await boot()).body.forbidden.message).to.equal('Quota exceeded for ram: Requested 512, but already used 0 of 0 ram');
      await setQuota({ cores: 1, ram: 100 });
      expect((await boot({ flavorRef: '3' })).body.forbidden.message)
        .to.equal('Quota exceeded for cores, ram: Requested 2, 4096, but already used 0, 0 of 1, 100 cores, ram');
    });

    it('creates as many of min_count..max_count as fit, and none below min_count', async () => {
      await setQuota({ instances: 3 });
      const res = await boot({ min_count: 2, max_count: 5 });
      expect(res.status, res.text).to.equal(202);
      expect(await t().services.instances.list({ projectId: demo() })).to.have.length(3);
      const none = await boot({ min_count: 1, max_count: 4 });
      expect(none.status).to.equal(403);
      expect(none.body.forbidden.message).to.equal('Quota exceeded for instances: Requested 1-4, but already used 3 of 3 instances');
      await setQuota({ instances: 5 });
      const tooFew = await boot({ min_count: 3, max_count: 3 });
      expect(tooFew.body.forbidden.message).to.equal('Quota exceeded for instances: Requested 3, but already used 3 of 5 instances');
      // a lone survivor of a multiple create keeps the plain name
      await setQuota({ instances: 4 });
      expect((await boot({ name: 'solo', min_count: 1, max_count: 3 })).status).to.equal(202);
      const names = (await t().services.instances.list({ projectId: demo() })).map((i) => i.displayName);
      expect(names).to.include('solo').and.not.include('solo-1');
    });

    it('enforces a user\'s own limits besides the project\'s', async () => {
      await setQuota({ instances: 1 }, `?user_id=${await demoUser()}`);
      expect((await boot()).status).to.equal(202);
      const res = await boot();
      expect(res.status).to.equal(403);
      expect(res.body.forbidden.message).to.equal('Quota exceeded for instances: Requested 1, but already used 1 of 1 instances');
    });

    it('uses the project\'s metadata_items quota on create', async () => {
      await setQuota({ metadata_items: 2 });
      const res = await boot({ metadata: { a: '1', b: '2', c: '3' } });
      expect(res.status).to.equal(403);
      expect(res.body.forbidden.message).to.equal('Maximum number of metadata items exceeds 2');
      expect((await boot({ metadata: { a: '1', b: '2' } })).status).to.equal(202);
      const limits = await get('/limits', t().tokens.demo);
      expect(limits.body.limits.absolute.maxServerMeta).to.equal(2);
    });

    it('refuses a resize whose growth in cores or ram exceeds the quota (403)', async () => {
      const created = await boot();
      await t().services.tasks.idle();
      await setQuota({ cores: 1, ram: 51200 });
      const id = created.body.server.id;
      const res = await t().request.post(`${API}/servers/${id}/action`).set(as(t().tokens.demo)).send({ resize: { flavorRef: '3' } });
      expect(res.status, res.text).to.equal(403);
      expect(res.body.forbidden.message).to.equal('Quota exceeded for cores: Requested 1, but already used 1 of 1 cores');
      await setQuota({ cores: 20, ram: 1000 });
      const ram = await t().request.post(`${API}/servers/${id}/action`).set(as(t().tokens.demo)).send({ resize: { flavorRef: '2' } });
      expect(ram.status).to.equal(403);
      expect(ram.body.forbidden.message).to.equal('Quota exceeded for ram: Requested 1536, but already used 512 of 1000 ram');
      await setQuota({ ram: 51200 });
      expect((await t().request.post(`${API}/servers/${id}/action`).set(as(t().tokens.demo)).send({ resize: { flavorRef: '2' } })).status).to.equal(202);
    });

    it('refuses a key pair past key_pairs (403 "Quota exceeded, too many key pairs.")', async () => {
      await setQuota({ key_pairs: 1 });
      const key = (name: string) => t().request.post(`${API}/os-keypairs`).set(as(t().tokens.demo)).send({ keypair: { name } });
      expect((await key('qk-1')).status).to.be.oneOf([200, 201]);
      const res = await key('qk-2');
      expect(res.status, res.text).to.equal(403);
      expect(res.body.forbidden.message).to.equal('Quota exceeded, too many key pairs.');
      await setQuota({ key_pairs: 5 });
      const dup = await key('qk-1');
      expect(dup.status).to.equal(409);
      expect(dup.body.conflictingRequest.message).to.equal("Key pair 'qk-1' already exists.");
      await t().request.delete(`${API}/os-keypairs/qk-1`).set(as(t().tokens.demo));
    });

    it('refuses a server group past server_groups, and servers past server_group_members', async () => {
      await setQuota({ server_groups: 1, server_group_members: 2 });
      const create = (name: string) => t().request.post(`${API}/os-server-groups`).set(as(t().tokens.demo))
        .send({ server_group: { name, policies: ['affinity'] } });
      const first = await create('g1');
      expect(first.status, first.text).to.equal(200);
      const res = await create('g2');
      expect(res.status).to.equal(403);
      expect(res.body.forbidden.message).to.equal('Quota exceeded, too many server groups.');
      expect((await get('/limits', t().tokens.demo)).body.limits.absolute.totalServerGroupsUsed).to.equal(1);
      const group = first.body.server_group.id;
      const bootIn = (count: number) => t().request.post(`${API}/servers`).set(as(t().tokens.demo))
        .send({ server: { name: 'm', imageRef: app.image, flavorRef: '1', min_count: count, max_count: count }, 'os:scheduler_hints': { group } });
      expect((await bootIn(3)).body.forbidden.message).to.equal('Quota exceeded, too many servers in group');
      expect((await bootIn(2)).status).to.equal(202);
      expect((await bootIn(1)).status).to.equal(403);
      expect(await t().services.instances.list({ projectId: demo() })).to.have.length(2);
      await t().request.delete(`${API}/os-server-groups/${group}`).set(as(t().tokens.demo));
    });

    async function demoUser(): Promise<string> {
      return (await t().db('users').where({ name: 'demo' }).first()).id as string;
    }
  });

  describe('race-free', () => {
    it('50 concurrent creates against an instances quota of 10 make exactly 10 servers and 40 × 403', async () => {
      await setQuota({ instances: 10 });
      // counting is made slow, so that without the lock every request would count before any inserts
      const count = QuotaStore.prototype.instanceUsage;
      QuotaStore.prototype.instanceUsage = async function slow(this: QuotaStore, ...args: Parameters<typeof count>) {
        const usage = await count.apply(this, args);
        await new Promise((resolve) => setTimeout(resolve, 100));
        return usage;
      };
      after(() => { QuotaStore.prototype.instanceUsage = count; });
      // a listening server, so the 50 requests really are in flight together
      const server = http.createServer(buildApp(t().config, silentLogger(), t().services).callback());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const agent = new http.Agent({ keepAlive: false, maxSockets: 100 });
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => supertest(url).post(`${API}/servers`).agent(agent)
        .set(as(t().tokens.demo)).send({ server: { name: `race-${i}`, imageRef: app.image, flavorRef: '1' } })))
        .finally(() => { QuotaStore.prototype.instanceUsage = count; return new Promise((resolve) => server.close(resolve)); });
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 202)).to.have.length(10);
      expect(statuses.filter((s) => s === 403)).to.have.length(40);
      for (const r of results.filter((x) => x.status === 403)) expect(r.body.forbidden.message).to.match(/^Quota exceeded for instances: Requested 1, but already used 10 of 10 instances$/);
      expect(await t().services.instances.list({ projectId: demo() })).to.have.length(10);
      const rows = await t().db('instances').where({ project_id: demo() }).whereNull('deleted_at').count({ n: '*' });
      expect(Number(rows[0].n)).to.equal(10);
    });
  });
});

describe('compute API: quota on restore of a soft-deleted server', () => {
  let t: TestApp;
  let image: string;
  before(async () => {
    t = await makeTestApp({ config: { reclaimInstanceIntervalSec: 3600 } });
    image = await insertImage(t.db, t.projects.admin);
  });
  after(async () => { await t.close(); });

  it('a SOFT_DELETED server does not count; restoring it past the instances quota answers 403', async () => {
    const demo = t.projects.demo;
    await t.request.put(`${API}/os-quota-sets/${demo}`).set(as(t.tokens.admin)).send({ quota_set: { instances: 1, force: true } });
    const boot = () => t.request.post(`${API}/servers`).set(as(t.tokens.demo)).send({ server: { name: 'r', imageRef: image, flavorRef: '1' } });
    const first = await boot();
    expect(first.status, first.text).to.equal(202);
    await t.services.tasks.idle();
    expect((await t.request.delete(`${API}/servers/${first.body.server.id}`).set(as(t.tokens.demo))).status).to.equal(204);
    await t.services.tasks.idle();
    expect((await t.services.instances.find(first.body.server.id)).vmState).to.equal('soft-delete');
    expect((await boot()).status).to.equal(202); // the soft-deleted one is not counted
    await t.services.tasks.idle();
    const res = await t.request.post(`${API}/servers/${first.body.server.id}/action`).set(as(t.tokens.demo)).send({ restore: null });
    expect(res.status, res.text).to.equal(403);
    expect(res.body.forbidden.message).to.equal('Quota exceeded for instances: Requested 1, but already used 1 of 1 instances');
  });
});
