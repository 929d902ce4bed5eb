import type { AuthContext } from '../identity/auth-context';
import type { DriverRegistry } from '../drivers/registry';
import { InstanceNotFoundInDriver, InstancePasswordSetFailed, NotSupported, SetAdminPasswdNotSupported } from '../errors';
import type { ComputeService } from './service';
import { requireState, StateRequirement } from './guards';
import { TaskState, VmState } from './states';

/** Nova's compute/api.py set_admin_password: @check_instance_state(vm_state=[ACTIVE]), task_state None. */
const ALLOWED: StateRequirement = { vm: [VmState.ACTIVE], task: [null] };
/** the action name in Nova's 409 ("Cannot 'changePassword' instance …") and its instance action */
const METHOD = 'changePassword';
const NOT_IMPLEMENTED = 'Unable to set password on instance';

/**
 * changePassword (Nova's admin_password controller + compute api/manager set_admin_password).
 * Unlike most actions it is synchronous in Nova (an RPC call, not a cast): the reply comes once
 * the driver is done, so its failures reach the caller — 409 when the instance is not running or
 * its image cannot hold a password (SetAdminPasswdNotSupported), 409 InstancePasswordSetFailed
 * for anything else, 501 when the host's driver has no way at all. task_state is
 * updating_password (status PASSWORD) while the work runs, serialized with the server's other
 * work. The password is never stored nor logged.
 */
export class AdminPasswordService {
  constructor(private readonly compute: ComputeService, private readonly drivers: DriverRegistry) {}

  async setAdminPassword(auth: AuthContext, uuid: string, password: string): Promise<void> {
    const instance = await this.compute.get(auth, uuid);
    requireState(instance, ALLOWED, METHOD);
    const driver = instance.host ? this.drivers.forHost(instance.host) : null;
    if (!driver?.capabilities.setAdminPassword || !driver.setAdminPassword) throw new NotSupported(NOT_IMPLEMENTED);

    let failure: unknown = null;
    let finished!: () => void;
    const done = new Promise<void>((resolve) => { finished = resolve; });
    await this.compute.startAction(auth, uuid, {
      method: METHOD, action: METHOD, allowed: ALLOWED, task: TaskState.UPDATING_PASSWORD,
      work: async () => {
        try {
          await this.compute.manager.run(uuid, 'set_admin_password', async (d, di) => {
            if (!d.setAdminPassword) throw new NotSupported(NOT_IMPLEMENTED);
            await d.setAdminPassword(di, password).catch((err: unknown) => { failure = err; throw err; });
            return {};
          });
        } finally {
          finished();
        }
      },
    });
    await done;
    if (failure !== null) throw replyFor(uuid, failure);
  }
}

/** Nova's manager: its own 409s pass, a missing instance is "not running", anything else a generic 409. */
function replyFor(uuid: string, err: unknown): Error {
  if (err instanceof SetAdminPasswdNotSupported || err instanceof InstancePasswordSetFailed) return err;
  if (err instanceof NotSupported) return new NotSupported(NOT_IMPLEMENTED);
  if (err instanceof InstanceNotFoundInDriver) return new InstancePasswordSetFailed(uuid, `instance ${uuid} is not running`);
  // a new error, so that nothing the engine said (which could echo input) reaches the caller
  return new InstancePasswordSetFailed(uuid, 'error setting admin password');
}
