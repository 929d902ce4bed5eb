import { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import * as tar from 'tar-stream';
import { DriverError } from '../../errors';
import { buildContainerSpec, containerName, ContainerSpecInput } from './container-spec';
import { engineMessage, isNotFound, isNotModified } from './engine-errors';
import { setRootPassword } from './admin-password';
import { instanceUuidOf } from './labels';
import type { DriverLog } from './log';

/**
 * rescue/unrescue on Docker, without bind mounts or volumes (the hardened spec allows none).
 *
 * rescue: the instance's container is stopped (kept, not removed) and a second container,
 * `novashim-<uuid>-rescue`, is created from the rescue image with the instance's own hardened
 * spec and flavor limits. Before it starts, the original's root filesystem is copied into it at
 * /mnt/rescue through the engine's archive API: `docker export` of the stopped original (its
 * flattened filesystem, no engine-made mounts) is re-rooted under mnt/rescue/ and PUT into the
 * rescue container (`docker cp` semantics: works on created and stopped containers, needs no exec,
 * no shell, no extra capability). Device nodes are left out. Why a copy and not `docker commit`
 * plus an image volume: image volumes do not exist on Docker 20.10, and VolumesFrom shares only
 * volumes, not a root filesystem.
 *
 * unrescue: the rescue container is killed (as Nova's libvirt driver destroys the rescue domain),
 * and what changed under its /mnt/rescue is written back into the stopped original: entries that
 * are new, or whose type, mode, owner, size, mtime or link target differ from the original's
 * (rsync's quick check), are PUT back at `/`. Deletions made under /mnt/rescue are NOT written back
 * (the archive API cannot delete), nor are device nodes. Then the rescue container is removed and
 * the original started. If the write-back fails, the rescue container is started again and the
 * error reported: the server stays rescued, nothing is lost.
 */

export const RESCUE_LABEL = 'org.openstack.novashim.rescue';
/** where the original's root filesystem appears in the rescue container */
export const RESCUE_MOUNT = '/mnt/rescue';
const MOUNT_PREFIX = RESCUE_MOUNT.slice(1); // mnt/rescue
const SKIPPED_TYPES: ReadonlySet<string> = new Set(['character-device', 'block-device']);

export const rescueContainerName = (instanceUuid: string): string => `${containerName(instanceUuid)}-rescue`;

/**
 * The rescue container's create options: exactly the instance's hardened spec (flavor limits,
 * dropped capabilities, no-new-privileges, no mounts) with its own name, the rescue image, and a
 * rescue label next to the ownership labels (so it is still found as the instance's).
 */
export function buildRescueSpec(input: ContainerSpecInput): Dockerode.ContainerCreateOptions {
  const spec = buildContainerSpec(input);
  return { ...spec, name: rescueContainerName(input.instance.uuid), Labels: { ...spec.Labels, [RESCUE_LABEL]: 'true' } };
}

export interface RescueContext {
  readonly docker: Dockerode;
  readonly uuid: string;
  readonly log: DriverLog;
  /** seconds the clean stop of the original waits before it is killed (Nova's clean_shutdown) */
  readonly stopTimeoutSec: number;
}

/** Stops the original, creates and fills the rescue container, starts it. Returns its id. */
export async function rescueContainer(ctx: RescueContext, original: Dockerode.Container,
  specFor: (network: ContainerSpecInput['network']) => Dockerode.ContainerCreateOptions, password: string): Promise<string> {
  const before = await original.inspect(); // 404: the instance is gone (the caller maps it)
  const spec = specFor(networkOf(before));
  const wasRunning = before.State?.Running === true;
  await removeRescueContainer(ctx); // a leftover of an interrupted rescue of this instance
  if (before.State?.Paused) await engine(original.unpause(), 'cannot unpause container');
  await engine(original.stop({ t: ctx.stopTimeoutSec }), 'cannot stop container');
  let rescue: Dockerode.Container | null = null;
  try {
    rescue = await ctx.docker.createContainer(spec).catch((err: unknown) => { throw failure('cannot create rescue container', err); });
    const exported = await original.export().catch((err: unknown) => { throw failure('cannot export container', err); });
    await rescue.putArchive(underMount(exported), { path: '/' })
      .catch((err: unknown) => { throw failure(`cannot copy the instance's filesystem to ${RESCUE_MOUNT}`, err); });
    await rescue.start().catch((err: unknown) => { throw failure('cannot start rescue container', err); });
  } catch (err) {
    if (rescue) await rescue.remove({ force: true, v: true }).catch(() => undefined);
    if (wasRunning) await original.start().catch(() => undefined);
    throw err;
  }
  await setRescuePassword(ctx, rescue, password);
  ctx.log.info({ instance: ctx.uuid, containerId: rescue.id }, 'rescued');
  return rescue.id;
}

/**
 * The rescue container joins the original's network with the original's pinned address (free
 * while the original is stopped), so the rescued server keeps its fixed IP, as in Nova.
 */
export function networkOf(info: Dockerode.ContainerInspectInfo): ContainerSpecInput['network'] {
  const mode = info.HostConfig?.NetworkMode;
  if (mode === 'none') return 'none'; // a server without a network (2.37 "none") is rescued without one too
  if (!mode || mode === 'default' || mode === 'bridge' || mode === 'host' || mode.startsWith('container:')) return undefined;
  const ipv4 = info.NetworkSettings?.Networks?.[mode]?.IPAMConfig?.IPv4Address;
  return { name: mode, ipv4: ipv4 || null };
}

/** Kills the rescue container, writes changes back into the original, removes the rescue container, starts the original. */
export async function unrescueContainer(ctx: RescueContext, original: Dockerode.Container, rescueRef: string | null): Promise<void> {
  await original.inspect(); // 404: the instance is gone (the caller maps it)
  const rescue = ctx.docker.getContainer(rescueRef ?? rescueContainerName(ctx.uuid));
  const exists = await rescue.inspect().then(() => true, (err: unknown) => {
    if (isNotFound(err)) return false;
    throw failure('cannot inspect rescue container', err);
  });
  if (exists) {
    await engine(rescue.stop({ t: 0 }), 'cannot stop rescue container');
    try {
      await writeBack(original, rescue);
    } catch (err) {
      await rescue.start().catch(() => undefined); // still rescued, as it was
      throw err;
    }
    await rescue.remove({ force: true, v: true }).catch((err: unknown) => {
      if (!isNotFound(err)) throw failure('cannot remove rescue container', err);
    });
  } else {
    ctx.log.warn({ instance: ctx.uuid }, 'rescue container already gone: nothing to write back');
  }
  await engine(original.start(), 'cannot start container');
  ctx.log.info({ instance: ctx.uuid }, 'unrescued');
}

/** Removes the instance's rescue container, if any (delete of a rescued server, leftovers). */
export async function removeRescueContainer(ctx: Pick<RescueContext, 'docker' | 'uuid'>): Promise<void> {
  const rescue = ctx.docker.getContainer(rescueContainerName(ctx.uuid));
  try {
    const info = await rescue.inspect();
    if (instanceUuidOf(info.Config?.Labels) !== ctx.uuid) return; // not ours: never touch it
    await rescue.remove({ force: true, v: true });
  } catch (err) {
    if (isNotFound(err) || /already in progress/i.test(engineMessage(err))) return;
    throw failure('cannot remove rescue container', err);
  }
}

/**
 * Nova sets the rescue password as root's in the rescue instance; best effort here, as in Nova
 * (where it needs file injection): an image with no passwd/shadow root entry just keeps its own.
 */
async function setRescuePassword(ctx: RescueContext, rescue: Dockerode.Container, password: string): Promise<void> {
  try {
    await setRootPassword(rescue, ctx.uuid, password);
  } catch (err) {
    ctx.log.warn({ instance: ctx.uuid, err: engineMessage(err) }, 'rescue password not set in the rescue image');
  }
}

async function writeBack(original: Dockerode.Container, rescue: Dockerode.Container): Promise<void> {
  const manifest = await manifestOf(await original.export().catch((err: unknown) => { throw failure('cannot export container', err); }));
  let changed: NodeJS.ReadableStream;
  try {
    changed = await rescue.getArchive({ path: RESCUE_MOUNT });
  } catch (err) {
    if (isNotFound(err)) return; // /mnt/rescue removed inside the rescue container: nothing to write
    throw failure(`cannot read ${RESCUE_MOUNT} of the rescue container`, err);
  }
  await original.putArchive(changedEntries(changed, manifest), { path: '/' })
    .catch((err: unknown) => { throw failure('cannot write the changes back into the instance', err); });
}

/** one entry of an archive being extracted */
type TarEntry = tar.ExtractEvents['entry'][1];

/** an archive path without leading `./` or `/` and trailing `/` ('' for the root) */
export function normalized(name: string): string {
  return name.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '').replace(/^\.$/, '');
}

