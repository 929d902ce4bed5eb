import { Forbidden } from '../errors';

/** Glance's default image_format options. */
export const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'] as const;
export const DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'] as const;
export const VISIBILITIES = ['public', 'private', 'shared', 'community'] as const;
export const STATUSES = ['queued', 'saving', 'active', 'killed', 'deleted', 'uploading', 'importing', 'pending_delete', 'deactivated'] as const;

/** Glance's image_property_quota and image_tag_quota defaults. */
export const MAX_PROPERTIES = 128;
export const MAX_TAGS = 128;

/** The attributes a user may write, by their API name. */
export const WRITABLE = ['name', 'visibility', 'protected', 'os_hidden', 'min_ram', 'min_disk', 'container_format', 'disk_format', 'tags', 'owner'] as const;
export type WritableAttribute = (typeof WRITABLE)[number];

/** Where each writable attribute lives on a record. */
export const FIELD_OF = {
  name: 'name', visibility: 'visibility', protected: 'protected', os_hidden: 'osHidden', min_ram: 'minRam', min_disk: 'minDisk',
  container_format: 'containerFormat', disk_format: 'diskFormat', tags: 'tags', owner: 'owner',
} as const satisfies Record<WritableAttribute, string>;

/** Set by the service only; a client naming them gets 403 (Glance's _readonly_properties). */
const READ_ONLY = new Set(['created_at', 'updated_at', 'status', 'checksum', 'size', 'virtual_size', 'os_hash_algo', 'os_hash_value', 'direct_url', 'self', 'file', 'schema', 'stores']);
/** Glance's _reserved_properties plus the locations we never expose. */
const RESERVED = new Set(['location', 'locations', 'deleted', 'deleted_at']);
const RESERVED_PREFIX = 'os_glance';

export const isWritable = (name: string): name is WritableAttribute => (WRITABLE as readonly string[]).includes(name);

/** Throws Glance's 403 for a name no client may set (`id` is settable once, at create). */
export function assertSettable(name: string, creating: boolean): void {
  if (READ_ONLY.has(name) || (name === 'id' && !creating)) throw new Forbidden(`Attribute '${name}' is read-only.`);
  if (RESERVED.has(name) || name.startsWith(RESERVED_PREFIX)) throw new Forbidden(`Attribute '${name}' is reserved.`);
}
