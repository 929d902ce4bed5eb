import { randomBytes } from 'node:crypto';
import type { AuthContext } from '../identity/auth-context';
import type { DriverRegistry } from '../drivers/registry';
import type { InstanceStore } from '../db/stores/instances';
import type { ImageRecord } from '../db/stores/images';
import type { ImageService } from '../image/service';
import { BadRequest, NotSupported } from '../errors';
import type { ComputeService } from './service';
import { requireState, StateRequirement } from './guards';
import { requireUnlocked } from './lock';
import { TaskState, VmState } from './states';

/** Nova's compute/api.py rescue: @check_instance_state(vm_state=[ACTIVE, STOPPED, ERROR]), task_state None. */
const RESCUE_ALLOWED: StateRequirement = { vm: [VmState.ACTIVE, VmState.STOPPED, VmState.ERROR], task: [null] };
/** unrescue: @check_instance_state(vm_state=[RESCUED]), task_state None. */
const UNRESCUE_ALLOWED: StateRequirement = { vm: [VmState.RESCUED], task: [null] };

export interface RescueRequest {
  readonly adminPass?: string;
  readonly rescueImageRef?: string;
}

export interface RescueDeps {
  readonly compute: ComputeService;
  readonly instances: InstanceStore;
  readonly images: ImageService;
  readonly drivers: DriverRegistry;
}

/** Nova's utils.generate_password length (CONF.password_length, 12) */
export const generatePassword = (): string => randomBytes(9).toString('base64url').slice(0, 12);

/**
 * rescue/unrescue (Nova's rescue.py controller and compute API). Rescue stops the server, keeping
 * it, and boots a rescue instance from `rescue_image_ref` (or the server's own image, Nova's
 * default) with the server's flavor, in which the server's root filesystem is reachable
 * (/mnt/rescue); status RESCUE. Unrescue removes the rescue instance and starts the server: ACTIVE.
 * 404 for a server the caller cannot see, 409 when locked or in another state (Nova's messages),
 * 400 for a rescue image that cannot be found or is not active (UnsupportedRescueImage), 501 when
 * the host's driver cannot rescue. A failed rescue leaves the server as it was, with a fault.
 */
export class RescueService {
  constructor(private readonly d: RescueDeps) {}

  /** Returns the rescue password (given or generated), which Nova's reply shows. */
  async rescue(auth: AuthContext, uuid: string, req: RescueRequest): Promise<string> {
    const password = req.adminPass ?? generatePassword();
    const instance = await this.d.compute.get(auth, uuid);
    // Nova's order: @check_instance_lock, @check_instance_state, then the rescue image
    requireUnlocked(instance, auth);
    requireState(instance, RESCUE_ALLOWED, 'rescue');
    this.requireCapable(instance.host);
    const image = await this.rescueImage(auth, req.rescueImageRef ?? instance.imageRef);
    await this.d.compute.startAction(auth, uuid, {
      method: 'rescue', allowed: RESCUE_ALLOWED, task: TaskState.RESCUING,
      work: () => this.d.compute.manager.run(uuid, 'rescue_instance', async (driver, di) => {
        const { flavor } = await this.d.instances.find(uuid);
        const driverState = await driver.rescue!(di, this.d.images.driverImage(image), flavor, password);
        // saved at once: a failure after this point must still find (and remove) the rescue instance
        await this.d.instances.update(uuid, { driverState });
        const info = await driver.getInfo({ ...di, driverState });
        return { vmState: VmState.RESCUED, driverState, powerState: info.powerState, addresses: info.addresses };
      }),
    });
    return password;
  }

  async unrescue(auth: AuthContext, uuid: string): Promise<void> {
    const instance = await this.d.compute.get(auth, uuid);
    requireUnlocked(instance, auth);
    requireState(instance, UNRESCUE_ALLOWED, 'unrescue');
    this.requireCapable(instance.host);
    await this.d.compute.startAction(auth, uuid, {
      method: 'unrescue', allowed: UNRESCUE_ALLOWED, task: TaskState.UNRESCUING,
      work: () => this.d.compute.manager.run(uuid, 'unrescue_instance', async (driver, di) => {
        const driverState = await driver.unrescue!(di);
        await this.d.instances.update(uuid, { driverState });
        const info = await driver.getInfo({ ...di, driverState });
        return { vmState: VmState.ACTIVE, driverState, powerState: info.powerState, addresses: info.addresses };
      }),
    });
  }

  private requireCapable(host: string | null): void {
    const driver = host ? this.d.drivers.forHost(host) : null;
    if (!driver?.capabilities.rescue || !driver.rescue || !driver.unrescue) throw new NotSupported();
  }

  /** Nova's UnsupportedRescueImage (400) when the image cannot be found; not active is refused the same way */
  private async rescueImage(auth: AuthContext, ref: string): Promise<ImageRecord> {
    const unsupported = () => new BadRequest(`Requested rescue image '${ref}' is not supported`);
    const image = await this.d.images.getVisible(ref, auth).catch(() => { throw unsupported(); });
    if (image.status !== 'active') throw unsupported();
    return image;
  }
}
