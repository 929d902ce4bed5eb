import { always, versioned } from '../../microversion';
import { anyQuery, links, queryValue } from '../../parameter-types';
import type { Schema } from '../../validation';

/** Nova 2.1's keypair names: letters, digits, spaces, underscores and dashes. */
const keypairName = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9 _-]+$' } as const;

const createV2_1: Schema = {
  type: 'object',
  properties: {
    keypair: {
      type: 'object',
      properties: { name: keypairName, public_key: { type: 'string' } },
      required: ['name'], additionalProperties: false,
    },
  },
  required: ['keypair'], additionalProperties: false,
};

/** 2.2: type ssh|x509; 2.10: an admin may name another user */
const withType = (body: Schema, extra: Record<string, object>): Schema => {
  const inner = (body as { properties: { keypair: { properties: object } } }).properties.keypair;
  return {
    ...body,
    properties: { keypair: { ...inner, properties: { ...inner.properties, type: { type: 'string', enum: ['ssh', 'x509'] }, ...extra } } },
  } as Schema;
};
const createV2_2 = withType(createV2_1, {});
const createV2_10 = withType(createV2_1, { user_id: { type: 'string' } });

const withProps = (schema: object, extra: Record<string, object>, required: string[]) => {
  const s = schema as { properties: object; required: readonly string[] };
  return { ...s, properties: { ...s.properties, ...extra }, required: [...s.required, ...required] };
};

const created = {
  type: 'object',
  properties: {
    name: { type: 'string' }, public_key: { type: 'string' }, fingerprint: { type: 'string' }, user_id: { type: 'string' }, private_key: { type: 'string' },
  },
  required: ['fingerprint', 'name', 'public_key', 'user_id'], additionalProperties: false,
} as const;

const shown = {
  type: 'object',
  properties: {
    name: { type: 'string' }, public_key: { type: 'string' }, fingerprint: { type: 'string' }, user_id: { type: 'string' },
    deleted: { type: 'boolean' }, created_at: { type: 'string' }, updated_at: { type: ['string', 'null'] },
    deleted_at: { type: ['string', 'null'] }, id: { type: 'integer' },
  },
  required: ['public_key', 'name', 'fingerprint', 'user_id', 'deleted', 'created_at', 'updated_at', 'deleted_at', 'id'],
  additionalProperties: false,
} as const;

const listedItem = {
  type: 'object', properties: { name: { type: 'string' }, public_key: { type: 'string' }, fingerprint: { type: 'string' } },
  required: ['public_key', 'name', 'fingerprint'], additionalProperties: false,
} as const;
const listOf = (item: object, withLinks: boolean): Schema => ({
  type: 'object',
  properties: {
    keypairs: {
      type: 'array',
      items: { type: 'object', properties: { keypair: item }, required: ['keypair'], additionalProperties: false },
    },
    ...(withLinks ? { keypairs_links: links } : {}),
  },
  required: ['keypairs'], additionalProperties: false,
});
const listed = listOf(listedItem, false);
const typeProp = { type: { type: 'string', enum: ['ssh', 'x509'] } };

const wrap = (inner: object): Schema => ({ type: 'object', properties: { keypair: inner }, required: ['keypair'], additionalProperties: false });

/** Nova's keypairs query schemas: user_id from 2.10, limit/marker from 2.35, nothing else from 2.75 */
const userQuery = { user_id: queryValue };
const paging = { limit: { anyOf: [{ type: 'string', pattern: '^[0-9]+$' }, { type: 'array', items: { type: 'string', pattern: '^[0-9]+$' } }] }, marker: queryValue };
const queryOf = (props: object, open: boolean): Schema => ({ type: 'object', properties: props, additionalProperties: open ? queryValue : false });
const byUser = versioned([
  { min: '2.1', max: '2.9', value: anyQuery },
  { min: '2.10', max: '2.74', value: queryOf(userQuery, true) },
  { min: '2.75', value: queryOf(userQuery, false) },
]);

export const create = {
  body: versioned([{ min: '2.1', max: '2.1', value: createV2_1 }, { min: '2.2', max: '2.9', value: createV2_2 }, { min: '2.10', value: createV2_10 }]),
  query: always(anyQuery),
  response: versioned([{ min: '2.1', max: '2.1', value: wrap(created) }, { min: '2.2', value: wrap(withProps(created, typeProp, ['type'])) }]),
};
export const list = {
  query: versioned([
    { min: '2.1', max: '2.9', value: anyQuery },
    { min: '2.10', max: '2.34', value: queryOf(userQuery, true) },
    { min: '2.35', max: '2.74', value: queryOf({ ...userQuery, ...paging }, true) },
    { min: '2.75', value: queryOf({ ...userQuery, ...paging }, false) },
  ]),
  response: versioned([
    { min: '2.1', max: '2.1', value: listed },
    { min: '2.2', max: '2.34', value: listOf(withProps(listedItem, typeProp, ['type']), false) },
    { min: '2.35', value: listOf(withProps(listedItem, typeProp, ['type']), true) },
  ]),
};
export const show = {
  query: byUser,
  response: versioned([{ min: '2.1', max: '2.1', value: wrap(shown) }, { min: '2.2', value: wrap(withProps(shown, typeProp, ['type'])) }]),
};
export const remove = { query: byUser, response: always(null) };
