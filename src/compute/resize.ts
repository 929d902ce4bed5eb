import type { AuthContext } from '../identity/auth-context';
import type { FlavorStore } from '../db/stores/flavors';
import type { FlavorSnapshot, InstanceRecord, InstanceStore } from '../db/stores/instances';
import type { ImageRecord } from '../db/stores/images';
import type { ImageService } from '../image/service';
import type { ComputeDriver, DriverInstance, InstanceInfo } from '../drivers/driver';
import { PowerState } from '../drivers/driver';
import type { DriverRegistry } from '../drivers/registry';
import { BadRequest, FlavorNotFound, ImageNotFound, InstanceNotReady, NotSupported } from '../errors';
import type { ComputeService } from './service';
import { requireState, StateRequirement } from './guards';
import { TaskState, VmState } from './states';
import { rethrowAs } from './rethrow';
import { startActionWithFields } from './action-fields';
import { requireUnlocked } from './lock';
import { upsizeDeltas } from './quotas';
import type { MigrationService } from './migrations';

export interface ResizeDeps {
  readonly compute: ComputeService;
  readonly instances: InstanceStore;
  readonly flavors: FlavorStore;
  readonly images: ImageService;
  readonly drivers: DriverRegistry;
  /** records each resize as a migration (os-migrations); absent: not recorded */
  readonly migrations?: MigrationService;
}

/** Nova's compute/api.py check_instance_state for resize, confirm_resize and revert_resize. */
const RESIZE_ALLOWED: StateRequirement = { vm: [VmState.ACTIVE, VmState.STOPPED], task: [null] };
const RESIZED_ONLY: StateRequirement = { vm: [VmState.RESIZED], task: [null] };

/** The image's minimums against a flavor, with the messages server create gives (Nova's _validate_flavor_image). */
export function checkImageFitsFlavor(image: Pick<ImageRecord, 'minRam' | 'minDisk'>, flavor: Pick<FlavorSnapshot, 'memoryMb' | 'rootGb'>): void {
  if (image.minRam > flavor.memoryMb) throw new BadRequest("Flavor's memory is too small for requested image.");
  if (image.minDisk > flavor.rootGb) throw new BadRequest("Flavor's disk is too small for requested image.");
}

/**
 * resize, confirmResize, revertResize (Nova's compute/api.py). A container has nothing to migrate:
 * the driver applies the new flavor's limits in place. The server then waits in VERIFY_RESIZE
 * (vm_state resized) showing the new flavor, the old one kept for a revert. Nova also records a
 * migration (os-migrations); there is none here.
 */
export class ResizeService {
  constructor(private readonly d: ResizeDeps) {}

  async resize(auth: AuthContext, uuid: string, flavorRef: string, diskConfig?: string): Promise<void> {
    const instance = await this.d.compute.get(auth, uuid);
    requireUnlocked(instance, auth); // Nova's @check_instance_lock comes before the state and flavor checks
    requireState(instance, RESIZE_ALLOWED, 'resize');
    this.resizingDriver(instance);
    const flavor = await this.d.flavors.find(flavorRef, auth).catch(rethrowAs(BadRequest, FlavorNotFound));
    if (flavor.id === instance.flavor.id) throw new BadRequest('When resizing, instances must change flavor!');
    if (flavor.disabled) throw new BadRequest(new FlavorNotFound(flavorRef).message);
    if (flavor.rootGb === 0 && instance.flavor.rootGb !== 0) {
      throw new BadRequest('Server disk was unable to be resized because: Resize to zero disk flavor is not allowed.');
    }
    // Nova checks the image the server was booted from (its copy in system_metadata); one since deleted is not checked
    const image = await this.d.images.getVisible(instance.imageRef, auth).catch((err: unknown) => {
      if (err instanceof ImageNotFound) return null;
      throw err;
    });
    if (image) checkImageFitsFlavor(image, flavor);

    const oldFlavor = instance.flavor;
    const newFlavor: FlavorSnapshot = {
      id: flavor.id, name: flavor.name, memoryMb: flavor.memoryMb, vcpus: flavor.vcpus, rootGb: flavor.rootGb,
      ephemeralGb: flavor.ephemeralGb, swap: flavor.swap,
    };
    await startActionWithFields(this.d.compute, this.d.instances, auth, uuid, {
      method: 'resize', allowed: RESIZE_ALLOWED, task: TaskState.RESIZE_PREP,
      // Nova's _check_quota_for_upsize, checked and claimed at once: the new flavor is saved with the
      // task, and counted (QuotaStore.instanceUsage) until the resize ends
      claim: this.d.compute.quotaClaim(instance, upsizeDeltas(oldFlavor, newFlavor), { newFlavor }),
      work: () => this.d.compute.manager.run(uuid, 'resize', async (drv, di) => {
        // Nova's migration record: pre-migrating → migrating → post-migrating → finished (error on a failure)
        const m = await this.d.migrations?.begin(instance, 'resize', newFlavor.id);
        try {
          await this.step(uuid, TaskState.RESIZE_PREP, TaskState.RESIZE_MIGRATING);
          await this.d.migrations?.set(m, 'migrating');
          await resizeWith(drv, di, newFlavor);
          await this.d.migrations?.set(m, 'post-migrating');
          await this.step(uuid, TaskState.RESIZE_MIGRATING, TaskState.RESIZE_FINISH);
          const info = await drv.getInfo(di);
          await this.d.migrations?.set(m, 'finished');
          return { vmState: VmState.RESIZED, flavor: newFlavor, oldFlavor, newFlavor: null, powerState: info.powerState, addresses: info.addresses, progress: 100 };
        } catch (err) {
          await this.d.migrations?.set(m, 'error');
          throw err;
        }
      }),
    // Nova: instance.auto_disk_config = auto_disk_config or False
    }, { progress: 0, diskConfig: diskConfig ?? 'MANUAL' });
  }

