import { always, versioned } from '../../microversion';
import { anyQuery, name, queryValue } from '../../parameter-types';
import type { Schema } from '../../validation';

const multi = (item: object) => ({ anyOf: [item, { type: 'array', items: item }] });
const nonNegative = multi({ type: 'string', pattern: '^[0-9]+$' });

/** A create body: `{"server_group": {…properties}}`, closed at both levels. */
function createBody(properties: Record<string, unknown>, required: readonly string[]): Schema {
  return {
    type: 'object',
    properties: { server_group: { type: 'object', properties, required: [...required], additionalProperties: false } },
    required: ['server_group'], additionalProperties: false,
  };
}

/** A create body with exactly one entry in `policies`, chosen from `allowed`. */
function createWithPolicies(allowed: readonly string[]): Schema {
  return createBody({
    name,
    policies: { type: 'array', items: { type: 'string', enum: allowed }, uniqueItems: true, minItems: 1, maxItems: 1 },
  }, ['name', 'policies']);
}

/** Nova 2.1-2.14: exactly one policy, affinity or anti-affinity (soft-* from 2.15, `policy` from 2.64). */
const createV2_1 = createWithPolicies(['anti-affinity', 'affinity']);

/** 2.15: soft-affinity and soft-anti-affinity */
const POLICIES_V2_15 = ['anti-affinity', 'affinity', 'soft-anti-affinity', 'soft-affinity'];
const createV2_15 = createWithPolicies(POLICIES_V2_15);

/** 2.64: one `policy` and its `rules` (max_server_per_host: Nova's positive_integer) */
const createV2_64: Schema = createBody({
  name,
  policy: { type: 'string', enum: POLICIES_V2_15 },
  rules: {
    type: 'object',
    properties: { max_server_per_host: { type: ['integer', 'string'], pattern: '^[0-9]*$', minimum: 1, minLength: 1 } },
    additionalProperties: false,
  },
}, ['name', 'policy']);

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

/** 2.13: project_id and user_id */
const serverGroupV2_13 = {
  ...serverGroup,
  properties: { ...serverGroup.properties, project_id: { type: 'string' }, user_id: { type: 'string' } },
  required: [...serverGroup.required, 'project_id', 'user_id'],
};
/** 2.64: policy and rules instead of policies and metadata */
const serverGroupV2_64 = {
  type: 'object',
  properties: {
    id: { type: 'string' }, name: { type: 'string' }, policy: { type: 'string' },
    rules: {
      type: 'object', properties: { max_server_per_host: { type: 'integer', minimum: 1 } }, additionalProperties: false,
    },
    members: { type: 'array', items: { type: 'string' } }, project_id: { type: 'string' }, user_id: { type: 'string' },
  },
  required: ['id', 'name', 'policy', 'rules', 'members', 'project_id', 'user_id'], additionalProperties: false,
};

const one = (item: object): Schema => ({ type: 'object', properties: { server_group: item }, required: ['server_group'], additionalProperties: false });
const many = (item: object): Schema => ({
  type: 'object', properties: { server_groups: { type: 'array', items: item } }, required: ['server_groups'], additionalProperties: false,
});
const byVersion = (wrap: (item: object) => Schema) => versioned([
  { min: '2.1', max: '2.12', value: wrap(serverGroup) },
  { min: '2.13', max: '2.63', value: wrap(serverGroupV2_13) },
  { min: '2.64', value: wrap(serverGroupV2_64) },
]);

export const create = {
  body: versioned([
    { min: '2.1', max: '2.14', value: createV2_1 }, { min: '2.15', max: '2.63', value: createV2_15 }, { min: '2.64', value: createV2_64 },
  ]),
  query: always(anyQuery), response: byVersion(one),
};
export const list = {
  query: versioned([{ min: '2.1', max: '2.74', value: listQuery }, { min: '2.75', value: { ...listQuery, additionalProperties: false } }]),
  response: byVersion(many),
};
export const show = { query: always(anyQuery), response: byVersion(one) };
export const remove = { query: always(anyQuery), response: always(null) };
