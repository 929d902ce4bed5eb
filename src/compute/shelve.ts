import type { Logger } from '../log';
import type { AuthContext } from '../identity/auth-context';
import type { InstancePatch, InstanceRecord, InstanceStore } from '../db/stores/instances';
import type { ImageService } from '../image/service';
import type { ComputeDriver, DriverInstance } from '../drivers/driver';
import { PowerState } from '../drivers/driver';
import type { DriverRegistry } from '../drivers/registry';
import type { ComputeService } from './service';
import type { SnapshotService } from './snapshots';
import type { TaskRunner } from './tasks';
import { Forbidden, NotSupported } from '../errors';
import { Scheduler } from '../scheduler/scheduler';
import { requireState, StateRequirement } from './guards';
import { TaskState, VmState } from './states';
import { toDriverInstance } from './manager';
import { requireUnlocked } from './lock';
import { pickZoneHost, UnshelveTarget } from './unshelve-zone';

/** Nova's shelve: @check_instance_state(vm_state=[ACTIVE, STOPPED, PAUSED, SUSPENDED]), task_state None. */
const SHELVE_ALLOWED: StateRequirement = {
  vm: [VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED], task: [null],
};
/** Nova's shelve_offload: vm_state SHELVED, task_state None. */
const OFFLOAD_ALLOWED: StateRequirement = { vm: [VmState.SHELVED], task: [null] };
/** Nova's unshelve: vm_state SHELVED or SHELVED_OFFLOADED, task_state None. */
const UNSHELVE_ALLOWED: StateRequirement = { vm: [VmState.SHELVED, VmState.SHELVED_OFFLOADED], task: [null] };

export interface ShelveDeps {
  readonly compute: ComputeService;
  readonly instances: InstanceStore;
  readonly images: ImageService;
  readonly snapshots: SnapshotService;
  readonly drivers: DriverRegistry;
  readonly tasks: TaskRunner;
  readonly log: Logger;
  /** seconds a stop waits for a clean shutdown (Nova's shutdown_timeout) */
  readonly shutdownTimeoutSec: number;
  /** Nova's shelved_offload_time: 0 offloads at once, -1 never, otherwise after that many seconds */
  readonly shelvedOffloadTimeSec: number;
}

/**
 * shelve, shelveOffload and unshelve (Nova's compute API shelve/shelve_offload/unshelve and the
 * manager's _shelve_instance/_shelve_offload_instance/unshelve_instance). Shelving stops the
 * container and keeps its filesystem as a `<name>-shelved` snapshot image (the snapshot service's
 * commit and save); offloading removes the container and the server's host. Unshelving a shelved
 * server starts its container again; unshelving an offloaded one schedules a host and spawns a new
 * container from the snapshot, with the same id, name, hostname, key and metadata. The snapshot
 * image goes once the server is unshelved (or deleted).
 */
export class ShelveService {
  private readonly scheduler: Scheduler;

  constructor(private readonly d: ShelveDeps) {
    this.scheduler = new Scheduler(d.drivers, d.instances);
  }

  async shelve(auth: AuthContext, uuid: string): Promise<void> {
    const instance = await this.d.compute.get(auth, uuid);
    const driver = instance.host ? this.d.drivers.forHost(instance.host) : null;
    if (!driver?.capabilities.snapshot || !driver.snapshot) {
      requireState(instance, SHELVE_ALLOWED, 'shelve');
      throw new NotSupported(); // without a snapshot the disk would be lost
    }
    // Nova's order: the lock, the state, then the image (create_image after instance.save)
    requireUnlocked(instance, auth);
    requireState(instance, SHELVE_ALLOWED, 'shelve');
    const image = await this.d.snapshots.registerSnapshot(auth, instance, `${instance.displayName}-shelved`);
    try {
      await this.d.compute.startAction(auth, uuid, {
        method: 'shelve', allowed: SHELVE_ALLOWED, task: TaskState.SHELVING,
        work: () => this.shelveWork(uuid, image.id, instance.vmState),
      });
    } catch (err) {
      // lost the race for the task_state (or the server went away): no image is left behind
      await discardImage(this.d.images, image.id, this.d.log);
      throw err;
    }
  }

  /** Admin only by Nova's default policy (os_compute_api:os-shelve:shelve_offload is ADMIN). */
  async shelveOffload(auth: AuthContext, uuid: string): Promise<void> {
    await this.d.compute.get(auth, uuid);
    if (!auth.isAdmin) throw new Forbidden("Policy doesn't allow os_compute_api:os-shelve:shelve_offload to be performed.");
    await this.d.compute.startAction(auth, uuid, {
      method: 'shelveOffload', allowed: OFFLOAD_ALLOWED, task: TaskState.SHELVING_OFFLOADING,
      work: () => this.d.compute.manager.run(uuid, 'shelve_offload_instance', (driver, di) => this.offload(driver, di)),
    });
  }

