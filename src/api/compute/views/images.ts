import type { ImageRecord } from '../../../db/stores/images';
import { isoSeconds, resourceLinks } from '../links';

/** Glance status → the proxy API's (nova/api/openstack/compute/views/images.py _get_status). */
const STATUS: Readonly<Record<string, string>> = {
  active: 'ACTIVE', queued: 'SAVING', saving: 'SAVING', deleted: 'DELETED', pending_delete: 'DELETED', killed: 'ERROR',
};
const PROGRESS: Readonly<Record<string, number>> = { queued: 25, saving: 50, active: 100 };

export const proxyStatus = (glanceStatus: string): string => STATUS[glanceStatus] ?? 'UNKNOWN';

/** self and bookmark (compute), plus the image service's own URL as `alternate` */
export function imageLinks(publicUrl: string, id: string) {
  return [
    ...resourceLinks(publicUrl, 'images', id),
    { rel: 'alternate', type: 'application/vnd.openstack.image', href: `${publicUrl}/image/v2/images/${id}` },
  ];
}

export const imageSummary = (image: ImageRecord, publicUrl: string) => ({ id: image.id, name: image.name, links: imageLinks(publicUrl, image.id) });

/** Nova's show view: the Glance record in the v2.1 proxy's words; `server` for snapshots of a server. */
export function imageDetail(image: ImageRecord, publicUrl: string) {
  const instanceUuid = image.properties.instance_uuid;
  const autoDiskConfig = image.properties.auto_disk_config;
  return {
    id: image.id,
    name: image.name,
    minRam: image.minRam,
    minDisk: image.minDisk,
    metadata: { ...image.properties },
    created: isoSeconds(image.createdAt),
    updated: isoSeconds(image.updatedAt),
    status: proxyStatus(image.status),
    progress: PROGRESS[image.status] ?? 0,
    'OS-EXT-IMG-SIZE:size': image.size,
    links: imageLinks(publicUrl, image.id),
    ...(instanceUuid !== undefined && { server: { id: instanceUuid, links: resourceLinks(publicUrl, 'servers', instanceUuid) } }),
    ...(autoDiskConfig !== undefined && { 'OS-DCF:diskConfig': isTrue(autoDiskConfig) ? 'AUTO' : 'MANUAL' }),
  };
}

/** oslo's bool_from_string (not strict) */
const isTrue = (value: string) => ['1', 't', 'true', 'on', 'y', 'yes'].includes(value.trim().toLowerCase());
