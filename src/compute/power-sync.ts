import type { Logger } from '../log';
import type { InstanceRecord, InstanceStore } from '../db/stores/instances';
import type { DriverRegistry } from '../drivers/registry';
import type { ComputeDriver } from '../drivers/driver';
import type { ComputeManager } from './manager';
import type { TaskRunner } from './tasks';
import { PowerState } from '../drivers/driver';
import { InstanceNotFoundInDriver } from '../errors';
import { toDriverInstance } from './manager';
import { TaskState, VmState } from './states';
import { frozenPowerState } from './pause-suspend';

/** What novashim does with a container its driver labelled for this deployment that no live server owns. */
export type OrphanAction = 'stop' | 'log';

export interface PowerSyncDeps {
  readonly instances: InstanceStore;
  readonly drivers: DriverRegistry;
  readonly tasks: TaskRunner;
  readonly manager: ComputeManager;
  readonly log: Logger;
  /** seconds between two syncs (Nova's sync_power_state_interval); 0: never */
  readonly intervalSec: number;
  readonly orphanAction: OrphanAction;
  /**
   * before stopping a server over a state seen once, look again this much later (default 2000 ms): a
   * `docker restart` or a reboot shows the container exited for a moment (Nova delays lifecycle events likewise)
   */
  readonly confirmMs?: number;
}

/** One sync's outcome per host (for logs and tests). */
export interface SyncReport {
  /** hosts whose engine did not answer: nothing on them was changed */
  readonly hostsDown: string[];
  /** uuid → what was done: 'power_state' (only the recorded power state), 'stop', 'error' (container gone) */
  readonly changed: Map<string, 'power_state' | 'stop' | 'error'>;
  /** containers of this deployment no live server owns (stopped when the action is 'stop') */
  readonly orphans: string[];
}

/** vm_states whose server must have a container; a missing one puts the server in ERROR */
const NEEDS_CONTAINER: readonly VmState[] = [VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED,
  VmState.RESCUED, VmState.RESIZED, VmState.SHELVED];

/**
 * The periodic power state sync (Nova's ComputeManager._sync_power_states and
 * _sync_instance_power_state), plus a sweep for containers no server owns (Nova's
 * _cleanup_running_deleted_instances). Servers with a task_state are skipped, as in Nova; a host
 * whose engine does not answer is skipped whole (its servers keep their states; os-services shows
 * it down). For the others the recorded power_state follows the engine's, and:
 * - ACTIVE whose container stopped or died (SHUTDOWN/CRASHED): Nova's stop API → SHUTOFF
 *   (vm_state stopped, power_state shutdown);
 * - STOPPED whose container runs again (started behind novashim's back): Nova's force_stop → it is
 *   stopped again and stays SHUTOFF (Nova never turns a stopped instance ACTIVE on its own);
 * - PAUSED whose container stopped: force_stop → SHUTOFF;
 * - ACTIVE whose container runs (also after a `docker restart`): stays ACTIVE;
 * - BUILDING, ERROR, SUSPENDED, RESCUED, RESIZED: only the power_state is recorded (as Nova);
 * - a container that is gone (removed out of band) while the server needs one: Nova only logs
 *   "Instance is unexpectedly not found"; novashim sets ERROR, power_state NOSTATE and a fault, so
 *   the server does not pretend to run (every action would fail anyway) — the user can delete it.
 * Orphans: containers carrying this deployment's label (see the Docker driver's deployment label)
 * whose uuid has no live server row are logged once and, with orphanAction 'stop', stopped (never
 * removed, so nothing is lost); containers without the label, or another deployment's, are never
 * looked at. Every state change is a compare-and-swap on task_state null, so a user action started
 * meanwhile wins; a stop runs as a task of the server (serialized with its other work).
 */
export class PowerSync {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<SyncReport> | null = null;
  private readonly reported = new Set<string>();

  constructor(private readonly d: PowerSyncDeps) {}