/** what the quick check compares: type, mode, owner, size, mtime (seconds), link target */
export function fingerprint(h: tar.Header, linkname = h.linkname ?? ''): string {
  const mtime = h.mtime ? Math.floor(h.mtime.getTime() / 1000) : 0;
  return [h.type ?? 'file', (h.mode ?? 0) & 0o7777, h.uid ?? 0, h.gid ?? 0, h.size ?? 0, mtime, linkname].join('|');
}

/** path → fingerprint of every entry of a `docker export` archive (content is skipped) */
export async function manifestOf(archive: NodeJS.ReadableStream): Promise<Map<string, string>> {
  const manifest = new Map<string, string>();
  const extract = pipeInto(archive);
  for await (const entry of extract) {
    const h = entry.header;
    manifest.set(normalized(h.name), fingerprint(h, h.type === 'link' ? normalized(h.linkname ?? '') : h.linkname ?? ''));
    entry.resume();
  }
  return manifest;
}

/** a `docker export` archive re-rooted under mnt/rescue/, device nodes left out */
export function underMount(exported: NodeJS.ReadableStream): Readable {
  return transformArchive(exported, (h) => {
    if (SKIPPED_TYPES.has(h.type ?? 'file')) return null;
    const rel = normalized(h.name);
    const name = rel ? `${MOUNT_PREFIX}/${rel}` : MOUNT_PREFIX;
    return { ...h, name, ...(h.type === 'link' && { linkname: `${MOUNT_PREFIX}/${normalized(h.linkname ?? '')}` }) };
  }, [{ name: `${MOUNT_PREFIX}/`, type: 'directory', mode: 0o755, uid: 0, gid: 0, mtime: new Date() } as tar.Header]);
}

