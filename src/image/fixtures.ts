import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log';
import type { ImageRecord } from '../db/stores/images';
import type { ImageService } from './service';

/** <repo>/fixtures/images, seen from dist/src/image/fixtures.js; NOVASHIM_FIXTURES_DIR overrides it. */
export function fixturesDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.NOVASHIM_FIXTURES_DIR || path.resolve(__dirname, '../../../fixtures/images');
}

/**
 * Registers every `<name>.tar` of the fixtures directory (a `docker save` tarball) as a public
 * docker image `<name>` of the admin project, once: an image the admin project already has under
 * that name is kept (a queued one, left by an interrupted start, gets its data).
 */
export async function registerFixtureImages(images: ImageService, ownerProjectId: string, log: Logger, dir = fixturesDir()): Promise<ImageRecord[]> {
  const tarballs = await listTarballs(dir);
  if (tarballs === null) {
    log.info({ dir }, 'no image fixtures directory; no images registered');
    return [];
  }
  const registered: ImageRecord[] = [];
  for (const file of tarballs) {
    const image = await registerOne(images, ownerProjectId, path.join(dir, file));
    if (image) {
      log.info({ imageId: image.id, name: image.name, size: image.size, checksum: image.checksum }, 'registered fixture image');
      registered.push(image);
    }
  }
  return registered;
}

async function registerOne(images: ImageService, owner: string, file: string): Promise<ImageRecord | null> {
  const name = path.basename(file, '.tar');
  const existing = await images.findOwnedByName(owner, name);
  if (existing && existing.status !== 'queued') return null;
  const image = existing ?? await images.register({
    name, owner, visibility: 'public', containerFormat: 'docker', diskFormat: 'raw', tags: [], properties: {},
  });
  // the same states as an API upload; the data is copied by the kernel and hashed from the copy
  return images.receiveFile(image.id, file);
}

async function listTarballs(dir: string): Promise<string[] | null> {
  try {
    return (await fs.promises.readdir(dir)).filter((f) => f.endsWith('.tar')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