  /** `target`: 2.77's availability zone, as the hosts an offloaded server may be unshelved on (unshelve-zone.ts) */
  async unshelve(auth: AuthContext, uuid: string, target?: UnshelveTarget): Promise<void> {
    await this.d.compute.startAction(auth, uuid, {
      method: 'unshelve', allowed: UNSHELVE_ALLOWED, task: TaskState.UNSHELVING,
      work: () => this.unshelveWork(uuid, target),
    });
  }

  /**
   * Power off (at once for a paused or suspended server, as Nova skips the clean shutdown), the
   * snapshot into the image through Nova's shelving task states, then SHELVED, and offloaded
   * right away when shelved_offload_time is 0. A failure leaves no image behind.
   */
  private async shelveWork(uuid: string, imageId: string, from: VmState): Promise<void> {
    let shelvedAt: string | null = null;
    await this.d.compute.manager.run(uuid, 'shelve', async (driver, di) => {
      const frozen = from === VmState.PAUSED || from === VmState.SUSPENDED;
      try {
        await driver.powerOff(di, { timeoutSec: frozen ? 0 : this.d.shutdownTimeoutSec });
        await this.d.snapshots.transfer(driver, di, imageId, TaskState.SHELVING,
          [TaskState.SHELVING_IMAGE_PENDING_UPLOAD], TaskState.SHELVING_IMAGE_UPLOADING);
      } catch (err) {
        await discardImage(this.d.images, imageId, this.d.log);
        throw err;
      }
      const { host } = await this.d.instances.find(uuid);
      const info = await driver.getInfo(di);
      const offload = this.d.shelvedOffloadTimeSec === 0;
      const at = new Date().toISOString();
      const saved = await this.d.instances.update(uuid, {
        vmState: VmState.SHELVED, powerState: info.powerState, addresses: info.addresses,
        shelved: { imageId, at, host: host! }, taskState: offload ? TaskState.SHELVING_OFFLOADING : null,
      }, TaskState.SHELVING_IMAGE_UPLOADING);
      if (!saved) {
        // deleted meanwhile: its delete comes next and finds no shelve image to remove
        await discardImage(this.d.images, imageId, this.d.log);
        return {};
      }
      shelvedAt = at;
      return offload ? this.offload(driver, di) : {};
    });
    if (shelvedAt && this.d.shelvedOffloadTimeSec > 0) this.offloadLater(uuid, shelvedAt);
  }

  /**
   * Nova's _shelve_offload_instance: the container goes, and the server has no host any more. Its
   * fixed IPs are kept with the shelve info, so the unshelve's new container gets them again.
   */
  private async offload(driver: ComputeDriver, di: DriverInstance): Promise<InstancePatch> {
    await driver.powerOff(di, { timeoutSec: this.d.shutdownTimeoutSec });
    const { powerState } = await driver.getInfo(di);
    const { shelved } = await this.d.instances.find(di.uuid);
    await driver.destroy(di);
    return {
      vmState: VmState.SHELVED_OFFLOADED, powerState, addresses: [], driverState: null, host: null, node: null,
      ...(shelved && { shelved: { ...shelved, fixedIps: di.fixedIps ?? [] } }),
    };
  }

  /** Nova's periodic _poll_shelved_instances, for one server: offload it once it has been shelved long enough. */
  private offloadLater(uuid: string, at: string): void {
    const timer = setTimeout(() => {
      void this.autoOffload(uuid, at).catch((err) => this.d.log.warn({ err, instanceId: uuid }, 'automatic shelve offload failed'));
    }, this.d.shelvedOffloadTimeSec * 1000);
    timer.unref();
  }

  private async autoOffload(uuid: string, at: string): Promise<void> {
    const instance = await this.d.instances.find(uuid);
    if (instance.vmState !== VmState.SHELVED || instance.shelved?.at !== at) return; // unshelved (and maybe shelved again) meanwhile
    if (!(await this.d.instances.update(uuid, { taskState: TaskState.SHELVING_OFFLOADING }, null))) return;
    this.d.tasks.run(uuid, 'shelve_offload', () =>
      this.d.compute.manager.run(uuid, 'shelve_offload_instance', (driver, di) => this.offload(driver, di)));
  }

