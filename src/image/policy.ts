import type { AuthContext } from '../identity/auth-context';
import type { ImageRecord } from '../db/stores/images';
import { Forbidden } from '../errors';

/**
 * Glance's default policies (secure RBAC): anyone in a project may look, members of the owning
 * project change, only admins publish or hand images to other projects.
 */
export function isVisible(image: ImageRecord, auth: AuthContext): boolean {
  return auth.isAdmin || image.visibility === 'public' || image.visibility === 'community' || isOwner(image, auth);
}

export function isOwner(image: ImageRecord, auth: AuthContext): boolean {
  return auth.projectId !== null && image.owner === auth.projectId;
}

/** Writers are members (or admins) of a project; readers only read. */
export function requireWriter(auth: AuthContext, action: string): void {
  const member = auth.projectId !== null && auth.roles.includes('member');
  if (!auth.isAdmin && !member) throw denied(action);
}

/** Only the owner's members and admins change an image they can see. */
export function requireModify(image: ImageRecord, auth: AuthContext, action: string): void {
  requireWriter(auth, action);
  if (!auth.isAdmin && !isOwner(image, auth)) throw denied(action);
}

export function requireMayPublish(visibility: string, auth: AuthContext): void {
  if (visibility === 'public' && !auth.isAdmin) throw denied('publicize_image');
}

export function requireMayOwn(owner: string | null, auth: AuthContext): void {
  if (!auth.isAdmin && owner !== auth.projectId) throw new Forbidden(`You are not permitted to create images owned by '${owner}'.`);
}

const denied = (action: string) => new Forbidden(`You are not authorized to complete ${action} action.`);
