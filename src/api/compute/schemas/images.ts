import { always } from '../../microversion';
import { anyQuery, links, metadata } from '../../parameter-types';
import type { Schema } from '../../validation';

/** tempest's v2_1/images.py: links may carry a type (the `alternate` link) */
const imageLinks = {
  type: 'array',
  items: {
    type: 'object',
    properties: { href: { type: 'string' }, rel: { type: 'string' }, type: { type: 'string' } },
    required: ['href', 'rel'], additionalProperties: false,
  },
} as const;

const dateTime = { type: 'string', format: 'date-time' } as const;

const imageDetail = {
  type: 'object',
  properties: {
    id: { type: 'string' }, status: { enum: ['ACTIVE', 'SAVING', 'DELETED', 'ERROR', 'UNKNOWN'] }, updated: dateTime,
    links: imageLinks, name: { type: ['string', 'null'] }, created: dateTime, minDisk: { type: 'integer' },
    minRam: { type: 'integer' }, progress: { type: 'integer' }, metadata: { type: 'object', additionalProperties: { type: 'string' } },
    server: {
      type: 'object', properties: { id: { type: 'string' }, links }, required: ['id', 'links'], additionalProperties: false,
    },
    'OS-EXT-IMG-SIZE:size': { type: ['integer', 'null'] },
    'OS-DCF:diskConfig': { type: 'string' },
  },
  required: ['id', 'status', 'updated', 'links', 'name', 'created', 'minDisk', 'minRam', 'progress', 'metadata'],
  additionalProperties: false,
} as const;

const imageSummary = {
  type: 'object',
  properties: { id: { type: 'string' }, links: imageLinks, name: { type: ['string', 'null'] } },
  required: ['id', 'links', 'name'], additionalProperties: false,
} as const;

const imagesOf = (item: object): Schema => ({
  type: 'object', properties: { images: { type: 'array', items: item }, images_links: links }, required: ['images'], additionalProperties: false,
});

const metadataReply: Schema = {
  type: 'object', properties: { metadata: { type: 'object', additionalProperties: { type: 'string' } } }, required: ['metadata'], additionalProperties: false,
};
const metaReply: Schema = {
  type: 'object', properties: { meta: { type: 'object', additionalProperties: { type: 'string' }, minProperties: 1, maxProperties: 1 } },
  required: ['meta'], additionalProperties: false,
};

/** nova/api/openstack/compute/schemas/image_metadata.py */
const metadataBody: Schema = { type: 'object', properties: { metadata }, required: ['metadata'], additionalProperties: false };
const metaBody: Schema = {
  type: 'object', properties: { meta: { ...metadata, minProperties: 1, maxProperties: 1 } }, required: ['meta'], additionalProperties: false,
};

// filters are checked by the handler, with Nova's and Glance's messages
export const list = { query: always(anyQuery), response: always(imagesOf(imageSummary)) };
export const detail = { query: always(anyQuery), response: always(imagesOf(imageDetail)) };
export const show = { query: always(anyQuery), response: always({ type: 'object', properties: { image: imageDetail }, required: ['image'], additionalProperties: false }) };
export const remove = { query: always(anyQuery), response: always(null) };
export const metadataList = { query: always(anyQuery), response: always(metadataReply) };
export const metadataCreate = { body: always(metadataBody), query: always(anyQuery), response: always(metadataReply) };
export const metadataReplace = metadataCreate;
export const metaShow = { query: always(anyQuery), response: always(metaReply) };
export const metaUpdate = { body: always(metaBody), query: always(anyQuery), response: always(metaReply) };
