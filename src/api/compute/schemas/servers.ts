import { always } from '../../microversion';
import { anyQuery, links, metadata, name, nullableString, queryValue } from '../../parameter-types';
import type { Schema } from '../../validation';

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

const nonNegativeIntegerQuery = {
  anyOf: [{ type: 'string', pattern: '^[0-9]+$' }, { type: 'array', items: { type: 'string', pattern: '^[0-9]+$' } }],
} as const;

/** Known filters are typed; unknown ones pass (Nova strips them rather than failing). */
const listQueryV2_1: Schema = {
  type: 'object',
  properties: {
    limit: nonNegativeIntegerQuery, marker: queryValue, name: queryValue, status: queryValue, image: queryValue,
    flavor: queryValue, 'changes-since': queryValue, reservation_id: queryValue, ip: queryValue,
    all_tenants: queryValue, project_id: queryValue, tenant_id: queryValue, host: queryValue, deleted: queryValue,
  },
  additionalProperties: queryValue,
};

// ---- responses (shapes as tempest's compute/v2_1/servers.py checks them) ----

const idAndLinks = { type: 'object', properties: { id: { type: 'string' }, links }, required: ['id', 'links'], additionalProperties: false } as const;

const plainAddress = {
  type: 'object',
  properties: { version: { type: 'integer', enum: [4, 6] }, addr: { type: 'string' } },
  required: ['version', 'addr'],
  additionalProperties: false,
} as const;

const address = {
  ...plainAddress,
  properties: {
    ...plainAddress.properties,
    'OS-EXT-IPS:type': { type: 'string' }, 'OS-EXT-IPS-MAC:mac_addr': { type: 'string', pattern: '^(?:[a-f0-9]{2}:){5}[a-f0-9]{2}$' },
  },
} as const;

const addressesOf = (item: object) => ({
  type: 'object',
  patternProperties: { '^[a-zA-Z0-9-_.]+$': { type: 'array', items: item } },
  additionalProperties: false,
} as const);

const addresses = addressesOf(address);

/** PUT /servers/{id}: the server without extension attributes (tempest's common_show_server). */
export const serverCommon = {
  type: 'object',
  properties: {
    id: { type: 'string' }, name: { type: 'string' }, status: { type: 'string' },
    image: { anyOf: [idAndLinks, { type: ['string', 'null'] }] },
    flavor: idAndLinks,
    fault: {
      type: 'object',
      properties: { code: { type: 'integer' }, created: { type: 'string' }, message: { type: 'string' }, details: { type: 'string' } },
      required: ['code', 'created', 'message'], additionalProperties: false,
    },
    user_id: { type: 'string' }, tenant_id: { type: 'string' }, created: { type: 'string' }, updated: { type: 'string' },
    progress: { type: 'integer' }, metadata: { type: 'object', additionalProperties: { type: 'string' } }, links,
    addresses: addressesOf(plainAddress), hostId: { type: 'string' }, 'OS-DCF:diskConfig': { type: 'string' },
    accessIPv4: { type: 'string' }, accessIPv6: { type: 'string' },
  },
  required: ['id', 'name', 'status', 'image', 'flavor', 'user_id', 'tenant_id', 'created', 'updated', 'metadata', 'links', 'addresses', 'hostId'],
  additionalProperties: false,
} as const;

const serverDetail = {
  ...serverCommon,
  properties: {
    ...serverCommon.properties,
    addresses,
    key_name: nullableString, security_groups: { type: 'array' },
    'OS-SRV-USG:launched_at': nullableString, 'OS-SRV-USG:terminated_at': nullableString,
    'OS-EXT-AZ:availability_zone': { type: 'string' },
    'OS-EXT-STS:task_state': nullableString, 'OS-EXT-STS:vm_state': { type: 'string' },
    'OS-EXT-STS:power_state': { type: 'integer', enum: [0, 1, 3, 4, 6, 7] },
    'OS-EXT-SRV-ATTR:host': nullableString, 'OS-EXT-SRV-ATTR:instance_name': { type: 'string' },
    'OS-EXT-SRV-ATTR:hypervisor_hostname': nullableString,
    'os-extended-volumes:volumes_attached': { type: 'array', items: { type: 'object', properties: { id: { type: 'string' } }, additionalProperties: false } },
    config_drive: { type: 'string' },
  },
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

export const create = { body: always(createV2_1), query: always(anyQuery), response: always(createResponse) };
export const update = { body: always(updateV2_1), query: always(anyQuery), response: always(wrap('server', serverCommon)) };
export const show = { query: always(anyQuery), response: always(wrap('server', serverDetail)) };
export const list = {
  query: always(listQueryV2_1),
  response: always(serversList({ type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, links }, required: ['id', 'name', 'links'], additionalProperties: false })),
};
export const detail = { query: always(listQueryV2_1), response: always(serversList(serverDetail)) };
export const ips = { query: always(anyQuery), response: always(wrap('addresses', addressesOf(plainAddress))) };
export const ipsByNetwork = { query: always(anyQuery), response: always({ type: 'object', maxProperties: 1, additionalProperties: { type: 'array', items: plainAddress } }) };

/** Routes that answer 202/204 with no body. */
export const noBody = always(null);
