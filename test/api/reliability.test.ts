import { expect } from 'chai';
import { API, as, useComputeApp } from '../helpers/compute-app';
import { FakeDriver } from '../../src/drivers/fake/driver';
import { DriverHealth, PowerState } from '../../src/drivers/driver';
import { TaskState, VmState } from '../../src/compute/states';
import { loadConfig } from '../../src/config';
import { PowerSync } from '../../src/compute/power-sync';
import { silentLogger } from '../../src/log';
import { DriverRegistry } from '../../src/drivers/registry';

/** A fake whose engine can be changed behind novashim's back, or made not to answer. */
class OutOfBandDriver extends FakeDriver {
  down = false;
  force(uuid: string, powerState: PowerState): void {
    this.instances.get(uuid)!.powerState = powerState;
  }
  remove(uuid: string): void {
    this.instances.delete(uuid);
  }
  powerOf(uuid: string): PowerState | null {
    return this.instances.get(uuid)?.powerState ?? null;
  }
  /** an instance the engine runs that no server row owns */
  adopt(uuid: string): void {
    const [any] = [...this.instances.values()];
    this.instances.set(uuid, { ...any, powerState: PowerState.RUNNING });
  }
  override async health(): Promise<DriverHealth> {
    return this.down ? { state: 'unhealthy', detail: 'engine stopped' } : super.health();
  }
}