  /** starts the periodic sync, with a first pass now; a no-op with interval 0 */
  start(): void {
    if (this.d.intervalSec <= 0 || this.timer) return;
    const tick = () => { void this.sync().catch((err) => this.d.log.warn({ err }, 'power state sync failed')); };
    tick();
    this.timer = setInterval(tick, this.d.intervalSec * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** one pass over every host; a pass already running is joined, not doubled */
  sync(): Promise<SyncReport> {
    this.running ??= this.syncAll().finally(() => { this.running = null; });
    return this.running;
  }

  private async syncAll(): Promise<SyncReport> {
    const report: SyncReport = { hostsDown: [], changed: new Map(), orphans: [] };
    for (const host of this.d.drivers.hosts()) {
      const driver = this.d.drivers.forHost(host);
      const health = await driver.health();
      if (health.state !== 'healthy') {
        this.d.log.warn({ host, detail: health.detail }, 'power state sync: engine down, host skipped');
        report.hostsDown.push(host);
        continue;
      }
      // containers first, rows second: a container listed has its row already (rows are written before spawn)
      const owned = await driver.listInstances().catch(() => null);
      const live = await this.d.instances.list({});
      for (const instance of live.filter((i) => i.host === host)) await this.syncInstance(driver, instance, report);
      if (owned) await this.sweepOrphans(driver, host, owned, new Set(live.map((i) => i.uuid)), report);
    }
    return report;
  }

  private async syncInstance(driver: ComputeDriver, instance: InstanceRecord, report: SyncReport): Promise<void> {
    if (instance.taskState !== null || instance.vmState === VmState.BUILDING || instance.vmState === VmState.SHELVED_OFFLOADED) return;
    if (instance.driverState === null) return; // never spawned: nothing to compare
    const uuid = instance.uuid;
    let power: PowerState;
    try {
      // a frozen container of a SUSPENDED server is Nova's SUSPENDED (Docker reports both as paused)
      power = frozenPowerState(instance.vmState, (await driver.getInfo(toDriverInstance(instance))).powerState);
    } catch (err) {
      if (!(err instanceof InstanceNotFoundInDriver)) return; // engine trouble: try again next time
      if (NEEDS_CONTAINER.includes(instance.vmState)) {
        if (await this.d.instances.update(uuid, { vmState: VmState.ERROR, powerState: PowerState.NOSTATE }, null)) {
          await this.d.instances.setFault(uuid, {
            code: 404, message: `Instance ${uuid} could not be found on its host: its container was removed outside novashim.`,
            details: '', createdAt: new Date(),
          });
          this.d.log.warn({ instanceId: uuid, vmState: instance.vmState }, 'power state sync: container gone, instance set to ERROR');
          report.changed.set(uuid, 'error');
        }
        return;
      }
      power = PowerState.NOSTATE;
    }
    // an action may have started and ended while the engine was asked: decide on fresh data only
    const fresh = await this.d.instances.find(uuid).catch(() => null);
    if (!fresh || fresh.taskState !== null || fresh.updatedAt.getTime() !== instance.updatedAt.getTime()) return;
    const off = power === PowerState.SHUTDOWN || power === PowerState.CRASHED;
    const stop = (instance.vmState === VmState.ACTIVE && (off || power === PowerState.SUSPENDED))
      || (instance.vmState === VmState.STOPPED && !off && power !== PowerState.NOSTATE)
      || (instance.vmState === VmState.PAUSED && off);
    if (stop && !(await this.confirmed(driver, fresh, power))) return; // a passing state (a restart): next pass
    if (power !== instance.powerState && await this.d.instances.update(uuid, { powerState: power }, null)) {
      this.d.log.info({ instanceId: uuid, was: instance.powerState, now: power }, 'power state sync: power_state updated from the engine');
      report.changed.set(uuid, 'power_state');
    }
    if (!stop || !(await this.d.instances.update(uuid, { taskState: TaskState.POWERING_OFF }, null))) return;
    this.d.log.warn({ instanceId: uuid, vmState: instance.vmState, powerState: power }, 'power state sync: instance stopped or started outside novashim, calling stop');
    report.changed.set(uuid, 'stop');
    this.d.tasks.run(uuid, 'power-sync-stop', () => this.d.manager.powerOff(uuid, 0));
  }

  /** the engine still reports `power` a moment later, and the server has not changed meanwhile */
  private async confirmed(driver: ComputeDriver, instance: InstanceRecord, power: PowerState): Promise<boolean> {
    const wait = this.d.confirmMs ?? 2000;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const again = await driver.getInfo(toDriverInstance(instance)).then((i) => frozenPowerState(instance.vmState, i.powerState), () => null);
    const now = await this.d.instances.find(instance.uuid).catch(() => null);
    return again === power && now !== null && now.updatedAt.getTime() === instance.updatedAt.getTime();
  }

  private async sweepOrphans(driver: ComputeDriver, host: string, owned: string[], live: Set<string>, report: SyncReport): Promise<void> {
    for (const uuid of owned.filter((u) => !live.has(u))) {
      report.orphans.push(uuid);
      if (!this.reported.has(uuid)) {
        this.reported.add(uuid);
        this.d.log.warn({ host, instanceId: uuid, action: this.d.orphanAction }, 'container of this deployment without a server (orphan)');
      }
      if (this.d.orphanAction !== 'stop') continue;
      await driver.powerOff({ uuid, projectId: '', hostname: '', metadata: {}, driverState: null }, { timeoutSec: 0 })
        .catch((err) => this.d.log.warn({ err, instanceId: uuid }, 'cannot stop orphan container'));
    }
  }
}
