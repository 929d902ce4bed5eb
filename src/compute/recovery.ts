import type { Logger } from '../log';
import type { InstanceRecord, InstanceStore } from '../db/stores/instances';
import type { DriverRegistry } from '../drivers/registry';
import type { ComputeManager } from './manager';
import type { TaskRunner } from './tasks';
import { PowerState } from '../drivers/driver';
import { toDriverInstance } from './manager';
import { TaskState, VmState } from './states';
import type { MigrationStore } from '../db/stores/migrations';
import type { InstanceActionRecorder } from './instance-actions';
import { decideMove, recoverMove, ResizeRecoveryAction } from './resize-recovery';

export interface RecoveryDeps {
  readonly instances: InstanceStore;
  readonly tasks: TaskRunner;
  readonly manager: ComputeManager;
  readonly drivers: DriverRegistry;
  readonly log: Logger;
  /** seconds a retried stop waits for a clean shutdown */
  readonly shutdownTimeoutSec: number;
  /** migration records an interrupted move ends (resize-recovery.ts); absent: none are kept */
  readonly migrationRecords?: MigrationStore;
  /** instance actions: the events the dead process left open are finished (Error) */
  readonly actions?: InstanceActionRecorder;
}

/** a spawn the old process did not finish (Nova: BUILDING, or these task_states) */
const BUILD_TASKS: readonly (TaskState | null)[] = [TaskState.SCHEDULING, TaskState.SPAWNING];
/** a rebuild the old process did not finish: its container may be gone or half made (Nova: ERROR) */
const REBUILD_TASKS: readonly (TaskState | null)[] = [TaskState.REBUILDING, TaskState.REBUILD_BLOCK_DEVICE_MAPPING, TaskState.REBUILD_SPAWNING];
const REBOOT_TASKS: readonly (TaskState | null)[] = [TaskState.REBOOTING, TaskState.REBOOTING_HARD];

/** What startup recovery decided for one instance (returned for logs and tests). */
export type RecoveryAction = 'delete' | 'abandon-build' | 'abandon-rebuild' | 'clear-error-task' | 'retry-stop' | 'retry-start'
  | 'retry-reboot' | 'settle' | ResizeRecoveryAction;

/**
 * Startup recovery (Nova's ComputeManager._init_instance): work under way when the previous process
 * died is gone with it, so every instance it left busy is resumed or rolled back, and none stays in
 * BUILD or with a task_state of the dead process:
 * - task_state deleting: the delete is redone;
 * - vm_state building, or task_state scheduling/spawning: ERROR with a fault, whatever the spawn left
 *   on the engine removed (Nova: "Instance failed to spawn correctly, setting to ERROR state");
 * - vm_state error (any other task): the task_state is cleared, the server stays ERROR (Nova leaves
 *   error instances alone; we clear the dead task so the server can be deleted or hard-rebooted);
 * - a rebuild task (rebuilding, rebuild_block_device_mapping, rebuild_spawning): ERROR with a fault;
 * - powering-off / powering-on: the stop / start is retried;
 * - rebooting / rebooting_hard: a hard reboot is retried when the container is not running (Nova's
 *   _retry_reboot), else the task is cleared and the server is ACTIVE;
 * - a resize, cold or live migration, revert or confirm (resize_prep, resize_migrating, resize_migrated,
 *   resize_finish, resize_reverting, resize_confirming, migrating): rolled back or finished as
 *   resize-recovery.ts describes, the migration record ended (error, finished, reverted, confirmed);
 * - a shelved or shelved-offloaded server (an interrupted shelve, offload or unshelve): back to what
 *   the engine shows (shelve.ts settleShelved: an unshelve that did not finish leaves it offloaded);
 * - anything else (snapshot, pause/unpause, suspend/resume, shelving, rescue…): the
 *   task_state is cleared and the state the engine reports taken (ComputeManager.settle).
 * Interrupted soft deletes and restores are SoftDeleteService.recoverInterrupted's, run before this.
 * The events the dead process left open on each such server end with Error first (Nova leaves them
 * open). The work runs in the background, serialized per server like any action; `tasks.idle()` awaits it.
 */
