import { Microversion, versioned } from '../../microversion';
import { queryValue } from '../../parameter-types';
import type { Schema } from '../../validation';
import { INJECTED_FILE_QUOTAS, NETWORK_QUOTAS, QUOTA_RESOURCES, QuotaResource } from '../../../compute/limits';

/** The resources shown by os-quota-sets (and /limits' sources): network ones go at 2.36, injected files at 2.57. */
export function quotaSetKeys(version: { atLeast(v: string): boolean }): QuotaResource[] {
  return QUOTA_RESOURCES.filter((r) => !(version.atLeast('2.36') && NETWORK_QUOTAS.includes(r))
    && !(version.atLeast('2.57') && INJECTED_FILE_QUOTAS.includes(r)));
}

/** os-quota-class-sets: server groups only from 2.50, which also drops the network ones; injected files go at 2.57. */
export function quotaClassKeys(version: { atLeast(v: string): boolean }): QuotaResource[] {
  const v250 = version.atLeast('2.50');
  return QUOTA_RESOURCES.filter((r) => (v250 ? !NETWORK_QUOTAS.includes(r) : r !== 'server_groups' && r !== 'server_group_members')
    && !(version.atLeast('2.57') && INJECTED_FILE_QUOTAS.includes(r)));
}

const at = (text: string) => Microversion.parse(text);

/** Nova's common_quota: an integer (or its digits) from -1 (unlimited) to MAX_INT */
const commonQuota = { type: ['integer', 'string'], pattern: '^-?[0-9]+$', minimum: -1, maximum: 0x7FFFFFFF } as const;
/** Nova's parameter_types.boolean */
const boolish = {
  type: ['boolean', 'string'],
  enum: [true, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes',
    false, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no'],
} as const;

function updateBody(wrapper: string, keys: readonly string[], extra: Record<string, unknown>): Schema {
  return {
    type: 'object',
    properties: {
      [wrapper]: {
        type: 'object', properties: { ...Object.fromEntries(keys.map((k) => [k, commonQuota])), ...extra }, additionalProperties: false,
      },
    },
    required: [wrapper], additionalProperties: false,
  };
}

const flat = (keys: readonly string[], withId: boolean) => ({
  type: 'object',
  properties: { ...Object.fromEntries(keys.map((k) => [k, { type: 'integer' }])), ...(withId ? { id: { type: 'string' } } : {}) },
  required: [...keys, ...(withId ? ['id'] : [])], additionalProperties: false,
});
const usage = { type: 'object', properties: { in_use: { type: 'integer' }, limit: { type: 'integer' }, reserved: { type: 'integer' } }, required: ['in_use', 'limit', 'reserved'], additionalProperties: false };
const detailed = (keys: readonly string[]) => ({
  type: 'object',
  properties: { ...Object.fromEntries(keys.map((k) => [k, usage])), id: { type: 'string' } },
  required: [...keys, 'id'], additionalProperties: false,
});
const wrap = (wrapper: string, inner: object): Schema => ({ type: 'object', properties: { [wrapper]: inner }, required: [wrapper], additionalProperties: false });

/** the three os-quota-sets response eras (tempest v2_1, v2_36, v2_57 quotas.py) */
const setTable = (make: (keys: QuotaResource[]) => Schema) => versioned([
  { min: '2.1', max: '2.35', value: make(quotaSetKeys(at('2.1'))) },
  { min: '2.36', max: '2.56', value: make(quotaSetKeys(at('2.36'))) },
  { min: '2.57', value: make(quotaSetKeys(at('2.57'))) },
]);
/** the three os-quota-class-sets eras (tempest v2_1, v2_50, v2_57 quota_classes.py) */
const classTable = (make: (keys: QuotaResource[]) => Schema) => versioned([
  { min: '2.1', max: '2.49', value: make(quotaClassKeys(at('2.1'))) },
  { min: '2.50', max: '2.56', value: make(quotaClassKeys(at('2.50'))) },
  { min: '2.57', value: make(quotaClassKeys(at('2.57'))) },
]);

/** Nova's quota_sets query_schema: user_id; other keys ignored until 2.75 rejects them */
const query = (key: string) => versioned<Schema>([
  { min: '2.1', max: '2.74', value: { type: 'object', properties: { [key]: queryValue }, additionalProperties: queryValue } },
  { min: '2.75', value: { type: 'object', properties: { [key]: queryValue }, additionalProperties: false } },
]);
export const quotaSetQuery = query('user_id');
/** Nova's limits_query_schema (tenant_id; strict from 2.75) */
export const limitsQuery = query('tenant_id');
const anyQueryAlways = versioned<Schema>([{ min: '2.1', value: { type: 'object', additionalProperties: queryValue } }]);

export const showSet = { query: quotaSetQuery, response: setTable((k) => wrap('quota_set', flat(k, true))) };
export const defaultsSet = { query: anyQueryAlways, response: setTable((k) => wrap('quota_set', flat(k, true))) };
export const detailSet = { query: quotaSetQuery, response: setTable((k) => wrap('quota_set', detailed(k))) };
export const updateSet = {
  body: versioned<Schema>([
    { min: '2.1', max: '2.35', value: updateBody('quota_set', [...QUOTA_RESOURCES, 'networks'], { force: boolish }) },
    { min: '2.36', max: '2.56', value: updateBody('quota_set', quotaSetKeys(at('2.36')), { force: boolish }) },
    { min: '2.57', value: updateBody('quota_set', quotaSetKeys(at('2.57')), { force: boolish }) },
  ]),
  query: quotaSetQuery,
  response: setTable((k) => wrap('quota_set', flat(k, false))),
};
export const deleteSet = { query: quotaSetQuery, response: versioned([{ min: '2.1', value: null }]) };

export const showClass = { query: anyQueryAlways, response: classTable((k) => wrap('quota_class_set', flat(k, true))) };
export const updateClass = {
  body: versioned<Schema>([
    // before 2.50 the body takes every resource (server groups too, though not shown) and the removed networks
    { min: '2.1', max: '2.49', value: updateBody('quota_class_set', [...QUOTA_RESOURCES, 'networks'], {}) },
    { min: '2.50', max: '2.56', value: updateBody('quota_class_set', quotaClassKeys(at('2.50')), {}) },
    { min: '2.57', value: updateBody('quota_class_set', quotaClassKeys(at('2.57')), {}) },
  ]),
  query: anyQueryAlways,
  response: classTable((k) => wrap('quota_class_set', flat(k, false))),
};