describe('reliability: startup recovery of interrupted tasks and the periodic power state sync (fake driver)', () => {
  const driver = new OutOfBandDriver();
  const c = useComputeApp({ driver });
  const show = async (id: string) => (await c.t.request.get(`${API}/servers/${id}`).set(as(c.t.tokens.admin))).body.server;
  const state = (s: Record<string, unknown>) => [s.status, s['OS-EXT-STS:vm_state'], s['OS-EXT-STS:task_state'], s['OS-EXT-STS:power_state']];
  /** the sync as services.ts builds it, without the 2 s second look (the fake has no passing states) */
  const makeSync = (orphanAction: 'stop' | 'log' = 'stop') => new PowerSync({
    instances: c.t.services.instances, drivers: new DriverRegistry({ [c.t.config.computeHost]: driver }), tasks: c.t.services.tasks,
    manager: c.t.services.compute.manager, log: silentLogger(), intervalSec: 0, orphanAction, confirmMs: 0,
  });
  const sync = () => makeSync().sync();
  const settled = () => c.t.services.tasks.idle();

  describe('startup recovery (Nova _init_instance)', () => {
    /** the state a SIGKILLed process left: the task claimed (and the vm_state), the engine as given */
    async function interrupted(task: TaskState | null, vmState: VmState, engine?: PowerState): Promise<string> {
      const id = await c.boot();
      await c.t.services.instances.update(id, { taskState: task, vmState });
      if (engine !== undefined) driver.force(id, engine);
      await c.t.services.compute.recoverInterrupted();
      await settled();
      return id;
    }

    it('a BUILD server (building/scheduling/spawning) ends ERROR with a fault and its container removed', async () => {
      for (const task of [TaskState.SCHEDULING, TaskState.SPAWNING, null]) {
        const id = await interrupted(task, VmState.BUILDING);
        const server = await show(id);
        expect(state(server), String(task)).to.deep.equal(['ERROR', 'error', null, 0]);
        expect(server.fault.message).to.match(/restarted while this server was being built/);
        expect(driver.powerOf(id)).to.equal(null);
      }
    });

    it('an interrupted rebuild ends ERROR with a fault (Nova: "failed to rebuild correctly")', async () => {
      const server = await show(await interrupted(TaskState.REBUILDING, VmState.ACTIVE));
      expect(state(server)).to.deep.equal(['ERROR', 'error', null, 1]);
      expect(server.fault.message).to.match(/rebuilt/);
    });

    it('powering-off is retried: the container is stopped and the server SHUTOFF', async () => {
      const id = await interrupted(TaskState.POWERING_OFF, VmState.ACTIVE, PowerState.RUNNING);
      expect(state(await show(id))).to.deep.equal(['SHUTOFF', 'stopped', null, 4]);
      expect(driver.powerOf(id)).to.equal(PowerState.SHUTDOWN);
    });

    it('powering-on is retried: the container runs and the server is ACTIVE', async () => {
      const id = await interrupted(TaskState.POWERING_ON, VmState.STOPPED, PowerState.SHUTDOWN);
      expect(state(await show(id))).to.deep.equal(['ACTIVE', 'active', null, 1]);
      expect(driver.powerOf(id)).to.equal(PowerState.RUNNING);
    });

    it('a reboot cut after the stop is retried as a hard reboot (ACTIVE, running); one cut after the start is cleared', async () => {
      const cut = await interrupted(TaskState.REBOOTING, VmState.ACTIVE, PowerState.SHUTDOWN);
      expect(state(await show(cut))).to.deep.equal(['ACTIVE', 'active', null, 1]);
      expect(driver.powerOf(cut)).to.equal(PowerState.RUNNING);
      expect(state(await show(await interrupted(TaskState.REBOOTING_HARD, VmState.ACTIVE, PowerState.RUNNING)))).to.deep.equal(['ACTIVE', 'active', null, 1]);
    });

    it('an ERROR server keeps ERROR, its dead task cleared; a snapshot task is cleared (the engine state taken)', async () => {
      expect(state(await show(await interrupted(TaskState.REBOOTING_HARD, VmState.ERROR)))).to.deep.equal(['ERROR', 'error', null, 1]);
      expect(state(await show(await interrupted(TaskState.IMAGE_SNAPSHOT, VmState.ACTIVE)))).to.deep.equal(['ACTIVE', 'active', null, 1]);
    });

    it('an interrupted task whose container is gone ends ERROR with a fault, never stuck', async () => {
      const id = await c.boot();
      await c.t.services.instances.update(id, { taskState: TaskState.POWERING_ON, vmState: VmState.STOPPED });
      driver.remove(id);
      await c.t.services.compute.recoverInterrupted();
      await settled();
      const server = await show(id);
      expect(state(server)).to.deep.equal(['ERROR', 'error', null, 0]);
      expect(server.fault.message).to.match(/could not be found/);
    });
  });

  describe('power state sync (Nova _sync_power_states)', () => {
    it('reads NOVASHIM_POWER_SYNC_INTERVAL (default 600 s as Nova, 0 = off) and NOVASHIM_ORPHAN_CONTAINER_ACTION (default stop)', () => {
      expect(loadConfig({}).powerSyncIntervalSec).to.equal(600);
      expect(loadConfig({ NOVASHIM_POWER_SYNC_INTERVAL: '1' }).powerSyncIntervalSec).to.equal(1);
      expect(() => loadConfig({ NOVASHIM_POWER_SYNC_INTERVAL: '-1' })).to.throw(/NOVASHIM_POWER_SYNC_INTERVAL/);
      expect(loadConfig({}).orphanContainerAction).to.equal('stop');
      expect(loadConfig({ NOVASHIM_ORPHAN_CONTAINER_ACTION: 'log' }).orphanContainerAction).to.equal('log');
      expect(() => loadConfig({ NOVASHIM_ORPHAN_CONTAINER_ACTION: 'remove' })).to.throw(/NOVASHIM_ORPHAN_CONTAINER_ACTION/);
    });

    it('an ACTIVE server whose container stopped (or crashed) behind novashim becomes SHUTOFF (stopped, power_state 4)', async () => {
      for (const engine of [PowerState.SHUTDOWN, PowerState.CRASHED]) {
        const id = await c.boot();
        driver.force(id, engine);
        const report = await sync();
        await settled();
        expect(report.changed.get(id)).to.equal('stop');
        expect(state(await show(id))).to.deep.equal(['SHUTOFF', 'stopped', null, 4]);
      }
    });

    it('a STOPPED server whose container was started behind novashim is stopped again (Nova force_stop), stays SHUTOFF', async () => {
      const id = await c.boot();
      await c.t.request.post(`${API}/servers/${id}/action`).set(as(c.t.tokens.demo)).send({ 'os-stop': null });
      await settled();
      driver.force(id, PowerState.RUNNING);
      await sync();
      await settled();
      expect(state(await show(id))).to.deep.equal(['SHUTOFF', 'stopped', null, 4]);
      expect(driver.powerOf(id)).to.equal(PowerState.SHUTDOWN);
    });

    it('an ACTIVE server whose container still runs is left alone; a paused container of an ACTIVE server is only recorded', async () => {
      const id = await c.boot();
      expect((await sync()).changed.has(id)).to.equal(false);
      driver.force(id, PowerState.PAUSED);
      expect((await sync()).changed.get(id)).to.equal('power_state');
      await settled();
      expect(state(await show(id))).to.deep.equal(['ACTIVE', 'active', null, 3]);
    });

    it('a SUSPENDED server whose engine reports it frozen (paused) keeps power_state 7 (SUSPENDED)', async () => {
      const id = await c.boot();
      await c.t.services.instances.update(id, { vmState: VmState.SUSPENDED, powerState: PowerState.SUSPENDED });
      driver.force(id, PowerState.PAUSED);
      expect((await sync()).changed.has(id)).to.equal(false);
      expect(state(await show(id))).to.deep.equal(['SUSPENDED', 'suspended', null, 7]);
    });

    it('a server whose container was removed behind novashim becomes ERROR with a fault', async () => {
      const id = await c.boot();
      driver.remove(id);
      expect((await sync()).changed.get(id)).to.equal('error');
      const server = await show(id);
      expect(state(server)).to.deep.equal(['ERROR', 'error', null, 0]);
      expect(server.fault.code).to.equal(404);
      expect(server.fault.message).to.match(/removed outside novashim/);
    });

    it('a container seen stopped once but running again a moment later (a restart) is not acted on; the services.ts sync looks twice', async () => {
      const id = await c.boot();
      driver.force(id, PowerState.SHUTDOWN);
      setTimeout(() => driver.force(id, PowerState.RUNNING), 300);
      const report = await c.t.services.powerSync.sync(); // the composition root's: confirmMs 2000
      await settled();
      expect(report.changed.has(id)).to.equal(false);
      expect(state(await show(id))).to.deep.equal(['ACTIVE', 'active', null, 1]);
    });

    it('skips a server with a task_state (Nova: "has a pending task. Skip.")', async () => {
      const id = await c.boot();
      await c.t.services.instances.update(id, { taskState: TaskState.REBOOTING });
      driver.force(id, PowerState.SHUTDOWN);
      expect((await sync()).changed.has(id)).to.equal(false);
      expect(state(await show(id))).to.deep.equal(['REBOOT', 'active', 'rebooting', 1]);
      await c.t.services.instances.update(id, { taskState: null });
    });

    it('a host whose engine does not answer is reported down and nothing on it changes', async () => {
      const id = await c.boot();
      driver.remove(id);
      driver.down = true;
      try {
        const report = await sync();
        expect(report.hostsDown).to.deep.equal([c.t.config.computeHost]);
        expect(state(await show(id))).to.deep.equal(['ACTIVE', 'active', null, 1]);
      } finally {
        driver.down = false;
      }
    });

    it('an instance the engine runs that no server owns (orphan) is reported and stopped; with action log only reported', async () => {
      const orphan = '0f6c3c58-8d0c-4a8e-9a47-0a1b2c3d4e5f';
      await c.boot();
      driver.adopt(orphan);
      expect((await makeSync('log').sync()).orphans).to.deep.equal([orphan]);
      expect(driver.powerOf(orphan)).to.equal(PowerState.RUNNING);
      expect((await sync()).orphans).to.deep.equal([orphan]);
      expect(driver.powerOf(orphan)).to.equal(PowerState.SHUTDOWN);
      driver.remove(orphan);
    });
  });
});
