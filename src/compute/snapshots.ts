import type { Logger } from '../log';
import type { AuthContext } from '../identity/auth-context';
import type { InstanceRecord, InstanceStore } from '../db/stores/instances';
import type { ImageRecord } from '../db/stores/images';
import type { ImageService } from '../image/service';
import type { ComputeDriver, DriverInstance } from '../drivers/driver';
import type { DriverRegistry } from '../drivers/registry';
import type { ComputeService } from './service';
import { Forbidden, ImageNotFound, NotSupported } from '../errors';
import { ImageGone } from '../image/errors';
import { requireState, StateRequirement } from './guards';
import { DEFAULT_LIMITS } from './limits';
import { TaskState, VmState } from './states';

/** Nova's snapshot and backup: @check_instance_state(vm_state=[ACTIVE, STOPPED, PAUSED, SUSPENDED]), task_state None. */
export const SNAPSHOT_STATES: StateRequirement = {
  vm: [VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED], task: [null],
};

/** compute/utils.py: image properties a snapshot never inherits from the image the server was booted from */
const NON_INHERITABLE = new Set([
  'cinder_encryption_key_id', 'cinder_encryption_key_deletion_policy', 'img_signature', 'img_signature_hash_method',
  'img_signature_key_type', 'img_signature_certificate_uuid',
]);
const NON_INHERITABLE_PREFIX = 'os_glance';

export interface SnapshotRequest {
  readonly name: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface BackupRequest extends SnapshotRequest {
  readonly backupType: string;
  /** how many backups of this server and backup_type to keep; 0 keeps none (not even the new one) */
  readonly rotation: number;
}

interface Deps {
  readonly compute: ComputeService;
  readonly instances: InstanceStore;
  readonly images: ImageService;
  readonly drivers: DriverRegistry;
  readonly log: Logger;
  /** the base URL of the public endpoints, for the Location of a new image */
  readonly publicUrl: string;
}

interface Plan {
  /** Nova's name in the 409 message */
  readonly method: 'createImage' | 'createBackup';
  readonly task: TaskState;
  readonly imageType: 'snapshot' | 'backup';
  readonly properties: Readonly<Record<string, string>>;
  readonly rotation?: { readonly backupType: string; readonly keep: number };
}

/**
 * createImage and createBackup (Nova's compute API snapshot/backup and the manager's
 * snapshot_instance/backup_instance): the image record is made at once (queued, owned by the
 * server's project), then in the background the driver's tarball is received into it
 * (saving → active) while the server walks Nova's task states, ending with task_state None.
 * A failed snapshot leaves no image behind; a backup then rotates out the oldest backups.
 */
export class SnapshotService {
  constructor(private readonly d: Deps) {}

  async createImage(auth: AuthContext, uuid: string, req: SnapshotRequest): Promise<ImageRecord> {
    return this.begin(auth, uuid, req, {
      method: 'createImage', task: TaskState.IMAGE_SNAPSHOT_PENDING, imageType: 'snapshot', properties: req.metadata ?? {},
    });
  }

  async createBackup(auth: AuthContext, uuid: string, req: BackupRequest): Promise<ImageRecord> {
    return this.begin(auth, uuid, req, {
      method: 'createBackup', task: TaskState.IMAGE_BACKUP, imageType: 'backup',
      properties: { ...req.metadata, backup_type: req.backupType },
      rotation: { backupType: req.backupType, keep: req.rotation },
    });
  }

  /** Where the new image is, as Nova's createImage says it: the image service's URL of it. */
  imageLocation(imageId: string): string {
    return `${this.d.publicUrl}/image/v2/images/${imageId}`;
  }

  /** Where createBackup says the new image is: the compute API's /images proxy (Nova's application_url). */
  proxyLocation(imageId: string): string {
    return `${this.d.publicUrl}/compute/v2.1/images/${imageId}`;
  }

  private async begin(auth: AuthContext, uuid: string, req: SnapshotRequest, plan: Plan): Promise<ImageRecord> {
    const instance = await this.d.compute.get(auth, uuid);
    checkImageMetadataQuota(req.metadata);
    requireState(instance, SNAPSHOT_STATES, plan.method);
    const driver = this.d.drivers.forHost(instance.host!);
    if (!driver.capabilities.snapshot || !driver.snapshot) throw new NotSupported();
    const image = await this.d.images.register(await this.newImage(auth, instance, req.name, plan));
    try {
      await this.d.compute.startAction(auth, uuid, {
        // Nova checks no lock for snapshots and backups
        method: plan.method, allowed: SNAPSHOT_STATES, task: plan.task, ignoresLock: true,
        work: () => this.d.compute.manager.run(uuid, plan.imageType, (drv, di) => this.upload(drv, di, image.id, plan)),
      });
    } catch (err) {
      // lost the race for the task_state (or the server went away): no image is left behind
      await this.discard(image.id);
      throw err;
    }
    return image;
  }

  /** compute/utils.py create_image + initialize_instance_snapshot_metadata */
  private async newImage(auth: AuthContext, instance: InstanceRecord, name: string, plan: Plan) {
    const base = await this.d.images.store.find(instance.imageRef);
    const inherited = Object.entries(base?.properties ?? {})
      .filter(([key]) => !NON_INHERITABLE.has(key) && !key.startsWith(NON_INHERITABLE_PREFIX));
    const foreign = auth.projectId !== instance.projectId;
    return {
      name, owner: instance.projectId, visibility: 'private' as const, containerFormat: 'docker', diskFormat: 'raw',
      minRam: base?.minRam ?? 0, minDisk: Math.max(base?.minDisk ?? 0, instance.flavor.rootGb), tags: [],
      properties: {
        ...Object.fromEntries(inherited),
        base_image_ref: instance.imageRef,
        instance_uuid: instance.uuid, user_id: auth.userId, image_type: plan.imageType,
        ...plan.properties,
        ...(foreign && { instance_owner: instance.projectId }),
      },
    };
  }

