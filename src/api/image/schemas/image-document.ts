import type { Schema } from '../../validation';
import { CONTAINER_FORMATS, DISK_FORMATS, STATUSES, VISIBILITIES } from '../../../image/attributes';

/**
 * The documents served at /v2/schemas/image and /v2/schemas/images. glanceclient builds its image
 * model from the first and validates what it creates and updates against it (warlock), so it
 * describes exactly what this service accepts and returns; it is also the create body schema.
 */

const UUID_PATTERN = '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$';
const INT32_MAX = 2147483647;

const readOnly = (type: unknown, description: string, extra: Record<string, unknown> = {}) => ({ type, readOnly: true, description, ...extra });

const BASE_PROPERTIES = {
  id: { type: 'string', pattern: UUID_PATTERN, description: 'Image identifier (a UUID)' },
  name: { type: ['null', 'string'], maxLength: 255, description: 'Name of the image' },
  status: readOnly('string', 'Where the image is in its life: queued until data is uploaded, active after', { enum: [...STATUSES] }),
  visibility: { type: 'string', enum: [...VISIBILITIES], description: 'Who may see the image' },
  protected: { type: 'boolean', description: 'A protected image cannot be deleted' },
  os_hidden: { type: 'boolean', description: 'A hidden image is left out of lists unless asked for with os_hidden=true' },
  checksum: readOnly(['null', 'string'], 'MD5 of the image data', { maxLength: 32 }),
  os_hash_algo: readOnly(['null', 'string'], 'Algorithm of os_hash_value', { maxLength: 64 }),
  os_hash_value: readOnly(['null', 'string'], 'Hex digest of the image data by os_hash_algo', { maxLength: 128 }),
  owner: { type: ['null', 'string'], maxLength: 255, description: 'Project that owns the image' },
  size: readOnly(['null', 'integer'], 'Size of the image data in bytes'),
  virtual_size: readOnly(['null', 'integer'], 'Virtual disk size in bytes (not computed here)'),
  container_format: { type: ['null', 'string'], enum: [null, ...CONTAINER_FORMATS], description: 'Container format of the data' },
  disk_format: { type: ['null', 'string'], enum: [null, ...DISK_FORMATS], description: 'Disk format of the data' },
  created_at: readOnly('string', 'When the image was created'),
  updated_at: readOnly('string', 'When the image was last changed'),
  tags: { type: 'array', items: { type: 'string', maxLength: 255 }, description: 'Free-form tags' },
  min_ram: { type: 'integer', minimum: 0, maximum: INT32_MAX, description: 'RAM (MiB) a server needs to boot the image' },
  min_disk: { type: 'integer', minimum: 0, maximum: INT32_MAX, description: 'Disk (GiB) a server needs to boot the image' },
  locations: readOnly('array', 'Not offered: image data lives in this service only', { items: { type: 'object' } }),
  self: readOnly('string', 'URL of the image'),
  file: readOnly('string', 'URL of the image data'),
  schema: readOnly('string', 'URL of this schema'),
};

/** Well-known additional properties (Glance's schema-image.json): listed so clients offer them. */
const COMMON_PROPERTIES = {
  architecture: { type: 'string', is_base: false, description: 'CPU architecture the image needs' },
  os_distro: { type: 'string', is_base: false, description: 'Operating system distribution of the image' },
  os_version: { type: 'string', is_base: false, description: 'Operating system version of the image' },
  instance_uuid: { type: 'string', is_base: false, description: 'Server this image was made from (informational)' },
};

const IMAGE_LINKS = [
  { rel: 'self', href: '{self}' },
  { rel: 'enclosure', href: '{file}' },
  { rel: 'describedby', href: '{schema}' },
];

export const imageSchemaDocument = {
  name: 'image',
  properties: { ...BASE_PROPERTIES, ...COMMON_PROPERTIES },
  additionalProperties: { type: 'string' },
  links: IMAGE_LINKS,
};

export const imagesSchemaDocument = {
  name: 'images',
  properties: {
    images: { type: 'array', items: imageSchemaDocument },
    schema: { type: 'string' },
    first: { type: 'string' },
    next: { type: 'string' },
  },
  links: [
    { rel: 'first', href: '{first}' },
    { rel: 'next', href: '{next}' },
    { rel: 'describedby', href: '{schema}' },
  ],
};

/**
 * The image document as a validation schema: annotations only clients read are dropped, and
 * additional property names and values get the database's limits.
 */
export const imageValidationSchema: Schema = {
  type: 'object',
  properties: Object.fromEntries(Object.entries(imageSchemaDocument.properties).map(([k, v]) => [k, withoutIsBase(v)])),
  propertyNames: { type: 'string', minLength: 1, maxLength: 255 },
  additionalProperties: { type: 'string', maxLength: 65535 },
};

function withoutIsBase(property: Record<string, unknown>): Record<string, unknown> {
  const { is_base: _ignored, ...rest } = property; // eslint-disable-line @typescript-eslint/no-unused-vars
  return rest;
}
