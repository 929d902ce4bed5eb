import type { AuthContext } from '../identity/auth-context';
import type { DriverCapabilities } from '../drivers/driver';
import { PowerState } from '../drivers/driver';
import type { DriverRegistry } from '../drivers/registry';
import { NotSupported } from '../errors';
import type { ComputeService } from './service';
import { requireState, StateRequirement } from './guards';
import { TaskState, VmState } from './states';

type FreezeMethod = 'pause' | 'unpause' | 'suspend' | 'resume';

interface FreezeAction {
  readonly capability: keyof DriverCapabilities & ('pause' | 'suspend');
  readonly allowed: StateRequirement;
  readonly task: TaskState;
  /** the vm_state once the driver is done */
  readonly to: VmState;
}

/** Nova's compute/api.py pause/unpause/suspend/resume: the vm_state each needs, its task, its result. */
const ACTIONS: Readonly<Record<FreezeMethod, FreezeAction>> = {
  pause: { capability: 'pause', allowed: { vm: [VmState.ACTIVE], task: [null] }, task: TaskState.PAUSING, to: VmState.PAUSED },
  unpause: { capability: 'pause', allowed: { vm: [VmState.PAUSED], task: [null] }, task: TaskState.UNPAUSING, to: VmState.ACTIVE },
  suspend: { capability: 'suspend', allowed: { vm: [VmState.ACTIVE], task: [null] }, task: TaskState.SUSPENDING, to: VmState.SUSPENDED },
  resume: { capability: 'suspend', allowed: { vm: [VmState.SUSPENDED], task: [null] }, task: TaskState.RESUMING, to: VmState.ACTIVE },
};

/**
 * pause/unpause (the instance frozen in place) and suspend/resume. Checks as Nova's API does:
 * 404 for a server the caller cannot see, 409 when locked or in another state, and 501 when the
 * host's driver lacks the capability (Nova's NotImplementedError); the driver work runs in the
 * background through ComputeService.startAction.
 */
export class PauseSuspendService {
  constructor(private readonly compute: ComputeService, private readonly drivers: DriverRegistry) {}

  pause(auth: AuthContext, uuid: string): Promise<void> { return this.act(auth, uuid, 'pause'); }
  unpause(auth: AuthContext, uuid: string): Promise<void> { return this.act(auth, uuid, 'unpause'); }
  suspend(auth: AuthContext, uuid: string): Promise<void> { return this.act(auth, uuid, 'suspend'); }
  resume(auth: AuthContext, uuid: string): Promise<void> { return this.act(auth, uuid, 'resume'); }

  private async act(auth: AuthContext, uuid: string, method: FreezeMethod): Promise<void> {
    const action = ACTIONS[method];
    const instance = await this.compute.get(auth, uuid);
    const driver = instance.host ? this.drivers.forHost(instance.host) : null;
    if (!driver?.capabilities[action.capability] || !driver[method]) {
      requireState(instance, action.allowed, method); // a state the action never accepts is still Nova's 409
      throw new NotSupported();
    }
    // lock check, state check, task claim and instance action record, in Nova's order
    await this.compute.startAction(auth, uuid, {
      method, allowed: action.allowed, task: action.task,
      work: () => this.compute.manager.run(uuid, method, async (d, di) => {
        await d[method]!(di);
        const info = await d.getInfo(di);
        return { vmState: action.to, powerState: frozenPowerState(action.to, info.powerState), addresses: info.addresses };
      }),
    });
  }
}

/**
 * An engine that cannot tell a suspended instance from a paused one (Docker: both are frozen)
 * reports PAUSED; a server whose vm_state is suspended shows Nova's SUSPENDED power state.
 */
export function frozenPowerState(vmState: VmState, observed: PowerState): PowerState {
  return vmState === VmState.SUSPENDED && observed === PowerState.PAUSED ? PowerState.SUSPENDED : observed;
}

/**
 * After a restart (ComputeManager.settle): the vm_state and power state of a server the engine
 * reports frozen, or null when it is not frozen. Suspended when it was or was being suspended,
 * paused otherwise (an interrupted pause, unpause or hard reboot of a paused server).
 */
export function settleFrozen(instance: { vmState: VmState; taskState: TaskState | null }, observed: number | undefined):
  { vmState: VmState; powerState: PowerState } | null {
  if (observed !== PowerState.PAUSED && observed !== PowerState.SUSPENDED) return null;
  const suspended = observed === PowerState.SUSPENDED || instance.vmState === VmState.SUSPENDED
    || instance.taskState === TaskState.SUSPENDING;
  const vmState = suspended ? VmState.SUSPENDED : VmState.PAUSED;
  return { vmState, powerState: frozenPowerState(vmState, observed) };
}
