import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import type { ImageRecord, ImageStore } from '../db/stores/images';
import type { AuthContext } from '../identity/auth-context';
import type { DriverImage } from '../drivers/driver';
import { ImageNotFound } from '../errors';

/** Glance's image service: records in the store, data files under <data dir>/images. */
export class ImageService {
  readonly dir: string;

  constructor(readonly store: ImageStore, config: Config) {
    this.dir = path.join(config.dataDir, 'images');
  }

  /** An image the caller may see (public, community, or owned by the caller's project; admins see all). */
  async getVisible(id: string, auth: AuthContext): Promise<ImageRecord> {
    const image = await this.store.find(id);
    if (!image || !isVisible(image, auth)) throw new ImageNotFound(id);
    return image;
  }

  /** The driver's view of an image: id, format and a way to read its data. */
  driverImage(image: ImageRecord): DriverImage {
    const file = this.dataPath(image.id);
    return { id: image.id, containerFormat: image.containerFormat ?? '', openData: () => fs.createReadStream(file) };
  }

  dataPath(id: string): string {
    return path.join(this.dir, id);
  }
}

export function isVisible(image: ImageRecord, auth: AuthContext): boolean {
  return auth.isAdmin || image.visibility === 'public' || image.visibility === 'community' || image.owner === auth.projectId;
}
