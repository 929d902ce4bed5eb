import type Dockerode from 'dockerode';
import type { ConfigDriveFiles, DriverConfigDrive } from '../driver';
import { addressesOf } from './addresses';
import { isNotFound } from './engine-errors';
import { archiveOf, GuestFile } from './guest-files';

/**
 * Nova's config drive in a container. A real config drive is a read-only ISO 9660 (or vfat)
 * filesystem labelled `config-2`, attached as a disk; a container has no block devices, so the
 * drive's tree is copied into the container's filesystem before it first starts (archive API,
 * like the key injection in guest-files.ts), at
 *
 *   /var/lib/cloud/seed/config_drive/   — cloud-init's ConfigDrive datasource reads this seed
 *                                         directory before it looks for a `config-2` device
 *   /mnt/config -> that directory       — the mount point Nova's docs use (`mount
 *                                         /dev/disk/by-label/config-2 /mnt/config`); a symlink,
 *                                         made only when the image has nothing at /mnt/config
 *
 * Files are root-owned 0644 (directories 0755), like a mounted drive readable by root's tools.
 * The address-dependent files (network_data.json, ec2 meta-data.json) are written again right
 * after the start, once the engine has assigned the address: a guest reading them in its first
 * instant may still see the pre-start version ({} network data). The drive is written at spawn
 * (create, rebuild) only; a later start that gets a new address does not rewrite it.
 */
export const CONFIG_DRIVE_PATH = '/var/lib/cloud/seed/config_drive';
export const CONFIG_DRIVE_LINK = '/mnt/config';

const ROOT = { uid: 0, gid: 0 };

/** the drive's tree as a tar to extract at / (its directories, its files, and the link when asked) */
export function configDriveArchive(files: ConfigDriveFiles, withLink: boolean): Promise<Buffer> {
  const base = CONFIG_DRIVE_PATH.slice(1);
  const dirs = new Set<string>([base]);
  const entries: GuestFile[] = [];
  for (const [rel, content] of Object.entries(files)) {
    if (rel.startsWith('/') || rel.split('/').some((part) => part === '' || part === '.' || part === '..')) {
      throw new Error(`config drive path ${JSON.stringify(rel)} is not a plain relative path`);
    }
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(`${base}/${parts.slice(0, i).join('/')}`);
    entries.push({ name: `${base}/${rel}`, content: Buffer.isBuffer(content) ? content : Buffer.from(content), mode: 0o644, ...ROOT });
  }
  const sortedDirs = [...dirs].sort().map((name) => ({ name, mode: 0o755, ...ROOT }));
  const links = withLink ? [{ name: CONFIG_DRIVE_LINK.slice(1), target: CONFIG_DRIVE_PATH }] : [];
  return archiveOf(sortedDirs, entries, links);
}

/** Writes the whole drive into a created (not yet started) container; nothing when there is no drive. */
export async function writeConfigDrive(container: Dockerode.Container, drive: DriverConfigDrive | undefined): Promise<void> {
  if (!drive) return;
  const withLink = !(await exists(container, CONFIG_DRIVE_LINK));
  await container.putArchive(await configDriveArchive(drive.files, withLink), { path: '/' });
}

/** Once the container runs: rewrites the files that depend on the addresses the engine just assigned. */
export async function writeConfigDriveAddresses(container: Dockerode.Container, drive: DriverConfigDrive | undefined, networkLabel: string): Promise<void> {
  if (!drive?.withAddresses) return;
  const info = await container.inspect();
  const files = drive.withAddresses(addressesOf(info.NetworkSettings?.Networks, networkLabel));
  await container.putArchive(await configDriveArchive(files, false), { path: '/' });
}

async function exists(container: Dockerode.Container, path: string): Promise<boolean> {
  try {
    await container.infoArchive({ path });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
