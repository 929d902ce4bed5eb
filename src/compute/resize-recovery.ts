import type { Logger } from '../log';
import type { FlavorSnapshot, InstancePatch, InstanceRecord, InstanceStore } from '../db/stores/instances';
import type { MigrationStore, MigrationType } from '../db/stores/migrations';
import type { ComputeDriver, DriverInstance, InstanceInfo } from '../drivers/driver';
import { PowerState } from '../drivers/driver';
import type { ComputeManager } from './manager';
import { TaskState, VmState } from './states';

export interface ResizeRecoveryDeps {
  readonly instances: InstanceStore;
  readonly manager: ComputeManager;
  readonly log: Logger;
  /** the migration records to end (os-migrations); absent: none are kept */
  readonly migrationRecords?: MigrationStore;
}

/**
 * What startup recovery does with a move the previous process did not finish (Nova's
 * ComputeManager._init_instance, and for the states it leaves to the message queue, what the
 * queued message would have done):
 * - abandon-migration (resize_prep of a resize or cold migrate, or migrating of a live migration):
 *   nothing was changed on the engine yet; Nova clears the task_state (_reset_live_migration for a
 *   live one); the migration record ends in `error`, the server keeps its flavor and takes the
 *   power state the engine reports;
 * - roll-back-resize (resize_migrating: the engine may or may not have the new limits): Nova's
 *   "We crashed during resize/migration, so roll back for safety" — finish_revert_migration: the old
 *   flavor's limits put back on the container, powered on unless the server was stopped (Nova's
 *   old_vm_state), task_state cleared (a server in ERROR stays ERROR); the record ends in `error`;
 * - finish-resize (resize_migrated, resize_finish: the new limits are applied): Nova's queued
 *   finish_resize still runs after a restart, so the resize is finished: the new flavor's limits
 *   (again), VERIFY_RESIZE with the new flavor, the old one kept for a revert; the record `finished`;
 * - finish-revert-resize (resize_reverting): the revert is finished: the old flavor's limits and the
 *   old flavor back, ACTIVE (SHUTOFF if the container is stopped); the record `reverted`;
 * - finish-confirm-resize (resize_confirming): the confirm is finished: the new flavor kept, the old
 *   one dropped, ACTIVE or SHUTOFF; the record `confirmed`.
 * The Docker driver resizes in place (`docker update` of one container: see docker/resize.ts), so
 * no move leaves a second container behind; each way out re-applies the limits of the flavor the
 * server ends with, so the container and the server agree whatever point the update had reached.
 */
export type ResizeRecoveryAction = 'abandon-migration' | 'roll-back-resize' | 'finish-resize' | 'finish-revert-resize' | 'finish-confirm-resize';

/** The task_states of a move that recovery handles here. */
export const MOVE_TASKS: readonly (TaskState | null)[] = [
  TaskState.RESIZE_PREP, TaskState.RESIZE_MIGRATING, TaskState.RESIZE_MIGRATED, TaskState.RESIZE_FINISH,
  TaskState.RESIZE_REVERTING, TaskState.RESIZE_CONFIRMING, TaskState.MIGRATING,
];

/** Nova's migration statuses of a move still under way */
const UNDER_WAY = ['accepted', 'queued', 'preparing', 'pre-migrating', 'migrating', 'running', 'post-migrating'] as const;

/** The recovery of an interrupted move, or null when the server is in none. */
export function decideMove(i: InstanceRecord): ResizeRecoveryAction | null {
  switch (i.taskState) {
    case TaskState.RESIZE_PREP:
    case TaskState.MIGRATING:
      return 'abandon-migration';
    case TaskState.RESIZE_MIGRATING:
      return 'roll-back-resize';
    case TaskState.RESIZE_MIGRATED:
    case TaskState.RESIZE_FINISH:
      // a row from before new_flavor was saved cannot be finished: rolled back instead
      return i.newFlavor ? 'finish-resize' : 'roll-back-resize';
    case TaskState.RESIZE_REVERTING:
      return i.oldFlavor ? 'finish-revert-resize' : 'finish-confirm-resize';
    case TaskState.RESIZE_CONFIRMING:
      return 'finish-confirm-resize';
    default:
      return null;
  }
}

