import { always } from '../../microversion';
import { anyQuery } from '../../parameter-types';
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

const listed: Schema = {
  type: 'object',
  properties: {
    keypairs: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          keypair: {
            type: 'object', properties: { name: { type: 'string' }, public_key: { type: 'string' }, fingerprint: { type: 'string' } },
            required: ['public_key', 'name', 'fingerprint'], additionalProperties: false,
          },
        },
        required: ['keypair'], additionalProperties: false,
      },
    },
  },
  required: ['keypairs'], additionalProperties: false,
};

const wrap = (inner: object): Schema => ({ type: 'object', properties: { keypair: inner }, required: ['keypair'], additionalProperties: false });

export const create = { body: always(createV2_1), query: always(anyQuery), response: always(wrap(created)) };
export const list = { query: always(anyQuery), response: always(listed) };
export const show = { query: always(anyQuery), response: always(wrap(shown)) };
export const remove = { query: always(anyQuery), response: always(null) };
