import type { Schema } from '../../validation';
import type { ResponseSpec } from '../../routing';
import { always } from '../../microversion';
import { anyQuery } from '../../parameter-types';
import { CONTAINER_FORMATS, DISK_FORMATS, STATUSES, VISIBILITIES } from '../../../image/attributes';
import { imageValidationSchema } from './image-document';

/** Request and response schemas of the image routes. Responses are strict: they catch shape mistakes. */

const nullable = (schema: Record<string, unknown>) => ({ anyOf: [{ type: 'null' }, schema] });
const isoTime = { type: 'string', pattern: '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$' };
const hex = (length: number) => ({ type: 'string', pattern: `^[0-9a-f]{${length}}$` });
const uuid = { type: 'string', format: 'uuid' };

const imageResponseProperties = {
  id: uuid,
  name: nullable({ type: 'string', maxLength: 255 }),
  status: { enum: [...STATUSES] },
  visibility: { enum: [...VISIBILITIES] },
  protected: { type: 'boolean' },
  os_hidden: { type: 'boolean' },
  checksum: nullable(hex(32)),
  os_hash_algo: nullable({ enum: ['sha512'] }),
  os_hash_value: nullable(hex(128)),
  owner: nullable({ type: 'string' }),
  size: nullable({ type: 'integer', minimum: 0 }),
  virtual_size: { type: 'null' },
  container_format: nullable({ enum: [...CONTAINER_FORMATS] }),
  disk_format: nullable({ enum: [...DISK_FORMATS] }),
  created_at: isoTime,
  updated_at: isoTime,
  tags: { type: 'array', items: { type: 'string', maxLength: 255 }, uniqueItems: true },
  min_ram: { type: 'integer', minimum: 0 },
  min_disk: { type: 'integer', minimum: 0 },
  self: { type: 'string', pattern: '^/v2/images/[0-9a-f-]{36}$' },
  file: { type: 'string', pattern: '^/v2/images/[0-9a-f-]{36}/file$' },
  schema: { const: '/v2/schemas/image' },
};

export const imageResponse: Schema = {
  type: 'object',
  properties: imageResponseProperties,
  required: Object.keys(imageResponseProperties),
  additionalProperties: { type: 'string' },
};

export const imageListResponse: Schema = {
  type: 'object',
  properties: {
    images: { type: 'array', items: imageResponse },
    first: { type: 'string', pattern: '^/v2/images(\\?.*)?$' },
    next: { type: 'string', pattern: '^/v2/images\\?(.*&)?marker=' },
    schema: { const: '/v2/schemas/images' },
  },
  required: ['images', 'first', 'schema'],
  additionalProperties: false,
};

const schemaDocumentResponse: Schema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    properties: { type: 'object', additionalProperties: { type: 'object' } },
    additionalProperties: { type: 'object' },
    links: {
      type: 'array',
      items: { type: 'object', properties: { rel: { type: 'string' }, href: { type: 'string' } }, required: ['rel', 'href'], additionalProperties: false },
    },
  },
  required: ['name', 'properties', 'links'],
  additionalProperties: false,
};

/** A JSON-patch body: an array of operation objects (both media types; op/path rules are checked in code). */
export const patchBody: Schema = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      op: { type: 'string' }, path: { type: 'string' },
      add: { type: 'string' }, remove: { type: 'string' }, replace: { type: 'string' },
    },
    additionalProperties: true,
  },
};

export const create = { body: always(imageValidationSchema), query: always(anyQuery), response: always(imageResponse) };
export const list = { body: null, query: always(anyQuery), response: always(imageListResponse) };
export const show = { body: null, query: always(anyQuery), response: always(imageResponse) };
export const update = { body: 'raw' as const, query: always(anyQuery), response: always(imageResponse) };
export const noContent = { query: always(anyQuery), response: always<ResponseSpec>(null) };
export const schemaDocument = { body: null, query: always(anyQuery), response: always(schemaDocumentResponse) };
export const download = { body: null, query: always(anyQuery), response: always<ResponseSpec>('binary') };
