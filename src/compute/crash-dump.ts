import type { AuthContext } from '../identity/auth-context';
import type { DriverRegistry } from '../drivers/registry';
import type { ComputeService } from './service';
import { BadRequest, InstanceNotReady, NotSupported } from '../errors';
import { requireUnlocked } from './lock';
import { requireState, StateRequirement } from './guards';
import { VmState } from './states';

/** Nova's vm_states.ALLOW_TRIGGER_CRASH_DUMP, with task_state None (check_instance_state's default). */
const CRASH_DUMP_ALLOWED: StateRequirement = {
  vm: [VmState.ACTIVE, VmState.PAUSED, VmState.RESCUED, VmState.RESIZED, VmState.ERROR], task: [null],
};

/**
 * 2.17's trigger_crash_dump (Nova injects an NMI so the guest kernel writes a crash dump). Checked
 * as Nova's compute API does: 404 for a server the caller cannot see, 409 when locked (for a
 * non-admin), without a host, or in another state. A container has no kernel of its own to dump,
 * so no driver here has the capability and the request then ends in Nova's
 * TriggerCrashDumpNotSupported (400) rather than in a pretended success.
 */
export async function triggerCrashDump(compute: ComputeService, drivers: DriverRegistry, auth: AuthContext, uuid: string): Promise<void> {
  const instance = await compute.get(auth, uuid);
  requireUnlocked(instance, auth);
  if (!instance.host) throw new InstanceNotReady(uuid);
  requireState(instance, CRASH_DUMP_ALLOWED, 'trigger_crash_dump');
  if (!drivers.forHost(instance.host).capabilities.triggerCrashDump) throw new BadRequest('Triggering crash dump is not supported');
  // no driver method exists yet: a driver claiming the capability gets Nova's 501, never a pretended dump
  throw new NotSupported();
}
