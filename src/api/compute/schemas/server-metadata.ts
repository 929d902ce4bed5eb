import { always } from '../../microversion';
import { anyQuery, metadata } from '../../parameter-types';
import type { Schema } from '../../validation';

/** Nova's schemas/server_metadata.py: create (POST) and update_all (PUT) take `metadata`. */
const metadataBody: Schema = { type: 'object', properties: { metadata }, required: ['metadata'], additionalProperties: false };

/** update (PUT /metadata/{key}): `meta` with exactly one item. */
const metaBody: Schema = {
  type: 'object',
  properties: { meta: { ...metadata, minProperties: 1, maxProperties: 1 } },
  required: ['meta'],
  additionalProperties: false,
};

// ---- responses (tempest's set_server_metadata and set_show_server_metadata_item) ----
const stringMap = { type: 'object', patternProperties: { '^.+$': { type: 'string' } }, additionalProperties: false } as const;
const metadataReply: Schema = { type: 'object', properties: { metadata: stringMap }, required: ['metadata'], additionalProperties: false };
const metaReply: Schema = { type: 'object', properties: { meta: { ...stringMap, minProperties: 1, maxProperties: 1 } }, required: ['meta'], additionalProperties: false };

export const index = { body: null, query: always(anyQuery), response: always(metadataReply) };
export const create = { body: always(metadataBody), query: always(anyQuery), response: always(metadataReply) };
export const updateAll = { body: always(metadataBody), query: always(anyQuery), response: always(metadataReply) };
export const show = { body: null, query: always(anyQuery), response: always(metaReply) };
export const update = { body: always(metaBody), query: always(anyQuery), response: always(metaReply) };
export const remove = { body: null, query: always(anyQuery), response: always(null) };