  /**
   * The background half: task_state image_snapshot (snapshots only) → image_pending_upload →
   * image_uploading, the driver's tarball into the image, then the rotation of backups. The
   * returned patch is applied by ComputeManager.run with task_state None; a failure is recorded
   * there as the server's fault, after the image is discarded here.
   */
  private async upload(driver: ComputeDriver, di: DriverInstance, imageId: string, plan: Plan): Promise<Record<string, never>> {
    try {
      const steps = [...(plan.imageType === 'snapshot' ? [TaskState.IMAGE_SNAPSHOT] : []), TaskState.IMAGE_PENDING_UPLOAD];
      await this.transfer(driver, di, imageId, plan.task, steps, TaskState.IMAGE_UPLOADING);
    } catch (err) {
      if (err instanceof ImageGone || err instanceof ImageNotFound || err instanceof SnapshotAbandoned) {
        // the image was deleted meanwhile, or the server is being deleted (Nova's ImageNotFound and
        // UnexpectedDeletingTaskStateError during a snapshot): no fault, no image
        this.d.log.info({ instanceId: di.uuid, imageId, reason: (err as Error).message }, 'snapshot abandoned');
        await this.discard(imageId);
        return {};
      }
      await this.discard(imageId);
      throw err;
    }
    if (plan.rotation) await this.rotate(di.uuid, plan.rotation.backupType, plan.rotation.keep);
    return {};
  }

  /**
   * The driver's tarball of the instance into the image (queued → saving → active), moving the
   * task_state from `from` through `steps` before the driver's snapshot and to `uploading` before
   * the transfer (Nova's update_task_state callback). Throws SnapshotAbandoned when the task_state
   * was changed by someone else meanwhile. Shelve uses it with its own task states.
   */
  async transfer(driver: ComputeDriver, di: DriverInstance, imageId: string, from: TaskState,
    steps: readonly TaskState[], uploading: TaskState): Promise<void> {
    let task = from;
    for (const next of steps) {
      await this.advance(di.uuid, task, next);
      task = next;
    }
    const data = await driver.snapshot!(di);
    try {
      await this.advance(di.uuid, task, uploading);
      await this.d.images.receiveData(imageId, data);
    } finally {
      (data as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.(); // a no-op once read to the end
    }
  }

  /** A queued snapshot image of the server as Nova's compute_utils.create_image makes it (shelve's `<name>-shelved`). */
  async registerSnapshot(auth: AuthContext, instance: InstanceRecord, name: string): Promise<ImageRecord> {
    return this.d.images.register(await this.newImage(auth, instance, name, {
      method: 'createImage', task: TaskState.IMAGE_SNAPSHOT_PENDING, imageType: 'snapshot', properties: {},
    }));
  }

  /** Moves the task_state on only if nobody else changed it (a delete sets 'deleting'). */
  private async advance(uuid: string, from: TaskState, to: TaskState): Promise<void> {
    if (!(await this.d.instances.update(uuid, { taskState: to }, from))) {
      throw new SnapshotAbandoned(uuid);
    }
  }

  /**
   * Nova's _rotate_backups: the backups of this server and backup_type, newest first; all past the
   * first `keep` are deleted. A protected one (or one that cannot be deleted) is skipped, as Nova
   * logs and continues.
   */
  async rotate(uuid: string, backupType: string, keep: number): Promise<string[]> {
    const backups = await this.d.images.store.list({
      viewer: { projectId: null, isAdmin: true }, visibility: 'all', comparisons: [], tags: [],
      properties: { image_type: 'backup', backup_type: backupType, instance_uuid: uuid },
      sort: [{ column: 'created_at', dir: 'desc' }, { column: 'id', dir: 'desc' }], after: null, limit: Number.MAX_SAFE_INTEGER,
    });
    const deleted: string[] = [];
    for (const old of backups.slice(keep)) {
      if (old.protected) {
        this.d.log.info({ instanceId: uuid, imageId: old.id }, 'protected backup kept during rotation');
        continue;
      }
      try {
        await this.discard(old.id);
        deleted.push(old.id);
      } catch (err) {
        this.d.log.warn({ err, instanceId: uuid, imageId: old.id }, 'cannot delete backup during rotation');
      }
    }
    return deleted;
  }

  /** Removes an image record and its data, whatever its status; gone already is fine. */
  private async discard(imageId: string): Promise<void> {
    await this.d.images.store.delete(imageId);
    await this.d.images.storage.remove(imageId);
  }
}

/** The server changed under the snapshot (it is being deleted): the image goes, no fault is recorded. */
export class SnapshotAbandoned extends Error {
  constructor(uuid: string) {
    super(`snapshot of instance ${uuid} abandoned: its task_state changed`);
  }
}

/** Nova's check_img_metadata_properties_quota (2.1 up to 2.38): metadata_items, 403. */
export function checkImageMetadataQuota(metadata: Readonly<Record<string, string>> | undefined): void {
  if (Object.keys(metadata ?? {}).length > DEFAULT_LIMITS.metadataItems) throw new Forbidden('Image metadata limit exceeded');
}
