import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { makeTestApp, TestApp } from '../helpers/app';
import { insertImage } from '../helpers/images';
import { API, as, useComputeApp } from '../helpers/compute-app';
import { FakeDriver } from '../../src/drivers/fake/driver';
import { PowerState } from '../../src/drivers/driver';
import { TaskState, VmState } from '../../src/compute/states';
import { loadConfig } from '../../src/config';

/** A fake that tells whether it still holds a server's instance, and in which power state. */
class SeeingDriver extends FakeDriver {
  powerOf(uuid: string): PowerState | null {
    return this.instances.get(uuid)?.powerState ?? null;
  }
}

const INTERVAL = 3600;

describe('soft delete (deferred delete): DELETE with a reclaim interval, restore, forceDelete, the periodic reclaim', () => {
  const driver = new SeeingDriver();
  const c = useComputeApp({ driver, config: { reclaimInstanceIntervalSec: INTERVAL } });

  /** servers a test booted, force-deleted after it (the demo project's instance quota is 10, soft-deleted ones count) */
  let booted: string[] = [];
  afterEach(async () => {
    for (const id of booted) {
      await c.t.services.instances.update(id, { taskState: null, locked: false, lockedBy: null });
      await c.t.request.post(`${API}/servers/${id}/action`).set(as(c.t.tokens.admin)).send({ forceDelete: null });
    }
    booted = [];
    await c.t.services.tasks.idle();
  });

  async function boot(name = 'vm'): Promise<string> {
    const id = await c.boot(name);
    booted.push(id);
    return id;
  }
  const del = async (id: string, token = c.t.tokens.demo) => {
    const res = await c.t.request.delete(`${API}/servers/${id}`).set(as(token));
    await c.t.services.tasks.idle();
    return res;
  };
  const act = async (id: string, body: object, token = c.t.tokens.demo) => {
    const res = await c.t.request.post(`${API}/servers/${id}/action`).set(as(token)).send(body);
    await c.t.services.tasks.idle();
    return res;
  };
  const show = (id: string, token = c.t.tokens.demo) => c.t.request.get(`${API}/servers/${id}`).set(as(token));
  const listed = async (query = '', token = c.t.tokens.demo) =>
    ((await c.t.request.get(`${API}/servers${query}`).set(as(token))).body.servers as { id: string }[]).map((s) => s.id);

  it('reads NOVASHIM_RECLAIM_INSTANCE_INTERVAL (seconds, default 0 = off)', () => {
    expect(loadConfig({}).reclaimInstanceIntervalSec).to.equal(0);
    expect(loadConfig({ NOVASHIM_RECLAIM_INSTANCE_INTERVAL: '120' }).reclaimInstanceIntervalSec).to.equal(120);
    expect(() => loadConfig({ NOVASHIM_RECLAIM_INSTANCE_INTERVAL: '-5' })).to.throw(/NOVASHIM_RECLAIM_INSTANCE_INTERVAL/);
  });

  it('DELETE stops the container and leaves the server SOFT_DELETED: shown, not listed (but for deleted=true)', async () => {
    const id = await boot('soft');
    expect((await del(id)).status).to.equal(204);
    const res = await show(id, c.t.tokens.admin);
    expect(res.status, res.text).to.equal(200);
    expect(res.body.server).to.include({ status: 'SOFT_DELETED', 'OS-EXT-STS:vm_state': 'soft-delete', 'OS-EXT-STS:task_state': null, 'OS-EXT-STS:power_state': PowerState.SHUTDOWN });
    expect(driver.powerOf(id), 'the container is kept, stopped').to.equal(PowerState.SHUTDOWN);
    expect(await listed()).to.not.include(id);
    expect(await listed('?status=SOFT_DELETED')).to.not.include(id); // Nova lists soft-deleted servers only with deleted
    expect(await listed('?deleted=true&all_tenants=1', c.t.tokens.admin)).to.include(id);
    const actions = (await c.t.request.get(`${API}/servers/${id}/os-instance-actions`).set(as(c.t.tokens.demo))).body.instanceActions;
    expect(actions[0].action).to.equal('delete');
  });

  it('restore runs the container again: ACTIVE and listed; a second restore is a 409', async () => {
    const id = await boot('restored');
    await del(id);
    const res = await act(id, { restore: null });
    expect(res.status, res.text).to.equal(202);
    const server = (await show(id)).body.server;
    expect(server.status).to.equal('ACTIVE');
    expect(driver.powerOf(id)).to.equal(PowerState.RUNNING);
    expect(await listed()).to.include(id);
    const again = await act(id, { restore: null });
    expect(again.status).to.equal(409);
    expect(again.body.conflictingRequest.message).to.equal(`Cannot 'restore' instance ${id} while it is in vm_state active`);
  });

  it('forceDelete deletes a soft-deleted server now (container gone, 404 after)', async () => {
    const id = await boot('forced');
    await del(id);
    const res = await act(id, { forceDelete: null });
    expect(res.status, res.text).to.equal(202);
    expect((await show(id)).status).to.equal(404);
    expect(driver.powerOf(id)).to.equal(null);
  });

  it("forceDelete on a server that is not soft-deleted deletes it too (Nova checks only the task_state); a busy one is a 409", async () => {
    const id = await boot('forced-active');
    await c.t.services.instances.update(id, { taskState: TaskState.POWERING_OFF });
    const busy = await act(id, { forceDelete: null });
    expect(busy.status).to.equal(409);
    expect(busy.body.conflictingRequest.message).to.equal(`Cannot 'forceDelete' instance ${id} while it is in task_state powering-off`);
    await c.t.services.instances.update(id, { taskState: null });
    expect((await act(id, { forceDelete: null })).status).to.equal(202);
    expect((await show(id)).status).to.equal(404);
  });

  it('restore and forceDelete of an unknown server are 404, of another project\'s 404, for a reader 403', async () => {
    for (const body of [{ restore: null }, { forceDelete: null }]) {
      expect((await act(randomUUID(), body)).status).to.equal(404);
    }
    const id = await boot('guarded');
    await del(id);
    for (const body of [{ restore: null }, { forceDelete: null }]) {
      expect((await act(id, body, c.t.tokens.alt)).status).to.equal(404);
      expect((await act(id, body, c.t.tokens.reader)).status).to.equal(403);
    }
    expect((await show(id)).body.server.status).to.equal('SOFT_DELETED');
  });

  it('a locked soft-deleted server cannot be restored or force-deleted by its owner (409)', async () => {
    const id = await boot('locked');
    expect((await act(id, { lock: null }, c.t.tokens.admin)).status).to.equal(202);
    expect((await del(id)).status, 'nor deleted').to.equal(409);
    expect((await act(id, { unlock: null }, c.t.tokens.admin)).status).to.equal(202);
    await del(id);
    await act(id, { lock: null }, c.t.tokens.admin);
    expect((await act(id, { restore: null })).status).to.equal(409);
    expect((await act(id, { forceDelete: null })).status).to.equal(409);
    expect((await act(id, { restore: null }, c.t.tokens.admin)).status, 'an admin may').to.equal(202);
  });

  it('a server that never ran (no launched_at) is deleted at once', async () => {
    const id = randomUUID();
    const source = await c.t.services.instances.find(await boot('template'));
    await c.t.services.instances.insert({ ...source, uuid: id, launchedAt: null, vmState: VmState.ERROR, driverState: null });
    expect((await del(id)).status).to.equal(204);
    expect((await show(id)).status).to.equal(404);
  });

  it('the periodic reclaim deletes soft-deleted servers once they waited the interval, not before; a restored one stays', async () => {
    const a = await boot('reclaim-a');
    const b = await boot('reclaim-b');
    await del(a);
    await del(b);
    await act(b, { restore: null });
    expect(await c.t.services.softDelete.reclaim(new Date(Date.now() + (INTERVAL - 60) * 1000))).to.deep.equal([]);
    const reclaimed = await c.t.services.softDelete.reclaim(new Date(Date.now() + (INTERVAL + 1) * 1000));
    await c.t.services.tasks.idle();
    expect(reclaimed).to.include(a).and.not.include(b);
    expect((await show(a)).status).to.equal(404);
    expect(driver.powerOf(a)).to.equal(null);
    expect((await show(b)).body.server.status).to.equal('ACTIVE');
  });

  it('measures the wait from the database (updated_at), so a restart keeps the deadline', async () => {
    const id = await boot('restart');
    await del(id);
    // as if soft-deleted an interval ago, before a restart: the first reclaim after start removes it
    await c.t.db('instances').where('uuid', id).update({ updated_at: Date.now() - (INTERVAL + 5) * 1000 });
    expect(await c.t.services.softDelete.reclaim()).to.include(id);
    await c.t.services.tasks.idle();
    expect((await show(id)).status).to.equal(404);
  });

  it('after a restart an interrupted soft delete is finished and an interrupted restore goes back to SOFT_DELETED', async () => {
    const deleting = await boot('was-deleting');
    const restoring = await boot('was-restoring');
    await del(restoring);
    await c.t.services.instances.update(deleting, { taskState: TaskState.SOFT_DELETING });
    await c.t.services.instances.update(restoring, { taskState: TaskState.RESTORING });
    await c.t.services.softDelete.recoverInterrupted();
    await c.t.services.compute.recoverInterrupted();
    await c.t.services.tasks.idle();
    expect((await show(deleting)).body.server).to.include({ status: 'SOFT_DELETED', 'OS-EXT-STS:task_state': null });
    expect(driver.powerOf(deleting)).to.equal(PowerState.SHUTDOWN);
    expect((await show(restoring)).body.server).to.include({ status: 'SOFT_DELETED', 'OS-EXT-STS:task_state': null });
  });

  describe('without a reclaim interval (the default)', () => {
    let plain: TestApp;
    before(async () => { plain = await makeTestApp(); });
    after(async () => { await plain.close(); });

    it('DELETE deletes at once; restore of a live server is a 409; forceDelete deletes', async () => {
      const img = await insertImage(plain.db, plain.projects.admin);
      const boot2 = async () => {
        const res = await plain.request.post(`${API}/servers`).set(as(plain.tokens.demo)).send({ server: { name: 'p', imageRef: img, flavorRef: '1' } });
        await plain.services.tasks.idle();
        return res.body.server.id as string;
      };
      const id = await boot2();
      const restore = await plain.request.post(`${API}/servers/${id}/action`).set(as(plain.tokens.demo)).send({ restore: null });
      expect(restore.status).to.equal(409);
      expect(restore.body.conflictingRequest.message).to.equal(`Cannot 'restore' instance ${id} while it is in vm_state active`);
      expect((await plain.request.delete(`${API}/servers/${id}`).set(as(plain.tokens.demo))).status).to.equal(204);
      await plain.services.tasks.idle();
      expect((await plain.request.get(`${API}/servers/${id}`).set(as(plain.tokens.demo))).status).to.equal(404);
      const other = await boot2();
      expect((await plain.request.post(`${API}/servers/${other}/action`).set(as(plain.tokens.demo)).send({ forceDelete: null })).status).to.equal(202);
      await plain.services.tasks.idle();
      expect((await plain.request.get(`${API}/servers/${other}`).set(as(plain.tokens.demo))).status).to.equal(404);
      expect(await plain.services.softDelete.reclaim()).to.deep.equal([]);
    });
  });
});
