import type { AuthContext } from '../identity/auth-context';
import type { InstanceStore } from '../db/stores/instances';
import type { ComputeService } from './service';
import type { InstanceActionRecorder } from './instance-actions';
import { Forbidden } from '../errors';
import { VmState } from './states';

export type ResetTarget = 'active' | 'error';

const STATE_MAP: Readonly<Record<ResetTarget, VmState>> = { active: VmState.ACTIVE, error: VmState.ERROR };

/** Nova's admin_actions.py: os-resetState (admin only). */
export class AdminActions {
  constructor(
    private readonly compute: ComputeService,
    private readonly instances: InstanceStore,
    private readonly actions: InstanceActionRecorder,
  ) {}

  /**
   * Sets vm_state and clears task_state in any state (no state guard, no lock check, as Nova),
   * recorded as the instance action `resetState`. The server is looked up first (404), then the
   * policy (403), in Nova's order.
   */
  async resetState(auth: AuthContext, uuid: string, state: ResetTarget): Promise<void> {
    await this.compute.get(auth, uuid);
    if (!auth.isAdmin) throw new Forbidden("Policy doesn't allow os_compute_api:os-admin-actions:reset_state to be performed.");
    const actionId = await this.actions.start(auth, uuid, 'resetState');
    await this.actions.within(uuid, actionId, async () => {
      await this.instances.update(uuid, { vmState: STATE_MAP[state], taskState: null });
    })();
  }
}
