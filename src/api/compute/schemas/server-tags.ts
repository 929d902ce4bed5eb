import { always, versioned } from '../../microversion';
import { anyQuery } from '../../parameter-types';
import type { Schema } from '../../validation';
import { MAX_TAG_COUNT, MAX_TAG_LENGTH } from '../../../db/stores/instance-tags';

/** Nova's parameter_types.tag. */
export const tag = { type: 'string', minLength: 1, maxLength: MAX_TAG_LENGTH, pattern: '^[^,/]*$' } as const;

/** A list of tags: PUT /servers/{id}/tags (Nova's schemas/server_tags.py update_all) and create's `tags` (2.52). */
export const tagList = { type: 'array', items: tag, maxItems: MAX_TAG_COUNT } as const;

const updateAllBody: Schema = { type: 'object', properties: { tags: tagList }, required: ['tags'], additionalProperties: false };

/** tempest's v2_26 tag_items, with unique strings as Nova keeps them. */
const tagsReply: Schema = {
  type: 'object',
  properties: { tags: { type: 'array', maxItems: MAX_TAG_COUNT, items: { type: 'string', pattern: '^[^,/]*$', maxLength: MAX_TAG_LENGTH }, uniqueItems: true } },
  required: ['tags'],
  additionalProperties: false,
};

/** Below 2.26 the routes do not exist: any body passes validation so the handler answers the 404. */
const ANYTHING: Schema = {};
const until225 = { min: '2.1', max: '2.25' };

export const index = { body: null, query: always(anyQuery), response: always(tagsReply) };
export const updateAll = {
  body: versioned([{ ...until225, value: ANYTHING }, { min: '2.26', value: updateAllBody }]),
  query: always(anyQuery),
  response: always(tagsReply),
};
/**
 * PUT /tags/{tag} takes no body (Nova's schema is {"type": "null"}): nothing, or JSON null; any
 * other JSON value is a 400. (An absent body reaches the validator as undefined, hence `not`.)
 */
const nullBody: Schema = { not: { type: ['object', 'array', 'string', 'number', 'boolean'] } };
export const add = {
  body: versioned([{ ...until225, value: ANYTHING }, { min: '2.26', value: nullBody }]), query: always(anyQuery), response: always(null),
};
/** check (GET /tags/{tag}, 204) and the deletes (204) */
export const noBody = { body: null, query: always(anyQuery), response: always(null) };
