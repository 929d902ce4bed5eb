import { Versioned, versioned } from '../../microversion';
import type { Schema } from '../../validation';
import { tagList } from './server-tags';

/**
 * The request bodies of POST /servers, PUT /servers/{id} and the rebuild action per microversion,
 * built from the 2.1 bodies as Nova's schemas/servers.py builds create_v219 … create_v274,
 * update_v219 and rebuild_v219 … rebuild_v263 (each a deep copy of the one before, changed).
 */

/** Nova's parameter_types.description: printable text (whitespace allowed), at most 255, or null. */
export const description = { type: ['string', 'null'], minLength: 0, maxLength: 255, pattern: '^[^\\x00-\\x08\\x0e-\\x1b\\x7f]*$' } as const;
/** Nova's parameter_types.tag (MAX_TAG_LENGTH 60). */
export const tag = { type: 'string', minLength: 1, maxLength: 60, pattern: '^[^,/]*$' } as const;
/** Nova's parameter_types.trusted_certs: up to 50 unique ids; null resets them on rebuild. */
export const trustedCerts = { type: ['array', 'null'], minItems: 1, maxItems: 50, uniqueItems: true, items: { type: 'string', minLength: 1 } } as const;
/** Nova's parameter_types.fqdn (2.74's host and hypervisor_hostname). */
const fqdn = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9-._]*$' } as const;
const volumeType = { type: ['string', 'null'], minLength: 0, maxLength: 255 } as const;
const uuid = { type: 'string', format: 'uuid' } as const;
const boolish = {
  type: ['boolean', 'string'],
  enum: [true, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes',
    false, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no'],
} as const;

/** Nova's block_device_mapping_v2 item (legacy fields plus the v2 ones); novashim validates it, then refuses BDMs (400). */
const bdmV2Item = {
  type: 'object',
  properties: {
    virtual_name: { type: 'string', maxLength: 255 },
    volume_id: uuid, snapshot_id: uuid,
    volume_size: { type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 1, maximum: 2147483647 },
    device_name: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9._/-]*$' },
    delete_on_termination: boolish,
    no_device: {},
    connection_info: { type: 'string', maxLength: 16777215 },
    source_type: { type: 'string', enum: ['volume', 'image', 'snapshot', 'blank'] },
    uuid: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9._-]*$' },
    image_id: uuid,
    destination_type: { type: 'string', enum: ['local', 'volume'] },
    guest_format: { type: 'string', maxLength: 255 },
    device_type: { type: 'string', maxLength: 255 },
    disk_bus: { type: 'string', maxLength: 255 },
    boot_index: { type: ['integer', 'string', 'null'], pattern: '^-?[0-9]+$' },
  },
  additionalProperties: false,
} as const;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const copy = (s: Schema): Json => structuredClone(s) as Json;
/** the properties of the body's inner object (`server` or `rebuild`) */
const inner = (s: Json, key: string): Json => s.properties[key].properties;

/** 2.37's networks: a list of {uuid (a UUID), fixed_ip, port} or "auto" / "none"; `withTag` adds 2.42's tag. */
function networksV237(withTag: boolean): Json {
  return {
    oneOf: [
      {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            fixed_ip: { type: 'string', anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] },
            port: { oneOf: [uuid, { type: 'null' }] },
            uuid,
            ...(withTag && { tag }),
          },
          additionalProperties: false,
        },
      },
      { type: 'string', enum: ['none', 'auto'] },
    ],
  };
}

/**
 * POST /servers per microversion, from the 2.1 body. The ≥2.52 entry is where 2.52's `tags`
 * belongs (server tags are built with the tags API); later entries are copies of it.
 */
