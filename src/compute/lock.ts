import type { AuthContext } from '../identity/auth-context';
import type { InstanceRecord, InstanceStore } from '../db/stores/instances';
import type { ComputeService } from './service';
import type { InstanceActionRecorder } from './instance-actions';
import { Forbidden, InstanceIsLocked } from '../errors';

/**
 * Nova's @check_instance_lock: a locked server refuses a non-admin's actions with 409
 * "Instance <uuid> is locked". ComputeService applies it to every action it starts and to delete.
 */
export function requireUnlocked(instance: Pick<InstanceRecord, 'uuid' | 'locked'>, auth: AuthContext): void {
  if (instance.locked && !auth.isAdmin) throw new InstanceIsLocked(instance.uuid);
}

/** Nova's is_expected_locked_by: the lock, if any, is held by the caller's side (owner project or admin). */
function isExpectedLockedBy(instance: InstanceRecord, auth: AuthContext): boolean {
  const expected = instance.projectId === auth.projectId ? 'owner' : 'admin';
  return !instance.lockedBy || instance.lockedBy === expected;
}

/** The lock and unlock server actions (Nova's lock_server.py and compute API lock/unlock). */
export class ServerLocks {
  constructor(
    private readonly compute: ComputeService,
    private readonly instances: InstanceStore,
    private readonly actions: InstanceActionRecorder,
  ) {}

  /**
   * Locks a server in any state. The owner's project locks as 'owner', an admin of another
   * project as 'admin'; locking again from the owner's project changes nothing (not the reason either).
   */
  async lock(auth: AuthContext, uuid: string, reason?: string): Promise<void> {
    const instance = await this.compute.get(auth, uuid);
    const isOwner = instance.projectId === auth.projectId;
    if (instance.locked && isOwner) return;
    const actionId = await this.actions.start(auth, uuid, 'lock');
    await this.actions.within(uuid, actionId, () => this.actions.event(uuid, 'api_lock', async () => {
      // 2.73's locked_reason (Nova's system_metadata locked_reason): kept until the unlock
      await this.instances.update(uuid, { locked: true, lockedBy: isOwner ? 'owner' : 'admin', ...(reason && { lockedReason: reason }) });
    }))();
  }

  /** Unlocks a server; a lock held by the other side (an admin's, for the owner) needs the admin override (403). */
  async unlock(auth: AuthContext, uuid: string): Promise<void> {
    const instance = await this.compute.get(auth, uuid);
    if (!isExpectedLockedBy(instance, auth) && !auth.isAdmin) {
      throw new Forbidden("Policy doesn't allow os_compute_api:os-lock-server:unlock:unlock_override to be performed.");
    }
    const actionId = await this.actions.start(auth, uuid, 'unlock');
    await this.actions.within(uuid, actionId, () => this.actions.event(uuid, 'api_unlock', async () => {
      await this.instances.update(uuid, { locked: false, lockedBy: null, lockedReason: null });
    }))();
  }
}
