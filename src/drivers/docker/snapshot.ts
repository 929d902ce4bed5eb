import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type Dockerode from 'dockerode';
import { DriverError } from '../../errors';
import { engineMessage, isNotFound } from './engine-errors';
import type { DriverLog } from './log';

/** committed snapshots live on the engine only while their tarball streams out, under this repository */
export const SNAPSHOT_REPOSITORY = 'novashim/snapshot';

/** a unique temporary tag per snapshot, so concurrent snapshots never share (or remove) one */
export const snapshotTag = (instanceUuid: string): { repo: string; tag: string } =>
  ({ repo: SNAPSHOT_REPOSITORY, tag: `${instanceUuid}-${randomBytes(6).toString('hex')}` });

/**
 * Commits the container (its filesystem plus its config: CMD, ENTRYPOINT, ENV, WORKDIR...) into an
 * image under a temporary tag and streams that image as a `docker save` tarball. The tag is removed
 * once the stream ends, fails or is destroyed, and on any failure before that. A running container
 * is paused for the commit (the engine's default), so the filesystem is consistent; a paused one
 * stays as it is.
 */
export async function snapshotContainer(docker: Dockerode, container: Dockerode.Container, instanceUuid: string, log: DriverLog): Promise<NodeJS.ReadableStream> {
  const info = await container.inspect(); // a 404 here is the instance gone: the caller maps it
  const { repo, tag } = snapshotTag(instanceUuid);
  const ref = `${repo}:${tag}`;
  try {
    await container.commit({ repo, tag, pause: info.State?.Running === true && info.State?.Paused !== true });
  } catch (err) {
    throw new DriverError(`cannot commit container: ${engineMessage(err)}`);
  }
  let source: NodeJS.ReadableStream;
  try {
    source = await docker.getImage(ref).get();
  } catch (err) {
    await removeTag(docker, ref, log);
    throw new DriverError(`cannot export committed image: ${engineMessage(err)}`);
  }
  // a PassThrough gives the caller one well-behaved Node stream whose end or destruction we see
  const out = new PassThrough();
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    void removeTag(docker, ref, log);
  };
  source.on('error', (err: Error) => out.destroy(new DriverError(`cannot export committed image: ${engineMessage(err)}`)));
  out.on('close', () => {
    (source as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    cleanup();
  });
  source.pipe(out);
  return out;
}

/** untags (and so deletes, when nothing else uses it) the temporary image; gone already is fine */
export async function removeTag(docker: Dockerode, ref: string, log: DriverLog): Promise<void> {
  try {
    await docker.getImage(ref).remove({ noprune: false });
  } catch (err) {
    if (!isNotFound(err)) log.error({ image: ref, err: engineMessage(err) }, 'cannot remove temporary snapshot image');
  }
}
