import type { AuthContext } from '../identity/auth-context';
import type { InstancePatch, InstanceRecord, InstanceStore } from '../db/stores/instances';
import type { ImageRecord } from '../db/stores/images';
import type { ImageService } from '../image/service';
import { PowerState } from '../drivers/driver';
import { BadRequest, ImageNotFound } from '../errors';
import type { ComputeService } from './service';
import { requireState, StateRequirement } from './guards';
import { TaskState, VmState } from './states';
import { rethrowAs } from './rethrow';
import { canonicalIPv6 } from './request-checks';
import { checkImageFitsFlavor } from './resize';
import { startActionWithFields } from './action-fields';
import { requireUnlocked } from './lock';
import type { KeypairStore } from '../db/stores/keypairs';
import { buildAbortReason } from './server-requests';
import { BuildAbort, rebuildRequestPatch } from './rebuild-requests';

export interface RebuildRequest {
  readonly imageRef: string;
  readonly name?: string;
  readonly metadata?: Record<string, string>;
  readonly accessIPv4?: string;
  readonly accessIPv6?: string;
  readonly diskConfig?: string;
  /** 2.19: the new description (null clears it); absent: unchanged */
  readonly description?: string | null;
  /** 2.54: the key pair the rebuilt server gets (null removes it); absent: unchanged */
  readonly keyName?: string | null;
  /** 2.57: the new user data (null removes it); absent: unchanged */
  readonly userData?: string | null;
  /** 2.63: trusted image certificate ids (null resets them); absent: none asked for */
  readonly trustedCerts?: readonly string[] | null;
}

export interface RebuildDeps {
  readonly compute: ComputeService;
  readonly instances: InstanceStore;
  readonly images: ImageService;
  /** seconds the power-off of a rebuilt, formerly stopped server waits (Nova's shutdown_timeout) */
  readonly shutdownTimeoutSec: number;
  /** 2.54's key_name (the caller's own key pairs) */
  readonly keypairs?: KeypairStore;
}

/** Nova's compute/api.py rebuild: @check_instance_state(vm_state=[ACTIVE, STOPPED, ERROR]), task_state None. */
const REBUILD_ALLOWED: StateRequirement = { vm: [VmState.ACTIVE, VmState.STOPPED, VmState.ERROR], task: [null] };

/**
 * rebuild: the server's container is replaced by a fresh one from the (new) image. The server
 * keeps its id, hostname, key and flavor; name, metadata and access IPs change when given (the
 * API saves them with the rebuilding task, as Nova does). A stopped server is stopped again after.
 * Every driver can do this with destroy and spawn, so no capability is needed.
 */
export class RebuildService {
  constructor(private readonly d: RebuildDeps) {}

  /** Returns the server as saved (status REBUILD, new image), as Nova's reply shows it. */
  async rebuild(auth: AuthContext, uuid: string, req: RebuildRequest): Promise<InstanceRecord> {
    const instance = await this.d.compute.get(auth, uuid);
    requireUnlocked(instance, auth); // Nova's @check_instance_lock comes before the state and image checks
    requireState(instance, REBUILD_ALLOWED, 'rebuild');
    const image = await this.d.images.getVisible(req.imageRef, auth)
      .catch(rethrowAs(BadRequest, ImageNotFound, () => 'Cannot find image for rebuild'));
    if (image.status !== 'active') throw new BadRequest(`Image ${image.id} is not active.`);
    await this.d.compute.checkMetadataQuota(auth.projectId ?? instance.projectId, req.metadata);
    checkImageFitsFlavor(image, instance.flavor);
    const requested = await rebuildRequestPatch(req, auth, this.d.keypairs);

    const fields: InstancePatch = {
      imageRef: image.id, progress: 0,
      ...(req.name !== undefined && { displayName: req.name }),
      ...(req.metadata !== undefined && { metadata: req.metadata }),
      ...(req.accessIPv4 !== undefined && { accessIPv4: req.accessIPv4 }),
      ...(req.accessIPv6 !== undefined && { accessIPv6: canonicalIPv6(req.accessIPv6) }),
      ...(req.diskConfig !== undefined && { diskConfig: req.diskConfig }),
      ...requested,
    };
    const wasStopped = instance.vmState === VmState.STOPPED;
    return startActionWithFields(this.d.compute, this.d.instances, auth, uuid, {
      method: 'rebuild', allowed: REBUILD_ALLOWED, task: TaskState.REBUILDING,
      work: () => this.work(uuid, image, wasStopped, req.trustedCerts),
    }, fields);
  }

  /**
   * Destroy, then spawn from the new image (the same name, hostname, labels and flavor). When the
   * spawn fails the server has no container any more: ERROR, with the fault recorded by run().
   */
  private async work(uuid: string, image: ImageRecord, wasStopped: boolean, trustedCerts?: readonly string[] | null): Promise<void> {
    await this.d.compute.manager.run(uuid, 'rebuild', async (driver, di) => {
      // Nova's _check_trusted_certs before anything is torn down: a fault, the server as it was
      const abort = buildAbortReason(driver.capabilities, { trustedCerts });
      if (abort) throw new BuildAbort(uuid, abort);
      const { flavor } = await this.d.instances.find(uuid);
      await driver.destroy(di);
      const cleared = { driverState: null, addresses: [], powerState: PowerState.NOSTATE };
      await this.d.instances.update(uuid, { ...cleared, taskState: TaskState.REBUILD_SPAWNING }, TaskState.REBUILDING);
      const fresh = { ...di, driverState: null };
      let driverState;
      try {
        driverState = await driver.spawn(fresh, this.d.images.driverImage(image), flavor);
      } catch (err) {
        await this.d.instances.update(uuid, { ...cleared, vmState: VmState.ERROR });
        throw err;
      }
      const spawned = { ...fresh, driverState };
      await this.d.instances.update(uuid, { driverState });
      if (wasStopped) await driver.powerOff(spawned, { timeoutSec: this.d.shutdownTimeoutSec });
      const info = await driver.getInfo(spawned);
      return {
        vmState: wasStopped ? VmState.STOPPED : VmState.ACTIVE, powerState: info.powerState, addresses: info.addresses,
        driverState, launchedAt: new Date(), progress: 100,
      };
    });
  }
}