export function createBodies(base: Schema): Versioned<Schema> {
  const v21 = copy(base);
  inner(v21, 'server').block_device_mapping_v2 = { type: 'array', items: bdmV2Item };

  const v219 = copy(v21);
  inner(v219, 'server').description = description;

  // 2.32 only: tag on networks items and on block_device_mapping_v2 items
  const v232 = copy(v219);
  const net232 = inner(v232, 'server').networks;
  for (const alt of net232.anyOf ?? [net232]) if (alt.type === 'array') alt.items.properties.tag = tag;
  inner(v232, 'server').block_device_mapping_v2.items.properties.tag = tag;

  // 2.33–2.36: Nova's create_v233 (built on 2.19: networks tag, no BDM tag)
  const v233 = copy(v219);
  const net233 = inner(v233, 'server').networks;
  for (const alt of net233.anyOf ?? [net233]) if (alt.type === 'array') alt.items.properties.tag = tag;

  // 2.37: networks required, a list of UUIDs or "auto"/"none"; no tags until 2.42
  const v237 = copy(v233);
  v237.properties.server.required = [...v237.properties.server.required, 'networks'];
  inner(v237, 'server').networks = networksV237(false);

  const v242 = copy(v237);
  inner(v242, 'server').networks = networksV237(true);
  inner(v242, 'server').block_device_mapping_v2.items.properties.tag = tag;

  const v252 = copy(v242);
  inner(v252, 'server').tags = tagList; // 2.52: tags on create (at most 50)

  const v257 = copy(v252);
  delete inner(v257, 'server').personality;

  const v263 = copy(v257);
  inner(v263, 'server').trusted_image_certificates = trustedCerts;

  const v267 = copy(v263);
  inner(v267, 'server').block_device_mapping_v2.items.properties.volume_type = volumeType;

  const v274 = copy(v267);
  inner(v274, 'server').host = fqdn;
  inner(v274, 'server').hypervisor_hostname = fqdn;

  return versioned<Schema>([
    { min: '2.1', max: '2.18', value: v21 },
    { min: '2.19', max: '2.31', value: v219 },
    { min: '2.32', max: '2.32', value: v232 },
    { min: '2.33', max: '2.36', value: v233 },
    { min: '2.37', max: '2.41', value: v237 },
    { min: '2.42', max: '2.51', value: v242 },
    { min: '2.52', max: '2.56', value: v252 },
    { min: '2.57', max: '2.62', value: v257 },
    { min: '2.63', max: '2.66', value: v263 },
    { min: '2.67', max: '2.73', value: v267 },
    { min: '2.74', value: v274 },
  ]);
}

/** PUT /servers/{id}: 2.19 adds description. */
export function updateBodies(base: Schema): Versioned<Schema> {
  const v219 = copy(base);
  inner(v219, 'server').description = description;
  return versioned<Schema>([{ min: '2.1', max: '2.18', value: base }, { min: '2.19', value: v219 }]);
}

/** The rebuild action: 2.19 description, 2.54 key_name, 2.57 user_data (personality gone), 2.63 trusted_image_certificates. */
export function rebuildBodies(base: Schema): Versioned<Schema> {
  const v219 = copy(base);
  inner(v219, 'rebuild').description = description;
  const v254 = copy(v219);
  inner(v254, 'rebuild').key_name = { oneOf: [{ type: 'string', minLength: 1, maxLength: 255 }, { type: 'null' }] };
  const v257 = copy(v254);
  delete inner(v257, 'rebuild').personality;
  inner(v257, 'rebuild').user_data = { oneOf: [{ type: 'string', maxLength: 65535, pattern: '^[A-Za-z0-9+/=\\s]*$' }, { type: 'null' }] };
  const v263 = copy(v257);
  inner(v263, 'rebuild').trusted_image_certificates = trustedCerts;
  return versioned<Schema>([
    { min: '2.1', max: '2.18', value: base },
    { min: '2.19', max: '2.53', value: v219 },
    { min: '2.54', max: '2.56', value: v254 },
    { min: '2.57', max: '2.62', value: v257 },
    { min: '2.63', value: v263 },
  ]);
}
