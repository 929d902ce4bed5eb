import { expect } from 'chai';
import { API, as, useComputeApp } from '../helpers/compute-app';
import { FakeDriver } from '../../src/drivers/fake/driver';
import { DriverFlavor, PowerState } from '../../src/drivers/driver';
import { TaskState, VmState } from '../../src/compute/states';
import { toDriverInstance } from '../../src/compute/manager';
import type { FlavorSnapshot, InstancePatch } from '../../src/db/stores/instances';
import type { MigrationType } from '../../src/db/stores/migrations';
import type { AuthContext } from '../../src/identity/auth-context';

/* eslint-disable @typescript-eslint/no-explicit-any -- API bodies are read field by field */

/** A fake whose engine state a test can set and read, as a SIGKILLed process left it. */
class EngineDriver extends FakeDriver {
  force(uuid: string, powerState: PowerState): void {
    this.instances.get(uuid)!.powerState = powerState;
  }
  powerOf(uuid: string): PowerState | null {
    return this.instances.get(uuid)?.powerState ?? null;
  }
  limitsOf(uuid: string): DriverFlavor | null {
    return this.instances.get(uuid)?.flavor ?? null;
  }
  count(): number {
    return this.instances.size;
  }
}

const TINY: FlavorSnapshot = { id: '1', name: 'm1.tiny', memoryMb: 512, vcpus: 1, rootGb: 1, ephemeralGb: 0, swap: 0 };
const MEDIUM: FlavorSnapshot = { id: '3', name: 'm1.medium', memoryMb: 4096, vcpus: 2, rootGb: 40, ephemeralGb: 0, swap: 0 };

/**
 * Startup recovery of an interrupted resize, cold migration, revert or confirm (resize-recovery.ts,
 * Nova's _init_instance): each task_state a SIGKILL can leave is set up as the dead process left
 * it (the task, the engine's limits and power, the migration record, the open instance action
 * event), recovery runs, and the server, the engine and the records must end as Nova would leave them.
 */