export async function recoverInterrupted(d: RecoveryDeps): Promise<Map<string, RecoveryAction>> {
  const decided = new Map<string, RecoveryAction>();
  const all = await d.instances.list({});
  const busy = all.filter((i) => i.taskState !== null || i.vmState === VmState.BUILDING);
  const started = new Date();
  for (const instance of busy) {
    await d.actions?.finishInterrupted(instance.uuid, started);
    const action = decide(instance);
    decided.set(instance.uuid, action);
    d.log.info({ instanceId: instance.uuid, vmState: instance.vmState, taskState: instance.taskState, recovery: action }, 'recovering an interrupted task');
    schedule(d, instance, action);
  }
  return decided;
}

function decide(i: InstanceRecord): RecoveryAction {
  if (i.taskState === TaskState.DELETING) return 'delete';
  // an unshelve spawns too (task spawning) but goes back to SHELVED_OFFLOADED (shelve.ts settleShelved)
  if (i.vmState === VmState.SHELVED || i.vmState === VmState.SHELVED_OFFLOADED) return 'settle';
  if (i.vmState === VmState.BUILDING || BUILD_TASKS.includes(i.taskState)) return 'abandon-build';
  // Nova rolls an interrupted resize_migrating back even in ERROR
  const move = decideMove(i);
  if (move && (i.vmState !== VmState.ERROR || i.taskState === TaskState.RESIZE_MIGRATING)) return move;
  if (i.vmState === VmState.ERROR) return 'clear-error-task';
  if (REBUILD_TASKS.includes(i.taskState)) return 'abandon-rebuild';
  if (i.taskState === TaskState.POWERING_OFF) return 'retry-stop';
  if (i.taskState === TaskState.POWERING_ON) return 'retry-start';
  if (REBOOT_TASKS.includes(i.taskState)) return 'retry-reboot';
  return 'settle';
}

function schedule(d: RecoveryDeps, i: InstanceRecord, action: RecoveryAction): void {
  const uuid = i.uuid;
  const run = (work: () => Promise<void>) => d.tasks.run(uuid, `recover:${action}`, work);
  switch (action) {
    case 'delete': return run(() => d.manager.destroy(uuid));
    case 'abandon-build': return run(() => d.manager.abandonBuild(uuid));
    case 'clear-error-task': return run(async () => { await d.instances.update(uuid, { taskState: null }, i.taskState); });
    case 'abandon-rebuild': return run(() => rollBackRebuild(d, uuid));
    case 'retry-stop': return run(() => d.manager.powerOff(uuid, d.shutdownTimeoutSec));
    case 'retry-start': return run(() => d.manager.powerOn(uuid));
    case 'retry-reboot': return run(() => retryReboot(d, i));
    case 'abandon-migration': case 'roll-back-resize': case 'finish-resize': case 'finish-revert-resize': case 'finish-confirm-resize':
      return run(() => recoverMove(d, i, action));
    default: return run(() => d.manager.settle(uuid));
  }
}

async function rollBackRebuild(d: RecoveryDeps, uuid: string): Promise<void> {
  await d.instances.setFault(uuid, {
    code: 500, message: 'The service restarted while this server was being rebuilt.', details: '', createdAt: new Date(),
  });
  await d.instances.update(uuid, { vmState: VmState.ERROR, taskState: null });
}

/** Nova's _retry_reboot: a reboot that got as far as stopping the instance becomes a hard reboot. */
async function retryReboot(d: RecoveryDeps, i: InstanceRecord): Promise<void> {
  const running = i.host !== null && await d.drivers.forHost(i.host).getInfo(toDriverInstance(i))
    .then((info) => info.powerState === PowerState.RUNNING, () => false);
  if (running) return d.manager.settle(i.uuid);
  return d.manager.reboot(i.uuid, 'HARD');
}
