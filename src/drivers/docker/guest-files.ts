import type Dockerode from 'dockerode';
import * as tar from 'tar-stream';
import { isNotFound } from './engine-errors';

/**
 * Files written into and read from an instance's filesystem through the engine's archive API
 * (`docker cp`): PUT /containers/{id}/archive works on a created-but-not-started container as on
 * a running one, needs no exec, no shell in the image, no bind mount and no extra capability.
 */

export interface GuestFile {
  readonly name: string;
  readonly content: Buffer;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime?: Date;
}

export interface GuestDir {
  readonly name: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/** A symbolic link (owned by root) */
export interface GuestLink {
  readonly name: string;
  readonly target: string;
}

/** A tar of the given directories (in order), files and links; names are relative to the extraction path. */
export async function archiveOf(dirs: readonly GuestDir[], files: readonly GuestFile[], links: readonly GuestLink[] = []): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (chunk: unknown) => { chunks.push(chunk as Buffer); });
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  const mtime = new Date();
  for (const d of dirs) pack.entry({ name: d.name, type: 'directory', mode: d.mode, uid: d.uid, gid: d.gid, mtime });
  for (const f of files) pack.entry({ name: f.name, type: 'file', mode: f.mode, uid: f.uid, gid: f.gid, mtime: f.mtime ?? mtime }, f.content);
  for (const l of links) pack.entry({ name: l.name, type: 'symlink', linkname: l.target, mode: 0o777, uid: 0, gid: 0, mtime });
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Root's authorized_keys: /root 0700, /root/.ssh 0700, the file 0600, all root-owned (sshd's StrictModes). */
export function authorizedKeysArchive(keys: readonly string[]): Promise<Buffer> {
  const root = { uid: 0, gid: 0 };
  const content = Buffer.from(keys.map((k) => `${k.trim()}\n`).join(''));
  return archiveOf(
    [{ name: 'root', mode: 0o700, ...root }, { name: 'root/.ssh', mode: 0o700, ...root }],
    [{ name: 'root/.ssh/authorized_keys', content, mode: 0o600, ...root }],
  );
}

/**
 * Writes the keys into the container (created or running). Keys come from the keypair store, so
 * they are single OpenSSH lines; a line break inside one would add a line of its own, so any is refused.
 */
export async function writeAuthorizedKeys(container: Dockerode.Container, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  if (keys.some((k) => /[\r\n]/.test(k.trim()))) throw new Error('a public key must be a single line');
  await container.putArchive(await authorizedKeysArchive(keys), { path: '/' });
}

/** One file of the guest with its owner and mode, or null when the path does not exist. Only regular files have content. */
export async function readGuestFile(container: Dockerode.Container, path: string): Promise<(GuestFile & { type: string }) | null> {
  let archive: NodeJS.ReadableStream;
  try {
    archive = await container.getArchive({ path });
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  const extract = tar.extract();
  (archive as NodeJS.ReadableStream & { pipe: (d: unknown) => unknown }).pipe(extract);
  for await (const entry of extract) {
    const h = entry.header;
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    // the first entry is the path itself; the rest (a directory's contents) is drained and ignored
    void drain(extract);
    return { name: h.name, type: h.type ?? 'file', content: Buffer.concat(chunks), mode: h.mode ?? 0o644, uid: h.uid ?? 0, gid: h.gid ?? 0 };
  }
  return null;
}

async function drain(extract: tar.Extract): Promise<void> {
  try {
    for await (const entry of extract) entry.resume();
  } catch {
    // nothing to keep
  }
}

/** Replaces one file of the guest in place, keeping the owner and mode it had. */
export async function replaceGuestFile(container: Dockerode.Container, path: string, previous: GuestFile, content: Buffer): Promise<void> {
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash) || '/';
  const name = path.slice(slash + 1);
  const archive = await archiveOf([], [{ ...previous, name, content, mtime: new Date() }]);
  await container.putArchive(archive, { path: dir });
}
