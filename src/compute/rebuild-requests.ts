import type { AuthContext } from '../identity/auth-context';
import type { InstancePatch } from '../db/stores/instances';
import type { KeypairStore } from '../db/stores/keypairs';
import { BadRequest, DomainError, KeypairNotFound } from '../errors';
import { rethrowAs } from './rethrow';
import type { RebuildRequest } from './rebuild';

/**
 * The instance fields the rebuild fields of later microversions change, saved with the rebuilding
 * task as Nova's compute API saves them (the spawn that follows reads them: the new key is written
 * into the new container, the user data into its config drive):
 * 2.19 description, 2.54 key_name (the caller's key pair, Nova's 400 "Invalid key_name provided."
 * when missing; null removes the key), 2.57 user_data (null removes it).
 */
export async function rebuildRequestPatch(req: RebuildRequest, auth: AuthContext, keypairs?: KeypairStore): Promise<InstancePatch> {
  let key: InstancePatch = {};
  if (req.keyName === null) key = { keyName: null, keyData: null };
  else if (req.keyName !== undefined) {
    if (!keypairs) throw new BadRequest('Invalid key_name provided.');
    const found = await keypairs.find(auth.userId, req.keyName).catch(rethrowAs(BadRequest, KeypairNotFound, () => 'Invalid key_name provided.'));
    key = { keyName: found.name, keyData: found.publicKey };
  }
  return {
    ...(req.description !== undefined && { description: req.description }),
    ...key,
    ...(req.userData !== undefined && { userData: req.userData }),
  };
}

/** Nova's BuildAbortException during a rebuild: recorded as the server's fault (500), the task cleared. */
export class BuildAbort extends DomainError {
  constructor(uuid: string, reason: string) {
    super(`Build of instance ${uuid} aborted: ${reason}`);
  }
}
