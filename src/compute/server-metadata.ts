import type { AuthContext } from '../identity/auth-context';
import type { InstanceRecord, InstanceStore } from '../db/stores/instances';
import type { ComputeService } from './service';
import { InstanceInvalidState, ItemNotFound } from '../errors';
import { requireState, StateRequirement } from './guards';
import { requireUnlocked } from './lock';
import { VmState } from './states';

/**
 * Nova's update_instance_metadata/delete_instance_metadata guards: @check_instance_lock, then
 * @check_instance_state(vm_state=[ACTIVE, PAUSED, SUSPENDED, STOPPED], task_state=None) — a None
 * task_state there means "any task", so only the vm_state and the must-have-launched check apply.
 */
const WRITABLE: StateRequirement = { vm: [VmState.ACTIVE, VmState.PAUSED, VmState.SUSPENDED, VmState.STOPPED] };

/** Server metadata (Nova's ServerMetadataController and compute API metadata calls). */
export class ServerMetadataService {
  /** per server, the last write: read-modify-write of metadata_json runs one at a time per server */
  private readonly writes = new Map<string, Promise<unknown>>();

  constructor(private readonly compute: ComputeService, private readonly instances: InstanceStore) {}

  async get(auth: AuthContext, uuid: string): Promise<Record<string, string>> {
    return { ...(await this.compute.get(auth, uuid)).metadata };
  }

  async getItem(auth: AuthContext, uuid: string, key: string): Promise<string> {
    const metadata = await this.get(auth, uuid);
    if (!Object.hasOwn(metadata, key)) throw new ItemNotFound('Metadata item was not found');
    return metadata[key];
  }

  /** POST (merge, replace false) and PUT (replace all, replace true); returns the new metadata. */
  async update(auth: AuthContext, uuid: string, metadata: Record<string, string>, replace: boolean): Promise<Record<string, string>> {
    const instance = await this.compute.get(auth, uuid);
    return this.serialized(uuid, async () => {
      const current = await this.writable(auth, instance, 'update metadata');
      const merged = replace ? { ...metadata } : { ...current.metadata, ...metadata };
      // Nova's _check_metadata_properties_quota counts against the caller's project (context.project_id)
      await this.compute.checkMetadataQuota(auth.projectId ?? current.projectId, merged);
      await this.instances.update(uuid, { metadata: merged });
      return merged;
    });
  }

  async deleteItem(auth: AuthContext, uuid: string, key: string): Promise<void> {
    const instance = await this.compute.get(auth, uuid);
    if (!Object.hasOwn(instance.metadata, key)) throw new ItemNotFound('Metadata item was not found');
    await this.serialized(uuid, async () => {
      const current = await this.writable(auth, instance, 'delete metadata');
      const rest = { ...current.metadata };
      delete rest[key];
      await this.instances.update(uuid, { metadata: rest });
    });
  }

  /** The lock check, then the state check, on the server as it is now (Nova's decorator order). */
  private async writable(auth: AuthContext, before: InstanceRecord, action: string): Promise<InstanceRecord> {
    const instance = await this.instances.find(before.uuid);
    requireUnlocked(instance, auth);
    requireState(instance, WRITABLE, action);
    if (!instance.launchedAt) throw new InstanceInvalidState(instance.uuid, 'launched_at', 'None', action);
    return instance;
  }

  private async serialized<T>(uuid: string, work: () => Promise<T>): Promise<T> {
    const previous = this.writes.get(uuid) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.writes.set(uuid, next);
    try {
      return await next;
    } finally {
      if (this.writes.get(uuid) === next) this.writes.delete(uuid);
    }
  }
}
