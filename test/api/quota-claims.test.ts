import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import supertest from 'supertest';
import { buildApp } from '../../src/app';
import { silentLogger } from '../../src/log';
import { QuotaStore } from '../../src/db/stores/quotas';
import { API, as, useComputeApp } from '../helpers/compute-app';

/* eslint-disable @typescript-eslint/no-explicit-any -- API bodies are read field by field */

/**
 * Quota checks of changes to existing servers (resize, revert of a downsize, restore) are claimed
 * with the task_state under the project's lock, as creates are: concurrent changes of different
 * servers of one project never exceed a limit together (compute/quotas.ts admitChange).
 */
describe('quota claims: concurrent resizes, reverts and restores never overshoot (fake driver)', () => {
  const app = useComputeApp({ config: { reclaimInstanceIntervalSec: 3600 } });
  const t = () => app.t;
  const demo = () => t().projects.demo;
  const setQuota = async (values: Record<string, number>) => {
    const res = await t().request.put(`${API}/os-quota-sets/${demo()}`).set(as(t().tokens.admin)).send({ quota_set: { force: true, ...values } });
    expect(res.status, res.text).to.equal(200);
  };
  const inUse = async () => (await t().request.get(`${API}/os-quota-sets/${demo()}/detail`).set(as(t().tokens.demo))).body.quota_set;
  const action = (id: string, body: object) => t().request.post(`${API}/servers/${id}/action`).set(as(t().tokens.demo)).send(body);

  /** counting made slow: without the lock every concurrent request would count before any claims */
  let restoreCount: (() => void) | null = null;
  function slowCounting(ms: number): void {
    const count = QuotaStore.prototype.instanceUsage;
    QuotaStore.prototype.instanceUsage = async function slow(this: QuotaStore, ...args: Parameters<typeof count>) {
      const usage = await count.apply(this, args);
      await new Promise((resolve) => setTimeout(resolve, ms));
      return usage;
    };
    restoreCount = () => { QuotaStore.prototype.instanceUsage = count; };
  }

  /** the same action on every server at once, through a listening server so the requests really are in flight together */
  async function concurrently(ids: string[], body: object): Promise<supertest.Response[]> {
    const server = http.createServer(buildApp(t().config, silentLogger(), t().services).callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const agent = new http.Agent({ keepAlive: false, maxSockets: 100 });
    try {
      return await Promise.all(ids.map((id) => supertest(url).post(`${API}/servers/${id}/action`).agent(agent).set(as(t().tokens.demo)).send(body)));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }

  /** holds every background work back until released (at the latest after the test): claimed servers stay in their task */
  let releaseHeld: (() => void) | null = null;
  function holdWork(): () => void {
    let release!: () => void;
    const held = new Promise<void>((resolve) => { release = resolve; });
    const tasks = t().services.tasks;
    const run = tasks.run.bind(tasks);
    tasks.run = (uuid: string, name: string, work: () => Promise<void>) => run(uuid, name, async () => { await held; await work(); });
    releaseHeld = () => { tasks.run = run; release(); };
    return releaseHeld;
  }

  beforeEach(async () => {
    await t().services.tasks.idle();
    for (const i of await t().services.instances.list({ projectId: demo() })) await t().services.instances.update(i.uuid, { deletedAt: new Date() });
    await t().request.delete(`${API}/os-quota-sets/${demo()}`).set(as(t().tokens.admin));
  });
  afterEach(() => {
    restoreCount?.();
    restoreCount = null;
    releaseHeld?.();
    releaseHeld = null;
  });

  it('8 concurrent resizes (m1.tiny → m1.medium, +1 core each) against cores 11 with 8 in use: exactly 3 × 202, 5 × 403', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(await app.boot(`rs-${i}`));
    await setQuota({ cores: 11, ram: -1 });
    slowCounting(30);
    const release = holdWork();
    const results = await concurrently(ids, { resize: { flavorRef: '3' } }).finally(() => restoreCount?.());
    // while the accepted ones wait in resize_prep, their claims count: at the limit, never past it
    expect((await inUse()).cores.in_use).to.equal(11);
    expect((await t().services.instances.list({ projectId: demo() })).filter((s) => s.taskState === 'resize_prep')).to.have.length(3);
    release();
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 202), JSON.stringify(statuses)).to.have.length(3);
    expect(statuses.filter((s) => s === 403)).to.have.length(5);
    for (const r of results.filter((x) => x.status === 403)) {
      expect(r.body.forbidden).to.deep.equal({ code: 403, message: 'Quota exceeded for cores: Requested 1, but already used 11 of 11 cores' });
    }
    await t().services.tasks.idle();
    const servers = await Promise.all(ids.map((id) => t().services.instances.find(id)));
    expect(servers.filter((s) => s.vmState === 'resized' && s.flavor.id === '3')).to.have.length(3);
    expect(servers.filter((s) => s.vmState === 'active' && s.flavor.id === '1' && s.taskState === null)).to.have.length(5);
    expect((await inUse()).cores).to.include({ limit: 11, in_use: 11 });
  });

  it('a resize under way counts at its new flavor: a second upsize that would pass the limit with it is 403 while it runs', async () => {
    const a = await app.boot('a');
    const b = await app.boot('b');
    await setQuota({ cores: 3, ram: -1 });
    // the first resize's work held back: it stays in resize_prep with its claim
    const release = holdWork();
    try {
      expect((await action(a, { resize: { flavorRef: '3' } })).status).to.equal(202);
      expect((await t().services.instances.find(a)).taskState).to.equal('resize_prep');
      expect((await inUse()).cores.in_use).to.equal(3);
      const second = await action(b, { resize: { flavorRef: '3' } });
      expect(second.status, second.text).to.equal(403);
      expect(second.body.forbidden.message).to.equal('Quota exceeded for cores: Requested 1, but already used 3 of 3 cores');
    } finally {
      release();
    }
    await t().services.tasks.idle();
    const resized = await t().services.instances.find(a);
    expect([resized.vmState, resized.flavor.id, resized.newFlavor]).to.deep.equal(['resized', '3', null]);
    expect((await inUse()).cores.in_use).to.equal(3);
  });

  it('concurrent reverts of downsizes (m1.medium → m1.tiny, reverting +1 core each) against the cores left: only those that fit', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await app.boot(`rv-${i}`, undefined, '3'));
    await setQuota({ cores: -1, ram: -1 });
    for (const id of ids) expect((await action(id, { resize: { flavorRef: '1' } })).status).to.equal(202);
    await t().services.tasks.idle();
    expect((await inUse()).cores.in_use).to.equal(4);
    await setQuota({ cores: 6 });
    slowCounting(30);
    const release = holdWork();
    const results = await concurrently(ids, { revertResize: null }).finally(() => restoreCount?.());
    expect((await inUse()).cores.in_use).to.equal(6);
    release();
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 202), JSON.stringify(statuses)).to.have.length(2);
    for (const r of results.filter((x) => x.status === 403)) {
      expect(r.body.forbidden.message).to.equal('Quota exceeded for cores: Requested 1, but already used 6 of 6 cores');
    }
    await t().services.tasks.idle();
    expect((await inUse()).cores).to.include({ limit: 6, in_use: 6 });
  });

  it('6 concurrent restores of soft-deleted servers against instances 2: exactly 2 × 202, 4 × 403', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await app.boot(`sd-${i}`));
    for (const id of ids) expect((await t().request.delete(`${API}/servers/${id}`).set(as(t().tokens.demo))).status).to.equal(204);
    await t().services.tasks.idle();
    expect((await inUse()).instances.in_use).to.equal(0);
    await setQuota({ instances: 2 });
    slowCounting(30);
    const release = holdWork();
    const results = await concurrently(ids, { restore: null }).finally(() => restoreCount?.());
    // the two being restored count from their claim on
    expect((await inUse()).instances.in_use).to.equal(2);
    release();
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 202), JSON.stringify(statuses)).to.have.length(2);
    for (const r of results.filter((x) => x.status === 403)) {
      expect(r.body.forbidden).to.deep.equal({ code: 403, message: 'Quota exceeded for instances: Requested 1, but already used 2 of 2 instances' });
    }
    await t().services.tasks.idle();
    const servers = await Promise.all(ids.map((id) => t().services.instances.find(id)));
    expect(servers.filter((s) => s.vmState === 'active')).to.have.length(2);
    expect(servers.filter((s) => s.vmState === 'soft-delete' && s.taskState === null)).to.have.length(4);
    expect((await inUse()).instances).to.include({ limit: 2, in_use: 2 });
  });

  it('a downsize needs no quota: it is accepted with the project at its limits', async () => {
    const id = await app.boot('down', undefined, '3');
    await setQuota({ cores: 2, ram: 4096 });
    const res = await action(id, { resize: { flavorRef: '1' } });
    expect(res.status, res.text).to.equal(202);
    await t().services.tasks.idle();
    expect((await t().services.instances.find(id)).vmState).to.equal('resized');
  });
});