describe('resize recovery: interrupted resizes, migrations, reverts and confirms after a restart (fake driver)', () => {
  const driver = new EngineDriver();
  const c = useComputeApp({ driver });
  const t = () => c.t;
  const show = async (id: string) => (await t().request.get(`${API}/servers/${id}`).set(as(t().tokens.admin))).body.server;
  const act = (id: string, body: object) => t().request.post(`${API}/servers/${id}/action`).set(as(t().tokens.demo)).send(body);
  const migrationsOf = async (id: string) => t().services.migrations.store.list({ instanceUuid: id });

  /**
   * What a process killed mid-move leaves: the action recorded with its event open, the migration
   * record in `status`, the task claimed (with `fields`); `engine` sets the engine's limits/power.
   */
  async function interrupted(id: string, opts: {
    task: TaskState; status?: string; type?: MigrationType; action?: string; fields?: InstancePatch;
    engineLimits?: FlavorSnapshot; enginePower?: PowerState;
  }): Promise<void> {
    const instance = await t().services.instances.find(id);
    const auth = { userId: instance.userId, projectId: instance.projectId, requestId: `req-${opts.task}-${id}` } as AuthContext;
    await t().services.instanceActions.start(auth, id, opts.action ?? 'resize');
    await t().services.instanceActions.startEvent(id, 'compute_resize_instance');
    if (opts.status) {
      const type = opts.type ?? 'resize';
      const existing = type === 'resize' ? await t().services.migrations.finishedResize(id) : undefined;
      const m = existing ?? await t().services.migrations.begin(instance, type, (opts.fields?.newFlavor ?? instance.flavor).id);
      await t().services.migrations.set(m, opts.status);
    }
    await t().services.instances.update(id, { ...opts.fields, taskState: opts.task });
    if (opts.engineLimits) await driver.resize(toDriverInstance(instance), opts.engineLimits);
    if (opts.enginePower !== undefined) driver.force(id, opts.enginePower);
  }

  async function recover(): Promise<void> {
    await t().services.compute.recoverInterrupted();
    await t().services.tasks.idle();
  }

  async function resizedServer(): Promise<string> {
    const id = await c.boot('r', undefined, '1');
    expect((await act(id, { resize: { flavorRef: '3' } })).status).to.equal(202);
    await t().services.tasks.idle();
    expect((await show(id)).status).to.equal('VERIFY_RESIZE');
    return id;
  }

  const summary = (s: any) => [s.status, s['OS-EXT-STS:task_state'], s['OS-EXT-STS:power_state'], s.flavor.id];

  /** the interrupted action's event ended with Error, the action finished */
  async function expectEventsClosed(id: string): Promise<void> {
    const actions = await t().services.instanceActions.list(id);
    for (const a of actions) {
      expect(a.finishTime, `${a.action} not finished`).to.not.equal(null);
      for (const e of await t().services.instanceActions.events(a.id)) expect(e.finishTime, `${a.action}/${e.event} open`).to.not.equal(null);
    }
    const interruptedEvents = (await Promise.all(actions.map((a) => t().services.instanceActions.events(a.id)))).flat()
      .filter((e) => e.event === 'compute_resize_instance');
    expect(interruptedEvents.map((e) => [e.result, e.traceback])).to.deep.include(['Error', 'The service restarted while this event was in progress.']);
  }

  it('resize_prep: the task is cleared (Nova), the server ACTIVE with its old flavor, the migration in error', async () => {
    const id = await c.boot('prep');
    await interrupted(id, { task: TaskState.RESIZE_PREP, status: 'pre-migrating', fields: { newFlavor: MEDIUM } });
    await recover();
    expect(summary(await show(id))).to.deep.equal(['ACTIVE', null, 1, '1']);
    expect(driver.limitsOf(id)).to.deep.include({ memoryMb: 512, vcpus: 1 });
    expect((await migrationsOf(id)).map((m) => m.status)).to.deep.equal(['error']);
    expect((await t().services.instances.find(id)).newFlavor).to.equal(null);
    await expectEventsClosed(id);
  });

  it('resize_migrating: rolled back (finish_revert_migration): old limits on the container, powered on again, ACTIVE with the old flavor', async () => {
    const id = await c.boot('migrating');
    // the engine got the new limits, and the container was down when the process died
    await interrupted(id, { task: TaskState.RESIZE_MIGRATING, status: 'migrating', fields: { newFlavor: MEDIUM }, engineLimits: MEDIUM, enginePower: PowerState.SHUTDOWN });
    await recover();
    expect(summary(await show(id))).to.deep.equal(['ACTIVE', null, 1, '1']);
    expect(driver.limitsOf(id)).to.deep.include({ memoryMb: 512, vcpus: 1 });
    expect(driver.powerOf(id)).to.equal(PowerState.RUNNING);
    expect((await migrationsOf(id)).map((m) => m.status)).to.deep.equal(['error']);
    await expectEventsClosed(id);
    // and the server can be resized again
    expect((await act(id, { resize: { flavorRef: '3' } })).status).to.equal(202);
    await t().services.tasks.idle();
    expect((await show(id)).status).to.equal('VERIFY_RESIZE');
  });

  it('resize_migrating of a stopped server: rolled back and left SHUTOFF (Nova: power_on only when old_vm_state was not stopped)', async () => {
    const id = await c.boot('stopped');
    expect((await act(id, { 'os-stop': null })).status).to.equal(202);
    await t().services.tasks.idle();
    await interrupted(id, { task: TaskState.RESIZE_MIGRATING, status: 'migrating', fields: { newFlavor: MEDIUM }, engineLimits: MEDIUM });
    await recover();
    expect(summary(await show(id))).to.deep.equal(['SHUTOFF', null, 4, '1']);
    expect(driver.limitsOf(id)).to.deep.include({ memoryMb: 512 });
    expect(driver.powerOf(id)).to.equal(PowerState.SHUTDOWN);
  });

  it('resize_migrating of a server in ERROR is rolled back too (Nova) and stays ERROR', async () => {
    const id = await c.boot('error');
    await interrupted(id, { task: TaskState.RESIZE_MIGRATING, status: 'migrating', fields: { newFlavor: MEDIUM, vmState: VmState.ERROR }, engineLimits: MEDIUM });
    await recover();
    const s = await show(id);
    expect([s.status, s['OS-EXT-STS:task_state'], s.flavor.id]).to.deep.equal(['ERROR', null, '1']);
    expect(driver.limitsOf(id)).to.deep.include({ memoryMb: 512 });
  });

  for (const task of [TaskState.RESIZE_MIGRATED, TaskState.RESIZE_FINISH]) {
    it(`${task}: the resize is finished (Nova's queued finish_resize): VERIFY_RESIZE with the new flavor, the migration finished`, async () => {
      const id = await c.boot(task);
      // resize_finish: the engine has the new limits; resize_migrated: left for the finish to apply
      await interrupted(id, { task, status: 'post-migrating', fields: { newFlavor: MEDIUM }, engineLimits: task === TaskState.RESIZE_FINISH ? MEDIUM : undefined });
      await recover();
      expect(summary(await show(id))).to.deep.equal(['VERIFY_RESIZE', null, 1, '3']);
      expect(driver.limitsOf(id)).to.deep.include({ memoryMb: 4096, vcpus: 2 });
      expect((await migrationsOf(id)).map((m) => m.status)).to.deep.equal(['finished']);
      await expectEventsClosed(id);
      // the revert the old flavor was kept for
      expect((await act(id, { revertResize: null })).status).to.equal(202);
      await t().services.tasks.idle();
      expect(summary(await show(id))).to.deep.equal(['ACTIVE', null, 1, '1']);
      expect(driver.limitsOf(id)).to.deep.include({ memoryMb: 512 });
      expect((await migrationsOf(id)).map((m) => m.status)).to.deep.equal(['reverted']);
    });
  }

  it('resize_finish without a saved new flavor (a row from before migration 0025) is rolled back instead', async () => {
    const id = await c.boot('legacy');
    await interrupted(id, { task: TaskState.RESIZE_FINISH, status: 'post-migrating', engineLimits: MEDIUM });
    await recover();
    expect(summary(await show(id))).to.deep.equal(['ACTIVE', null, 1, '1']);
    expect(driver.limitsOf(id)).to.deep.include({ memoryMb: 512 });
    expect((await migrationsOf(id)).map((m) => m.status)).to.deep.equal(['error']);
  });

  it('resize_reverting: the revert is finished: old limits and flavor back, ACTIVE, the migration reverted', async () => {
    const id = await resizedServer();
    await interrupted(id, { task: TaskState.RESIZE_REVERTING, status: 'reverting', action: 'revertResize', fields: { newFlavor: TINY } });
    await recover();
    expect(summary(await show(id))).to.deep.equal(['ACTIVE', null, 1, '1']);
    expect(driver.limitsOf(id)).to.deep.include({ memoryMb: 512, vcpus: 1 });
    const after = await t().services.instances.find(id);
    expect([after.oldFlavor, after.newFlavor]).to.deep.equal([null, null]);
    expect((await migrationsOf(id)).map((m) => m.status)).to.deep.equal(['reverted']);
    await expectEventsClosed(id);
  });

  it('resize_confirming: the confirm is finished: the new flavor kept, the old one dropped, ACTIVE, the migration confirmed', async () => {
    const id = await resizedServer();
    await interrupted(id, { task: TaskState.RESIZE_CONFIRMING, status: 'confirming', action: 'confirmResize' });
    await recover();
    expect(summary(await show(id))).to.deep.equal(['ACTIVE', null, 1, '3']);
    expect(driver.limitsOf(id)).to.deep.include({ memoryMb: 4096, vcpus: 2 });
    expect((await t().services.instances.find(id)).oldFlavor).to.equal(null);
    expect((await migrationsOf(id)).map((m) => m.status)).to.deep.equal(['confirmed']);
    await expectEventsClosed(id);
  });

  it('an interrupted cold migration (resize_prep, type migration) and live migration (migrating): task cleared, migration in error', async () => {
    const cold = await c.boot('cold');
    await interrupted(cold, { task: TaskState.RESIZE_PREP, status: 'pre-migrating', type: 'migration', action: 'migrate' });
    const live = await c.boot('live');
    await interrupted(live, { task: TaskState.MIGRATING, status: 'accepted', type: 'live-migration', action: 'live-migration' });
    await recover();
    for (const id of [cold, live]) {
      expect(summary(await show(id))).to.deep.equal(['ACTIVE', null, 1, '1']);
      expect((await migrationsOf(id)).map((m) => m.status)).to.deep.equal(['error']);
    }
  });

  it('recovery leaves exactly one engine instance per server and none without one', async () => {
    const servers = await t().services.instances.list({});
    expect(driver.count()).to.equal(servers.length);
    for (const s of servers) expect(driver.powerOf(s.uuid), s.displayName).to.not.equal(null);
  });
});
