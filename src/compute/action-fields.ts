import type { AuthContext } from '../identity/auth-context';
import type { InstancePatch, InstanceRecord, InstanceStore } from '../db/stores/instances';
import type { ActionSpec, ComputeService } from './service';

/**
 * startAction, plus fields Nova's API saves together with the claimed task_state (rebuild: the new
 * image, name, metadata; resize: progress, disk config). The background work is held back until
 * the fields are saved, so it always sees them. Returns the server as saved, before any work ran.
 */
export async function startActionWithFields(compute: ComputeService, instances: InstanceStore, auth: AuthContext,
  uuid: string, spec: ActionSpec, fields: InstancePatch): Promise<InstanceRecord> {
  let release!: () => void;
  const saved = new Promise<void>((resolve) => { release = resolve; });
  await compute.startAction(auth, uuid, { ...spec, work: async () => { await saved; await spec.work(); } });
  try {
    await instances.update(uuid, fields);
    return await instances.find(uuid);
  } finally {
    release();
  }
}
