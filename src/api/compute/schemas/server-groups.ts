import { always } from '../../microversion';
import { anyQuery, name, queryValue } from '../../parameter-types';
import type { Schema } from '../../validation';

const multi = (item: object) => ({ anyOf: [item, { type: 'array', items: item }] });
const nonNegative = multi({ type: 'string', pattern: '^[0-9]+$' });

/** Nova 2.1-2.14: exactly one policy, affinity or anti-affinity (soft-* from 2.15, `policy` from 2.64). */
const createV2_1: Schema = {
  type: 'object',
  properties: {
    server_group: {
      type: 'object',
      properties: {
        name,
        policies: { type: 'array', items: { type: 'string', enum: ['anti-affinity', 'affinity'] }, uniqueItems: true, minItems: 1, maxItems: 1 },
      },
      required: ['name', 'policies'], additionalProperties: false,
    },
  },
  required: ['server_group'], additionalProperties: false,
};

/** Nova's server_groups_query_param (unknown keys allowed before 2.75) */
const listQuery: Schema = {
  type: 'object',
  properties: { all_projects: queryValue, limit: nonNegative, offset: nonNegative },
  additionalProperties: queryValue,
};

/** tempest's common_server_group (v2_1/server_groups.py) */
export const serverGroup = {
  type: 'object',
  properties: {
    id: { type: 'string' }, name: { type: 'string' },
    policies: { type: 'array', items: { type: 'string' } },
    members: { type: 'array', items: { type: 'string' } },
    metadata: { type: 'object', additionalProperties: false }, // always {} before 2.64
  },
  required: ['id', 'name', 'policies', 'members', 'metadata'], additionalProperties: false,
} as const;

const one: Schema = { type: 'object', properties: { server_group: serverGroup }, required: ['server_group'], additionalProperties: false };
const many: Schema = {
  type: 'object', properties: { server_groups: { type: 'array', items: serverGroup } }, required: ['server_groups'], additionalProperties: false,
};

export const create = { body: always(createV2_1), query: always(anyQuery), response: always(one) };
export const list = { query: always(listQuery), response: always(many) };
export const show = { query: always(anyQuery), response: always(one) };
export const remove = { query: always(anyQuery), response: always(null) };
