import type { AuthContext } from '../identity/auth-context';
import type { InstanceStore } from '../db/stores/instances';
import type { HostServices } from './host-services';
import type { ComputeService } from './service';
import { BadRequest, Forbidden, ItemNotFound, NotSupported } from '../errors';
import { NoValidHost } from '../scheduler/scheduler';
import { requireState, StateRequirement } from './guards';
import { TaskState, VmState } from './states';

/** Nova's evacuate: @check_instance_state(vm_state=[ACTIVE, STOPPED, ERROR], task_state=None). */
const EVACUATE_ALLOWED: StateRequirement = { vm: [VmState.ACTIVE, VmState.STOPPED, VmState.ERROR], task: [null] };

export interface EvacuateRequest {
  readonly host?: string;
  /** 2.29–2.67 */
  readonly force?: boolean;
}

/**
 * evacuate (Nova's evacuate.py and compute API evacuate): rebuild a server of a failed host on
 * another one. Checked as Nova does: 404, admin only (403), force without a host (400), an
 * unknown target host (404), the server's own host as target (400), the state (409), and the
 * source host's nova-compute service must be down (400 ComputeServiceInUse otherwise). With its
 * service down and no other enabled, up host to go to, the conductor's scheduling fails as
 * Nova's does: the server ends in ERROR with a No valid host fault. Rebuilding on another host
 * is not built: with one there, the request is 501 rather than a pretended evacuation.
 */
export async function evacuate(
  compute: ComputeService, instances: InstanceStore, services: HostServices, auth: AuthContext, uuid: string, req: EvacuateRequest,
): Promise<void> {
  const instance = await compute.get(auth, uuid);
  if (!auth.isAdmin) throw new Forbidden("Policy doesn't allow os_compute_api:os-evacuate to be performed.");
  if (req.force === true && !req.host) throw new BadRequest("Can't force to a non-provided destination");
  const computes = await services.list({ binary: 'nova-compute' });
  if (req.host !== undefined && !computes.some((s) => s.host === req.host)) throw new ItemNotFound(`Compute host ${req.host} not found.`);
  if (req.host !== undefined && instance.host === req.host) throw new BadRequest("The target host can't be the same one.");
  requireState(instance, EVACUATE_ALLOWED, 'evacuate');
  const source = computes.find((s) => s.host === instance.host);
  if (!source || source.state === 'up') throw new BadRequest(`Compute service of ${instance.host} is still in use.`);
  const targets = computes.filter((s) => s.host !== instance.host && s.status === 'enabled' && s.state === 'up'
    && (req.host === undefined || s.host === req.host));
  if (targets.length > 0) throw new NotSupported();
  await compute.startAction(auth, uuid, {
    method: 'evacuate', allowed: EVACUATE_ALLOWED, task: TaskState.REBUILDING, action: 'evacuate',
    work: async () => {
      await instances.setFault(uuid, { code: 500, message: new NoValidHost().message, details: '', createdAt: new Date() });
      await instances.update(uuid, { vmState: VmState.ERROR, taskState: null });
    },
  });
}