/**
 * The entries of a getArchive(/mnt/rescue) archive (names `rescue/…`) that differ from the
 * original's manifest, renamed relative to `/`; the mount point itself is left out.
 */
export function changedEntries(archive: NodeJS.ReadableStream, manifest: ReadonlyMap<string, string>): Readable {
  let root: string | null = null;
  return transformArchive(archive, (h) => {
    const name = normalized(h.name);
    root ??= name; // the first entry is the directory asked for
    if (name === root || SKIPPED_TYPES.has(h.type ?? 'file')) return null;
    if (!name.startsWith(`${root}/`)) return null;
    const rel = name.slice(root.length + 1);
    const link = h.type === 'link' ? normalized(h.linkname ?? '').replace(new RegExp(`^${escapeRegExp(root)}/`), '') : h.linkname ?? '';
    if (manifest.get(rel) === fingerprint(h, link)) return null;
    return { ...h, name: rel, ...(h.type === 'link' && { linkname: link }) };
  });
}

/**
 * Re-streams a tar archive entry by entry: `rename` gives the new header, or null to drop the
 * entry; `first` entries (without content) are written before the rest.
 */
function transformArchive(source: NodeJS.ReadableStream, rename: (h: tar.Header) => tar.Header | null,
  first: readonly tar.Header[] = []): Readable {
  const extract = pipeInto(source);
  const pack = tar.pack();
  pack.on('close', () => (source as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.());
  (async () => {
    for (const h of first) await addEntry(pack, h);
    for await (const entry of extract) await copyEntry(pack, entry, withoutPaxPaths(rename(entry.header)));
  })().then(
    () => pack.finalize(),
    (err: Error) => pack.destroy(err),
  );
  return Readable.from(pack);
}

/** a PAX path or linkpath would override the new name (tar-stream writes PAX keys after its own) */
function withoutPaxPaths(h: tar.Header | null): tar.Header | null {
  if (!h?.pax) return h;
  const pax = Object.fromEntries(Object.entries(h.pax).filter(([key]) => key !== 'path' && key !== 'linkpath'));
  return { ...h, pax: Object.keys(pax).length ? pax : undefined } as tar.Header;
}

function pipeInto(source: NodeJS.ReadableStream): tar.Extract {
  const extract = tar.extract();
  source.on('error', (err: Error) => extract.destroy(err));
  source.pipe(extract as unknown as NodeJS.WritableStream);
  return extract;
}

function addEntry(pack: tar.Pack, header: tar.Header): Promise<void> {
  return new Promise((resolve, reject) => { pack.entry(header, (err) => (err ? reject(err) : resolve())); });
}

function copyEntry(pack: tar.Pack, entry: TarEntry, header: tar.Header | null): Promise<void> {
  if (header === null) {
    return new Promise((resolve, reject) => {
      entry.on('end', resolve);
      entry.on('error', reject);
      entry.resume();
    });
  }
  return new Promise((resolve, reject) => {
    entry.pipe(pack.entry(header, (err) => (err ? reject(err) : resolve())));
  });
}

/** Docker answers 304 to a stop of a stopped container (or start of a running one): already done */
async function engine(request: Promise<unknown>, doing: string): Promise<void> {
  try {
    await request;
  } catch (err) {
    if (!isNotModified(err)) throw failure(doing, err);
  }
}

function failure(doing: string, err: unknown): Error {
  return new DriverError(`${doing}: ${engineMessage(err)}`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