  private async unshelveWork(uuid: string, target?: UnshelveTarget): Promise<void> {
    const instance = await this.d.instances.find(uuid);
    if (instance.vmState === VmState.SHELVED) await this.powerOnShelved(uuid);
    else await this.spawnOffloaded(instance, target);
    // the snapshot goes only once the server is running from it (or started again): a crash before keeps it
    const after = await this.d.instances.find(uuid).catch(() => null);
    const imageId = instance.shelved?.imageId;
    if (imageId && after && after.vmState === VmState.ACTIVE && !after.shelved) await discardImage(this.d.images, imageId, this.d.log);
  }

  /** Nova's conductor for a SHELVED server: task powering-on, then start_instance. */
  private async powerOnShelved(uuid: string): Promise<void> {
    if (!(await this.d.instances.update(uuid, { taskState: TaskState.POWERING_ON }, TaskState.UNSHELVING))) return;
    await this.d.compute.manager.run(uuid, 'start', async (driver, di) => {
      await driver.powerOn(di);
      const info = await driver.getInfo(di);
      return { vmState: VmState.ACTIVE, powerState: info.powerState, addresses: info.addresses, shelved: null };
    });
  }

  /**
   * Nova's conductor and unshelve_instance for a SHELVED_OFFLOADED server: the snapshot must
   * still exist (ERROR otherwise), a host is scheduled, then a new container is spawned from the
   * snapshot. When the spawn fails the server stays offloaded, without a host, with a fault.
   */
  private async spawnOffloaded(instance: InstanceRecord, target?: UnshelveTarget): Promise<void> {
    const uuid = instance.uuid;
    const imageId = instance.shelved?.imageId;
    const image = imageId ? await this.d.images.store.find(imageId) : undefined;
    if (!image || image.status !== 'active') {
      const message = `Unshelve attempted but the image ${imageId ?? ''} cannot be found.`;
      await this.d.instances.setFault(uuid, { code: 404, message, details: '', createdAt: new Date() });
      await this.d.instances.update(uuid, { vmState: VmState.ERROR, taskState: null }, TaskState.UNSHELVING);
      return;
    }
    const host = target ? pickZoneHost(target) : await this.scheduler.selectHost();
    if (!(await this.d.instances.update(uuid, { host, node: host, taskState: TaskState.SPAWNING }, TaskState.UNSHELVING))) return;
    await this.d.compute.manager.run(uuid, 'unshelve', async (driver, di) => {
      const fresh = { ...di, driverState: null, fixedIps: instance.shelved?.fixedIps ?? di.fixedIps };
      let driverState;
      try {
        driverState = await driver.spawn(fresh, this.d.images.driverImage(image), instance.flavor);
      } catch (err) {
        await this.d.instances.update(uuid, { host: null, node: null });
        throw err;
      }
      const info = await driver.getInfo({ ...fresh, driverState });
      return {
        vmState: VmState.ACTIVE, powerState: info.powerState, addresses: info.addresses, driverState,
        launchedAt: new Date(), shelved: null,
      };
    });
  }
}

/** Removes a shelve snapshot image (record and data); a failure is only logged, as Nova's _delete_snapshot_of_shelved_instance. */
export async function discardImage(images: ImageService, imageId: string, log?: Logger): Promise<void> {
  try {
    await images.store.delete(imageId);
    await images.storage.remove(imageId);
  } catch (err) {
    log?.warn({ err, imageId }, 'cannot delete the snapshot of a shelved instance');
  }
}

/**
 * After a restart (ComputeManager.settle): a shelve step the old process did not finish. Returns
 * the patch that settles it, or null when the server is not in a shelve state (settled as usual).
 * An offloaded server's unshelve goes back to offloaded (any container it got is removed); an
 * interrupted offload is done again; an interrupted unshelve of a shelved server stays shelved.
 */
export async function settleShelved(instance: InstanceRecord, drivers: DriverRegistry): Promise<InstancePatch | null> {
  const offloading = instance.vmState === VmState.SHELVED && instance.taskState === TaskState.SHELVING_OFFLOADING;
  if (instance.vmState === VmState.SHELVED_OFFLOADED || offloading) {
    const di = toDriverInstance(instance);
    if (instance.host && instance.driverState) await drivers.forHost(instance.host).destroy(di);
    return {
      vmState: VmState.SHELVED_OFFLOADED, taskState: null, powerState: offloading ? PowerState.SHUTDOWN : instance.powerState,
      addresses: [], driverState: null, host: null, node: null,
      ...(offloading && instance.shelved && { shelved: { ...instance.shelved, fixedIps: di.fixedIps ?? [] } }),
    };
  }
  if (instance.vmState === VmState.SHELVED) return { taskState: null };
  return null;
}
