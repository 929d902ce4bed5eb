import { always } from '../../microversion';
import { anyQuery, links, queryValue } from '../../parameter-types';
import type { Schema } from '../../validation';

const SORT_KEYS = ['created_at', 'description', 'disabled', 'ephemeral_gb', 'flavorid', 'id', 'is_public', 'memory_mb',
  'name', 'root_gb', 'rxtx_factor', 'swap', 'updated_at', 'vcpu_weight', 'vcpus'];

const multi = (item: object) => ({ anyOf: [item, { type: 'array', items: item }] });

const listQueryV2_1: Schema = {
  type: 'object',
  properties: {
    limit: multi({ type: 'string', pattern: '^[0-9]+$' }), marker: queryValue, is_public: queryValue,
    minRam: queryValue, minDisk: queryValue,
    sort_key: multi({ type: 'string', enum: SORT_KEYS }), sort_dir: multi({ type: 'string', enum: ['asc', 'desc'] }),
  },
  additionalProperties: queryValue,
};

const flavorDetail = {
  type: 'object',
  properties: {
    id: { type: 'string' }, name: { type: 'string' }, links, ram: { type: 'integer' }, vcpus: { type: 'integer' },
    swap: { type: ['integer', 'string'] }, disk: { type: 'integer' }, 'OS-FLV-DISABLED:disabled': { type: 'boolean' },
    'os-flavor-access:is_public': { type: 'boolean' }, rxtx_factor: { type: 'number' }, 'OS-FLV-EXT-DATA:ephemeral': { type: 'integer' },
  },
  required: ['name', 'links', 'ram', 'vcpus', 'swap', 'disk', 'id'],
  additionalProperties: false,
} as const;

const summary = { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, links }, required: ['id', 'name', 'links'], additionalProperties: false } as const;
const flavorsOf = (item: object): Schema => ({ type: 'object', properties: { flavors: { type: 'array', items: item }, flavors_links: links }, required: ['flavors'], additionalProperties: false });
const extraSpecs = { type: 'object', additionalProperties: { type: 'string' } } as const;

export const list = { query: always(listQueryV2_1), response: always(flavorsOf(summary)) };
export const detail = { query: always(listQueryV2_1), response: always(flavorsOf(flavorDetail)) };
export const show = { query: always(anyQuery), response: always({ type: 'object', properties: { flavor: flavorDetail }, required: ['flavor'], additionalProperties: false }) };
export const extraSpecsList = { query: always(anyQuery), response: always({ type: 'object', properties: { extra_specs: extraSpecs }, required: ['extra_specs'], additionalProperties: false }) };
export const extraSpecShow = { query: always(anyQuery), response: always({ ...extraSpecs, minProperties: 1, maxProperties: 1 }) };
