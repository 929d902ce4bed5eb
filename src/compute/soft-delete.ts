import type { Logger } from '../log';
import type { AuthContext } from '../identity/auth-context';
import type { InstanceStore } from '../db/stores/instances';
import type { TaskRunner } from './tasks';
import type { ComputeService } from './service';
import type { InstanceActionRecorder } from './instance-actions';
import { requireState, StateRequirement } from './guards';
import { TaskState, VmState } from './states';
import { requireUnlocked } from './lock';
import { restoreDeltas } from './quotas';

/** Nova's restore: @check_instance_state(vm_state=[SOFT_DELETED]) (task_state None). */
const RESTORE_ALLOWED: StateRequirement = { vm: [VmState.SOFT_DELETED], task: [null] };
/** Nova's force_delete: @check_instance_state(task_state=None), any vm_state. */
const FORCE_DELETE_ALLOWED: StateRequirement = { task: [null] };

export interface SoftDeleteDeps {
  readonly compute: ComputeService;
  readonly instances: InstanceStore;
  readonly tasks: TaskRunner;
  readonly actions: InstanceActionRecorder;
  readonly log: Logger;
  /** Nova's reclaim_instance_interval: seconds a deleted server waits in SOFT_DELETED; 0 deletes at once */
  readonly reclaimIntervalSec: number;
  /** seconds a stop waits for a clean shutdown (Nova's shutdown_timeout) */
  readonly shutdownTimeoutSec: number;
}

/**
 * Deferred delete (Nova's deferred_delete.py, compute API soft_delete/restore/force_delete and the
 * manager's soft_delete_instance, restore_instance and _reclaim_queued_deletes). With a reclaim
 * interval, DELETE stops the container and leaves the server SOFT_DELETED; `restore` starts it
 * again, `forceDelete` deletes it now, and the periodic reclaim deletes it once it has waited the
 * interval. The wait is measured from the server's updated_at (the soft delete is its last
 * change), so it survives a restart.
 */
export class SoftDeleteService {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly d: SoftDeleteDeps) {}

  get enabled(): boolean {
    return this.d.reclaimIntervalSec > 0;
  }

  /**
   * DELETE /servers/{id}: a soft delete when a reclaim interval is set; a server that never ran
   * (Nova's must_have_launched) or is already being deleted is deleted as usual.
   */
  async delete(auth: AuthContext, uuid: string): Promise<void> {
    if (!this.enabled) return this.d.compute.delete(auth, uuid);
    const instance = await this.d.compute.get(auth, uuid);
    requireUnlocked(instance, auth);
    if (!instance.launchedAt || !instance.host || instance.driverState === null || instance.taskState === TaskState.DELETING) {
      return this.d.compute.delete(auth, uuid);
    }
    // Nova's _delete: no state check, the task_state is set whatever it was
    await this.d.instances.update(uuid, { taskState: TaskState.SOFT_DELETING });
    const actionId = await this.d.actions.start(auth, uuid, 'delete');
    this.d.tasks.run(uuid, 'soft_delete', this.d.actions.within(uuid, actionId, () => this.softDeleteWork(uuid)));
  }

  /** Nova's restore: SOFT_DELETED only (409 otherwise); the container runs again and the server is ACTIVE. */
  async restore(auth: AuthContext, uuid: string): Promise<void> {
    const instance = await this.d.compute.get(auth, uuid);
    await this.d.compute.startAction(auth, uuid, {
      method: 'restore', allowed: RESTORE_ALLOWED, task: TaskState.RESTORING,
      // Nova checks the quota after the lock and state checks; checked and claimed at once here, the
      // restoring server counted from its claim on (QuotaStore.instanceUsage)
      claim: this.d.compute.quotaClaim(instance, restoreDeltas(instance.flavor)),
      work: () => this.d.compute.manager.run(uuid, 'restore', async (driver, di) => {
        await driver.powerOn(di); // Nova's fallback when the driver has no restore
        const info = await driver.getInfo(di);
        return { vmState: VmState.ACTIVE, powerState: info.powerState, addresses: info.addresses };
      }),
    });
  }

  /** Nova's force_delete: any vm_state, task_state None (409 otherwise), deleted now. */
  async forceDelete(auth: AuthContext, uuid: string): Promise<void> {
    const instance = await this.d.compute.get(auth, uuid);
    requireUnlocked(instance, auth);
    requireState(instance, FORCE_DELETE_ALLOWED, 'forceDelete');
    await this.d.compute.delete(auth, uuid);
  }

  /** Nova's _reclaim_queued_deletes: every SOFT_DELETED server (task_state None) deleted long enough ago. */
  async reclaim(now = new Date()): Promise<string[]> {
    if (!this.enabled) return [];
    const due = (await this.d.instances.list({ vmStates: [VmState.SOFT_DELETED] }))
      .filter((i) => i.taskState === null && now.getTime() - i.updatedAt.getTime() >= this.d.reclaimIntervalSec * 1000);
    const reclaimed: string[] = [];
    for (const instance of due) {
      const uuid = instance.uuid;
      // claim it, unless restored or force-deleted meanwhile
      if (!(await this.d.instances.update(uuid, { taskState: TaskState.DELETING }, null))) continue;
      this.d.log.info({ instanceId: uuid }, 'reclaiming deleted instance');
      this.d.tasks.run(uuid, 'delete', () => this.d.compute.manager.destroy(uuid));
      reclaimed.push(uuid);
    }
    return reclaimed;
  }

  /** The periodic reclaim (Nova runs it every reclaim_instance_interval seconds); a no-op without an interval. */
  startReclaim(): void {
    if (!this.enabled || this.timer) return;
    const everyMs = Math.min(this.d.reclaimIntervalSec, 60) * 1000;
    const tick = () => {
      void this.reclaim().catch((err) => this.d.log.warn({ err }, 'periodic reclaim failed'));
    };
    tick(); // those due while the service was down
    this.timer = setInterval(tick, everyMs);
    this.timer.unref();
  }

  stopReclaim(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Before ComputeService.recoverInterrupted (which would settle them as stopped or active): an
   * interrupted soft delete is finished (SOFT_DELETED, the power off done again), an interrupted
   * restore leaves the server SOFT_DELETED, to be restored again.
   */
  async recoverInterrupted(): Promise<void> {
    const busy = await this.d.instances.list({ taskStates: [TaskState.SOFT_DELETING, TaskState.RESTORING] });
    for (const instance of busy) {
      const uuid = instance.uuid;
      if (instance.taskState === TaskState.RESTORING) {
        await this.d.instances.update(uuid, { taskState: null }, TaskState.RESTORING);
        continue;
      }
      if (!(await this.d.instances.update(uuid, { vmState: VmState.SOFT_DELETED, taskState: null }, TaskState.SOFT_DELETING))) continue;
      this.d.tasks.run(uuid, 'soft_delete', () => this.softDeleteWork(uuid));
    }
  }

  /** Nova's soft_delete_instance: the driver's power off (its fallback for soft_delete), then SOFT_DELETED. */
  private async softDeleteWork(uuid: string): Promise<void> {
    await this.d.compute.manager.run(uuid, 'soft_delete', async (driver, di) => {
      await driver.powerOff(di, { timeoutSec: this.d.shutdownTimeoutSec });
      const info = await driver.getInfo(di);
      return { vmState: VmState.SOFT_DELETED, powerState: info.powerState, addresses: [] };
    });
  }
}