/** Runs the recovery `decideMove` chose (in the per-server task queue, like any action). */
export async function recoverMove(d: ResizeRecoveryDeps, i: InstanceRecord, action: ResizeRecoveryAction): Promise<void> {
  const uuid = i.uuid;
  switch (action) {
    case 'abandon-migration':
      await endMigrations(d, uuid, UNDER_WAY, 'error');
      await d.instances.update(uuid, { newFlavor: null });
      return d.manager.settle(uuid);
    case 'roll-back-resize':
      await d.manager.run(uuid, 'finish_revert_resize', async (driver, di) => {
        await applyFlavor(driver, di, i.flavor);
        // Nova's power_on = old_vm_state != STOPPED: the server's vm_state is the old one until the resize finishes
        let info = await driver.getInfo(di);
        if (i.vmState !== VmState.STOPPED && info.powerState !== PowerState.RUNNING) {
          await driver.powerOn(di);
          info = await driver.getInfo(di);
        }
        // Nova only resets the task_state: a server in ERROR stays so
        const vmState = i.vmState === VmState.ERROR ? { vmState: VmState.ERROR } : {};
        return { ...settled(info), ...vmState, newFlavor: null, progress: 0 };
      });
      await endMigrations(d, uuid, UNDER_WAY, 'error');
      return;
    case 'finish-resize': {
      const newFlavor = i.newFlavor!;
      await d.manager.run(uuid, 'finish_resize', async (driver, di) => {
        await applyFlavor(driver, di, newFlavor);
        const info = await driver.getInfo(di);
        await endMigrations(d, uuid, UNDER_WAY, 'finished', ['resize', 'migration']);
        return { vmState: VmState.RESIZED, flavor: newFlavor, oldFlavor: i.flavor, newFlavor: null, powerState: info.powerState, addresses: info.addresses, progress: 100 };
      });
      return;
    }
    case 'finish-revert-resize': {
      const oldFlavor = i.oldFlavor!;
      await d.manager.run(uuid, 'finish_revert_resize', async (driver, di) => {
        await applyFlavor(driver, di, oldFlavor);
        const info = await driver.getInfo(di);
        await endMigrations(d, uuid, ['finished', 'reverting'], 'reverted', ['resize', 'migration']);
        return { ...settled(info), flavor: oldFlavor, oldFlavor: null, newFlavor: null };
      });
      return;
    }
    case 'finish-confirm-resize':
      await d.manager.run(uuid, 'confirmResize', async (driver, di) => {
        await applyFlavor(driver, di, i.flavor);
        const info = await driver.getInfo(di);
        await endMigrations(d, uuid, ['finished', 'confirming'], 'confirmed', ['resize', 'migration']);
        return { ...settled(info), oldFlavor: null, newFlavor: null };
      });
      return;
  }
}

/** The flavor's limits on the container, when the driver can change them (a no-op when they already are). */
async function applyFlavor(driver: ComputeDriver, di: DriverInstance, flavor: FlavorSnapshot): Promise<void> {
  if (driver.capabilities.resize && driver.resize) await driver.resize(di, flavor);
}

function settled(info: InstanceInfo): InstancePatch {
  const vmState = info.powerState === PowerState.RUNNING ? VmState.ACTIVE : VmState.STOPPED;
  return { vmState, powerState: info.powerState, addresses: info.addresses };
}

/** The server's migration records in one of `from` (of `types`) moved to `to`; a failure is logged, never fatal. */
async function endMigrations(d: ResizeRecoveryDeps, uuid: string, from: readonly string[], to: string, types?: readonly MigrationType[]): Promise<void> {
  if (!d.migrationRecords) return;
  try {
    for (const m of await d.migrationRecords.list({ instanceUuid: uuid })) {
      if (!from.includes(m.status) || (types && !types.includes(m.migrationType))) continue;
      await d.migrationRecords.update(m.id, { status: to }, from);
    }
  } catch (err) {
    d.log.warn({ err, instanceId: uuid }, 'cannot end the migration records of an interrupted move');
  }
}
