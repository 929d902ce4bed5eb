import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { DriverError, ImageNotBootable } from '../../errors';
import { DriverImage } from '../driver';
import { engineMessage, isNotFound } from './engine-errors';
import { withoutImageNames } from './tarball';

/** every image we load is known to the engine only under this repository, tagged with its id */
export const IMAGE_REPOSITORY = 'novashim/image';
const BOOTABLE_FORMAT = 'docker';

export const imageTag = (imageId: string): string => `${IMAGE_REPOSITORY}:${imageId}`;

/** what spawn needs to know about an image present in the engine */
export interface EngineImage {
  readonly tag: string;
  /** the image has a CMD or ENTRYPOINT, so a container can be created without one */
  readonly runnable: boolean;
}

interface LoadEvent {
  readonly stream?: string;
  readonly error?: string;
  readonly errorDetail?: { readonly message?: string };
}

/**
 * Makes sure a Glance-style image is present in the engine as `novashim/image:<id>`, loading its
 * `docker save` tarball on first use (and inspecting it only then: later boots reuse what was seen). Loads are single-flight per image id: concurrent spawns of a
 * new image read and load the tarball once and all wait for that one load.
 */
export class ImageLoader {
  private readonly inFlight = new Map<string, Promise<EngineImage>>();
  /** images seen in the engine: a boot does not inspect them again (forget() when one turns out gone) */
  private readonly present = new Map<string, EngineImage>();

  constructor(private readonly docker: Dockerode) {}

  async ensure(image: DriverImage): Promise<EngineImage> {
    requireDockerFormat(image);
    const known = this.present.get(image.id);
    if (known) return known;
    const pending = this.inFlight.get(image.id);
    if (pending) return pending;
    const started = this.inspectOrLoad(image)
      .then((found) => { this.present.set(image.id, found); return found; })
      .finally(() => this.inFlight.delete(image.id));
    this.inFlight.set(image.id, started);
    return started;
  }

  /** drops what ensure() remembered of an image (removed from the engine behind novashim's back); true when it knew it */
  forget(imageId: string): boolean {
    return this.present.delete(imageId);
  }

  private async inspectOrLoad(image: DriverImage): Promise<EngineImage> {
    const tag = imageTag(image.id);
    try {
      return describe(tag, await this.docker.getImage(tag).inspect());
    } catch (err) {
      if (!isNotFound(err)) throw new DriverError(`cannot inspect image ${image.id}: ${engineMessage(err)}`);
    }
    await this.tag(await this.load(image), tag);
    return describe(tag, await this.docker.getImage(tag).inspect());
  }

  /** loads the tarball; returns the engine's reference to what it loaded (id or name) */
  private async load(image: DriverImage): Promise<string> {
    let events: LoadEvent[];
    let archive: Readable | null = null;
    try {
      archive = await withoutImageNames(image.openData());
      events = await this.followProgress(await this.docker.loadImage(archive));
    } catch (err) {
      archive?.destroy();
      throw new ImageNotBootable(image.id, engineMessage(err));
    }
    const failure = events.find((event) => event.error || event.errorDetail);
    if (failure) throw new ImageNotBootable(image.id, failure.errorDetail?.message || failure.error || 'load failed');
    const loaded = loadedReference(events);
    if (!loaded) throw new ImageNotBootable(image.id, 'the tarball contained no image');
    return loaded;
  }

  private async tag(loaded: string, tag: string): Promise<void> {
    const [repo, version] = splitTag(tag);
    try {
      await this.docker.getImage(loaded).tag({ repo, tag: version });
    } catch (err) {
      throw new DriverError(`cannot tag loaded image ${loaded} as ${tag}: ${engineMessage(err)}`);
    }
  }

  private followProgress(stream: NodeJS.ReadableStream): Promise<LoadEvent[]> {
    return new Promise((resolve, reject) => {
      this.docker.modem.followProgress(stream, (err, events: LoadEvent[]) => (err ? reject(err) : resolve(events)));
    });
  }
}

export function requireDockerFormat(image: DriverImage): void {
  if (image.containerFormat === BOOTABLE_FORMAT) return;
  throw new ImageNotBootable(
    image.id,
    `container_format ${image.containerFormat} cannot be booted by the docker driver; ` +
      'upload a `docker save` tarball with container_format=docker',
  );
}

/** "Loaded image ID: sha256:…" (untagged, as we load them) or "Loaded image: name:tag" */
export function loadedReference(events: readonly LoadEvent[]): string | null {
  for (const { stream } of events) {
    const match = /^Loaded image(?: ID)?: (\S+)/m.exec(stream ?? '');
    if (match) return match[1];
  }
  return null;
}

function describe(tag: string, info: Dockerode.ImageInspectInfo): EngineImage {
  const config = info.Config ?? {};
  return { tag, runnable: hasItems(config.Cmd) || hasItems(config.Entrypoint) };
}

function hasItems(value: string | string[] | null | undefined): boolean {
  return Array.isArray(value) ? value.length > 0 : Boolean(value);
}

function splitTag(tag: string): [string, string] {
  const at = tag.lastIndexOf(':');
  return [tag.slice(0, at), tag.slice(at + 1)];
}