  /** Keeps the new flavor and drops the old one; the server is ACTIVE again, or SHUTOFF if it was stopped. */
  async confirmResize(auth: AuthContext, uuid: string): Promise<void> {
    await this.resized(auth, uuid, 'confirmResize');
    const m = await this.d.migrations?.finishedResize(uuid);
    await this.d.compute.startAction(auth, uuid, {
      method: 'confirmResize', allowed: RESIZED_ONLY, task: TaskState.RESIZE_CONFIRMING,
      work: () => this.d.compute.manager.run(uuid, 'confirmResize', async (drv, di) => {
        await this.d.migrations?.set(m, 'confirming');
        const info = await drv.getInfo(di).catch(async (err) => { await this.d.migrations?.set(m, 'error'); throw err; });
        await this.d.migrations?.set(m, 'confirmed');
        return { ...settled(info), oldFlavor: null };
      }),
    });
  }

  /** The old flavor's limits back on the container, the old flavor back on the server. */
  async revertResize(auth: AuthContext, uuid: string): Promise<void> {
    const instance = await this.resized(auth, uuid, 'revertResize');
    this.resizingDriver(instance);
    const oldFlavor = instance.oldFlavor!;
    await this.d.compute.startAction(auth, uuid, {
      method: 'revertResize', allowed: RESIZED_ONLY, task: TaskState.RESIZE_REVERTING,
      // reverting a downsize grows the server again: checked and claimed as a resize to the old flavor
      claim: this.d.compute.quotaClaim(instance, upsizeDeltas(instance.flavor, oldFlavor), { newFlavor: oldFlavor }),
      work: () => this.d.compute.manager.run(uuid, 'revertResize', async (drv, di) => {
        const m = await this.d.migrations?.finishedResize(uuid);
        await this.d.migrations?.set(m, 'reverting');
        const info = await (async () => {
          await resizeWith(drv, di, oldFlavor);
          return drv.getInfo(di);
        })().catch(async (err) => { await this.d.migrations?.set(m, 'error'); throw err; });
        await this.d.migrations?.set(m, 'reverted');
        return { ...settled(info), flavor: oldFlavor, oldFlavor: null, newFlavor: null };
      }),
    });
  }

  /** A server in VERIFY_RESIZE with an old flavor to go back to (Nova: MigrationNotFound → 400 otherwise). */
  private async resized(auth: AuthContext, uuid: string, method: string): Promise<InstanceRecord> {
    const instance = await this.d.compute.get(auth, uuid);
    requireUnlocked(instance, auth);
    requireState(instance, RESIZED_ONLY, method);
    if (!instance.oldFlavor) throw new BadRequest('Instance has not been resized.');
    return instance;
  }

  /** Nova's check_instance_host (409 without one), then 501 when the host's driver cannot resize. */
  private resizingDriver(instance: InstanceRecord): ComputeDriver {
    if (!instance.host || instance.driverState === null) throw new InstanceNotReady(instance.uuid);
    const driver = this.d.drivers.forHost(instance.host);
    if (!driver.capabilities.resize || !driver.resize) throw new NotSupported();
    return driver;
  }

  /** Nova's resize task_state steps; a server deleted meanwhile keeps its deleting task */
  private async step(uuid: string, from: TaskState, to: TaskState): Promise<void> {
    await this.d.instances.update(uuid, { taskState: to }, from);
  }
}

async function resizeWith(driver: ComputeDriver, di: DriverInstance, flavor: FlavorSnapshot): Promise<void> {
  if (!driver.capabilities.resize || !driver.resize) throw new NotSupported();
  await driver.resize(di, flavor);
}

/** After a confirm or revert: stopped if it was stopped (Nova keeps the power state across a resize). */
function settled(info: InstanceInfo) {
  const vmState = info.powerState === PowerState.SHUTDOWN ? VmState.STOPPED : VmState.ACTIVE;
  return { vmState, powerState: info.powerState, addresses: info.addresses };
}
