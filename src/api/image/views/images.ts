import type { ImageRecord } from '../../../db/stores/images';

/** Glance's time format: seconds, Z. */
export const glanceTime = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export const imageHref = (id: string) => `/v2/images/${id}`;

/** An image as Glance shows it: additional properties flat beside the base attributes. */
export function imageView(image: ImageRecord): Record<string, unknown> {
  return {
    ...image.properties,
    id: image.id,
    name: image.name,
    status: image.status,
    visibility: image.visibility,
    protected: image.protected,
    os_hidden: image.osHidden,
    checksum: image.checksum,
    os_hash_algo: image.osHashAlgo,
    os_hash_value: image.osHashValue,
    owner: image.owner,
    size: image.size,
    virtual_size: null,
    container_format: image.containerFormat,
    disk_format: image.diskFormat,
    created_at: glanceTime(image.createdAt),
    updated_at: glanceTime(image.updatedAt),
    tags: [...image.tags],
    min_ram: image.minRam,
    min_disk: image.minDisk,
    self: imageHref(image.id),
    file: `${imageHref(image.id)}/file`,
    schema: '/v2/schemas/image',
  };
}

export interface PageLinks {
  readonly first: string;
  readonly next?: string;
}

export function imageListView(images: readonly ImageRecord[], links: PageLinks): Record<string, unknown> {
  return { images: images.map(imageView), ...links, schema: '/v2/schemas/images' };
}

/**
 * Glance's links: `first` repeats the query without its marker; `next` adds the last image as
 * marker, and only when the page was full (there may be more).
 */
export function pageLinks(querystring: string, images: readonly ImageRecord[], limit: number): PageLinks {
  const params = new URLSearchParams(querystring);
  params.delete('marker');
  const rest = params.toString();
  const first = rest ? `/v2/images?${rest}` : '/v2/images';
  if (images.length === 0 || images.length < limit) return { first };
  params.append('marker', images[images.length - 1].id);
  return { first, next: `/v2/images?${params}` };
}
