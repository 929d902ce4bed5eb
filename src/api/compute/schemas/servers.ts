import { always } from '../../microversion';
import { serverSchemaTable, addressesOf } from '../views/server-fields';
import { listQueries } from './server-list-query';
import { anyQuery, links, metadata, name } from '../../parameter-types';
import type { Schema } from '../../validation';
import { createBodies, updateBodies } from './server-requests';

/** Nova's parameter_types.boolean: real booleans and their usual spellings. */
const boolish = {
  type: ['boolean', 'string'],
  enum: [true, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes',
    false, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no'],
} as const;

const positiveInteger = { type: ['integer', 'string'], pattern: '^[0-9]*$', minimum: 1, minLength: 1 } as const;
const diskConfig = { type: 'string', enum: ['AUTO', 'MANUAL'] } as const;

const networks = {
  anyOf: [
    {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          uuid: { type: 'string' }, fixed_ip: { type: 'string', anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] },
          port: { type: ['string', 'null'] },
        },
        additionalProperties: false,
      },
    },
    // the SDK's cloud layer sends "auto" even at 2.1; accept it as the default network
    { type: 'string', enum: ['auto', 'none'] },
  ],
} as const;

/** Nova relaxed hints on purpose: unknown hints pass; `group` (a server group uuid) is acted on. */
const schedulerHints = { type: 'object', properties: { group: { type: 'string', format: 'uuid' } }, additionalProperties: true } as const;

const createV2_1: Schema = {
  type: 'object',
  properties: {
    server: {
      type: 'object',
      properties: {
        name,
        imageRef: { type: 'string', anyOf: [{ format: 'uuid' }, { maxLength: 0 }] },
        flavorRef: { type: ['string', 'integer'], minLength: 1 },
        adminPass: { type: 'string' },
        metadata,
        networks,
        'OS-DCF:diskConfig': diskConfig,
        accessIPv4: { type: 'string', format: 'ipv4' },
        accessIPv6: { type: 'string', format: 'ipv6' },
        key_name: name,
        availability_zone: name,
        security_groups: { type: 'array', items: { type: 'object', properties: { name }, additionalProperties: false } },
        user_data: { type: 'string', maxLength: 65535, pattern: '^[A-Za-z0-9+/=\\s]*$' },
        config_drive: boolish,
        min_count: positiveInteger,
        max_count: positiveInteger,
        return_reservation_id: boolish,
        personality: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, contents: { type: 'string' } }, additionalProperties: false } },
        block_device_mapping: { type: 'array' },
        block_device_mapping_v2: { type: 'array' },
      },
      required: ['name', 'flavorRef'],
      additionalProperties: false,
    },
    'os:scheduler_hints': schedulerHints,
    'OS-SCH-HNT:scheduler_hints': schedulerHints,
  },
  required: ['server'],
  additionalProperties: false,
};

const updateV2_1: Schema = {
  type: 'object',
  properties: {
    server: {
      type: 'object',
      properties: {
        name, 'OS-DCF:diskConfig': diskConfig,
        accessIPv4: { type: 'string', format: 'ipv4' }, accessIPv6: { type: 'string', format: 'ipv6' },
      },
      additionalProperties: false,
    },
  },
  required: ['server'],
  additionalProperties: false,
};

// GET /servers[/detail] query parameters per microversion: server-list-query.ts

// ---- responses (shapes as tempest's compute/v2_1/servers.py checks them) ----

const plainAddress = {
  type: 'object',
  properties: { version: { type: 'integer', enum: [4, 6] }, addr: { type: 'string' } },
  required: ['version', 'addr'],
  additionalProperties: false,
} as const;

const wrap = (key: string, inner: object): Schema => ({ type: 'object', properties: { [key]: inner }, required: [key], additionalProperties: false });

const serversList = (item: object): Schema => ({
  type: 'object', properties: { servers: { type: 'array', items: item }, servers_links: links }, required: ['servers'], additionalProperties: false,
});

const createResponse: Schema = {
  anyOf: [
    wrap('server', {
      type: 'object',
      properties: { id: { type: 'string' }, links, 'OS-DCF:diskConfig': { type: 'string' }, security_groups: { type: 'array' }, adminPass: { type: 'string' } },
      required: ['id', 'links'], additionalProperties: false,
    }),
    wrap('reservation_id', { type: 'string' }),
  ],
};

export const create = { body: createBodies(createV2_1), query: always(anyQuery), response: always(createResponse) };
/** The server replies per microversion, derived from the field table (views/server-fields.ts). */
const serverReply = (body: Schema) => wrap('server', body);
export const update = { body: updateBodies(updateV2_1), query: always(anyQuery), response: serverSchemaTable('update', serverReply) };
export const show = { query: always(anyQuery), response: serverSchemaTable('show', serverReply) };
/** the rebuild action's reply (tempest's rebuild_server_with_admin_pass) */
export const rebuildResponse = serverSchemaTable('rebuild', serverReply);
export const list = {
  query: listQueries,
  response: always(serversList({ type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, links }, required: ['id', 'name', 'links'], additionalProperties: false })),
};
export const detail = { query: listQueries, response: serverSchemaTable('detail', serversList) };
export const ips = { query: always(anyQuery), response: always(wrap('addresses', addressesOf(plainAddress))) };
export const ipsByNetwork = { query: always(anyQuery), response: always({ type: 'object', maxProperties: 1, additionalProperties: { type: 'array', items: plainAddress } }) };

/** Routes that answer 202/204 with no body. */
export const noBody = always(null);
