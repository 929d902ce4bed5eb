import type { AuthContext } from '../identity/auth-context';
import type { InstanceRecord, InstanceStore } from '../db/stores/instances';
import { InstanceTagStore, MAX_TAG_COUNT, MAX_TAG_LENGTH } from '../db/stores/instance-tags';
import { BadRequest, Forbidden, ItemNotFound } from '../errors';
import { requireState } from './guards';
import { VmState } from './states';

/** Nova's ServerTagsController._check_instance_in_valid_state (no lock check, no task_state check). */
const TAGGABLE = { vm: [VmState.ACTIVE, VmState.PAUSED, VmState.SUSPENDED, VmState.STOPPED] };

/** Nova's parameter_types.tag: 1-60 characters without ',' or '/'. */
export function isValidTag(tag: string): boolean {
  return tag.length >= 1 && tag.length <= MAX_TAG_LENGTH && !/[,/]/.test(tag);
}

/** Server tags (microversion 2.26; Nova's ServerTagsController). */
export class ServerTagService {
  constructor(private readonly instances: InstanceStore, private readonly tags: InstanceTagStore) {}

  async list(auth: AuthContext, uuid: string): Promise<string[]> {
    await this.server(auth, uuid, 'index');
    return this.tags.list(uuid);
  }

  /** 404 "Server <id> has no tag '<tag>'" when absent. */
  async check(auth: AuthContext, uuid: string, tag: string): Promise<void> {
    await this.server(auth, uuid, 'show');
    if (!(await this.tags.exists(uuid, tag))) throw new ItemNotFound(`Server ${uuid} has no tag '${tag}'`);
  }

  /** Adds one tag; returns whether it was created (201) rather than already there (204). */
  async add(auth: AuthContext, uuid: string, tag: string): Promise<boolean> {
    const instance = await this.server(auth, uuid, 'update');
    requireTaggable(instance, 'update tag');
    if (!isValidTag(tag)) {
      throw new BadRequest(`Tag '${tag}' is invalid. It must be a non empty string without characters '/' and ','. Validation error message: ${tagError(tag)}`);
    }
    const current = await this.tags.list(uuid);
    // Nova counts before looking for the tag: a server at the limit refuses even a tag it has
    if (current.length >= MAX_TAG_COUNT) throw new BadRequest(`The number of tags exceeded the per-server limit ${MAX_TAG_COUNT}`);
    if (current.includes(tag)) return false;
    return this.tags.add(uuid, tag);
  }

  async replace(auth: AuthContext, uuid: string, tags: readonly string[]): Promise<string[]> {
    requireTaggable(await this.server(auth, uuid, 'update_all'), 'update tags');
    return this.tags.set(uuid, tags);
  }

  async delete(auth: AuthContext, uuid: string, tag: string): Promise<void> {
    requireTaggable(await this.server(auth, uuid, 'delete'), 'delete tag');
    if (!(await this.tags.delete(uuid, tag))) throw new ItemNotFound(`Instance ${uuid} has no tag '${tag}'`);
  }

  async deleteAll(auth: AuthContext, uuid: string): Promise<void> {
    requireTaggable(await this.server(auth, uuid, 'delete_all'), 'delete tags');
    await this.tags.deleteAll(uuid);
  }

  /**
   * The server by its mapping, as Nova's tag controller finds it: unknown → 404; another
   * project's server → the policy's 403 (the rule targets the server's project), not a 404.
   */
  private async server(auth: AuthContext, uuid: string, rule: string): Promise<InstanceRecord> {
    const instance = await this.instances.find(uuid);
    if (!auth.isAdmin && instance.projectId !== auth.projectId) {
      throw new Forbidden(`Policy doesn't allow os_compute_api:os-server-tags:${rule} to be performed.`);
    }
    return instance;
  }
}

function requireTaggable(instance: InstanceRecord, action: string): void {
  requireState(instance, TAGGABLE, action);
}

/** jsonschema's message for the failing part of parameter_types.tag. */
function tagError(tag: string): string {
  if (tag.length > MAX_TAG_LENGTH) return `'${tag}' is too long`;
  if (tag.length < 1) return `'${tag}' is too short`;
  return `'${tag}' does not match '^[^,/]*$'`;
}
