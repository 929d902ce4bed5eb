import type Dockerode from 'dockerode';
import { InstancePasswordSetFailed, SetAdminPasswdNotSupported } from '../../errors';
import { readGuestFile, replaceGuestFile } from './guest-files';
import { sha512Crypt } from './sha512-crypt';

const DAY_MS = 24 * 3600 * 1000;

/**
 * Sets root's password in a running container without running anything inside it: the new
 * password is hashed here (SHA-512 crypt, which glibc, musl and busybox all verify) and the hash
 * is written into root's line of /etc/shadow, or of /etc/passwd when the image keeps no shadow
 * file (busybox-style images), through the archive API, keeping the file's owner and mode.
 * Why not `chpasswd` by exec: many images have none (distroless, scratch-based), the password
 * would cross a process boundary in clear, and busybox and Debian disagree on its options.
 * An image with neither file, or without a root entry, cannot hold a password: SetAdminPasswdNotSupported.
 */
export async function setRootPassword(container: Dockerode.Container, uuid: string, password: string, now = new Date()): Promise<void> {
  const state = (await container.inspect()).State;
  if (!state?.Running || state.Paused) throw new InstancePasswordSetFailed(uuid, `instance ${uuid} is not running`);
  const hash = sha512Crypt(password);
  for (const file of ['/etc/shadow', '/etc/passwd']) {
    const found = await readGuestFile(container, file);
    if (!found || found.type !== 'file') continue;
    const updated = withRootHash(found.content.toString('utf8'), hash, file === '/etc/shadow' ? daysSinceEpoch(now) : null);
    if (updated === null) continue;
    await replaceGuestFile(container, file, found, Buffer.from(updated, 'utf8'));
    return;
  }
  throw new SetAdminPasswdNotSupported();
}

/**
 * The text of a passwd or shadow file with root's password field (the 2nd) set to `hash`; for
 * shadow, the last-change field (the 3rd, days since 1970) too, so the new password is not
 * already expired. null when there is no root line.
 */
export function withRootHash(text: string, hash: string, lastChangeDays: number | null): string | null {
  let found = false;
  const lines = text.split('\n').map((line) => {
    if (found || !line.startsWith('root:')) return line;
    found = true;
    const fields = line.split(':');
    fields[1] = hash;
    if (lastChangeDays !== null && fields.length > 2) fields[2] = String(lastChangeDays);
    return fields.join(':');
  });
  return found ? lines.join('\n') : null;
}

export function daysSinceEpoch(now: Date): number {
  return Math.floor(now.getTime() / DAY_MS);
}
