import { always, versioned } from '../../microversion';
import { anyQuery, links, queryValue } from '../../parameter-types';
import type { Schema } from '../../validation';

/** Nova's single_param: one value only (a repeated key is a 400) */
const single = (item: object) => ({ anyOf: [item, { type: 'array', items: item, maxItems: 1 }] });
const nonNegativeInteger = single({ type: 'string', pattern: '^[0-9]+$' });
/** Nova's date-time format (iso8601); the handler parses it */
const dateTime = single({ type: 'string', pattern: '^\\d{4}-\\d\\d-\\d\\d' });

const filters = {
  hidden: queryValue, host: queryValue, instance_uuid: queryValue, source_compute: queryValue, status: queryValue, migration_type: queryValue,
};

/** Nova's list_query_schema_v20 (unknown keys pass), list_query_params_v259 (limit, marker, changes-since; closed), v266 (changes-before) */
const queryV21: Schema = { type: 'object', properties: filters, additionalProperties: queryValue };
const queryV259: Schema = {
  type: 'object', properties: { ...filters, limit: nonNegativeInteger, marker: single({ type: 'string' }), 'changes-since': dateTime }, additionalProperties: false,
};
const queryV266: Schema = { ...queryV259, properties: { ...queryV259.properties as object, 'changes-before': dateTime } };

const nullable = (type: string) => ({ type: [type, 'null'] });

/** tempest's v2_1 list_migrations item */
const itemV21 = {
  type: 'object',
  properties: {
    id: { type: 'integer' }, status: nullable('string'), instance_uuid: nullable('string'),
    source_node: nullable('string'), source_compute: nullable('string'), dest_node: nullable('string'),
    dest_compute: nullable('string'), dest_host: nullable('string'),
    old_instance_type_id: nullable('integer'), new_instance_type_id: nullable('integer'),
    created_at: { type: 'string' }, updated_at: nullable('string'),
  },
  required: ['id', 'status', 'instance_uuid', 'source_node', 'source_compute', 'dest_node', 'dest_compute',
    'dest_host', 'old_instance_type_id', 'new_instance_type_id', 'created_at', 'updated_at'],
  additionalProperties: false,
} as const;
/** 2.23: migration_type, and links for in-progress live migrations */
const itemV223 = {
  ...itemV21,
  properties: { ...itemV21.properties, migration_type: nullable('string'), links },
  required: [...itemV21.required, 'migration_type'],
};
/** 2.59: uuid */
const itemV259 = {
  ...itemV223,
  properties: { ...itemV223.properties, uuid: { type: 'string', format: 'uuid' } },
  required: [...itemV223.required, 'uuid'],
};

const listOf = (item: object, paged: boolean): Schema => ({
  type: 'object',
  properties: { migrations: { type: 'array', items: item }, ...(paged && { migrations_links: links }) },
  required: ['migrations'],
  additionalProperties: false,
});

export const list = {
  query: versioned([{ min: '2.1', max: '2.58', value: queryV21 }, { min: '2.59', max: '2.65', value: queryV259 }, { min: '2.66', value: queryV266 }]),
  response: versioned([
    { min: '2.1', max: '2.22', value: listOf(itemV21, false) },
    { min: '2.23', max: '2.58', value: listOf(itemV223, false) },
    { min: '2.59', value: listOf(itemV259, true) },
  ]),
};

/** Nova's server_migrations output(): a live migration in progress (2.23; uuid from 2.59) */
const serverMigrationV223 = {
  type: 'object',
  properties: {
    id: { type: 'integer' }, server_uuid: { type: 'string' }, status: { type: 'string' },
    source_compute: nullable('string'), source_node: nullable('string'), dest_compute: nullable('string'),
    dest_node: nullable('string'), dest_host: nullable('string'),
    memory_total_bytes: nullable('integer'), memory_processed_bytes: nullable('integer'), memory_remaining_bytes: nullable('integer'),
    disk_total_bytes: nullable('integer'), disk_processed_bytes: nullable('integer'), disk_remaining_bytes: nullable('integer'),
    created_at: { type: 'string' }, updated_at: nullable('string'),
  },
  required: ['id', 'server_uuid', 'status', 'source_compute', 'source_node', 'dest_compute', 'dest_node', 'dest_host',
    'memory_total_bytes', 'memory_processed_bytes', 'memory_remaining_bytes', 'disk_total_bytes', 'disk_processed_bytes',
    'disk_remaining_bytes', 'created_at', 'updated_at'],
  additionalProperties: false,
} as const;
const serverMigrationV259 = {
  ...serverMigrationV223,
  properties: { ...serverMigrationV223.properties, uuid: { type: 'string', format: 'uuid' } },
  required: [...serverMigrationV223.required, 'uuid'],
};
const perVersion = (wrap: (item: object) => Schema) => versioned([
  // below 2.23 the route does not exist (404, no body)
  { min: '2.1', max: '2.58', value: wrap(serverMigrationV223) },
  { min: '2.59', value: wrap(serverMigrationV259) },
]);

export const serverList = {
  query: always(anyQuery),
  response: perVersion((item) => ({ type: 'object', properties: { migrations: { type: 'array', items: item } }, required: ['migrations'], additionalProperties: false })),
};
export const serverShow = {
  query: always(anyQuery),
  response: perVersion((item) => ({ type: 'object', properties: { migration: item }, required: ['migration'], additionalProperties: false })),
};

/** Nova's server_migrations force_complete body: {"force_complete": null} */
const forceCompleteBody: Schema = { type: 'object', properties: { force_complete: { type: 'null' } }, required: ['force_complete'], additionalProperties: false };
export const forceComplete = {
  // below 2.22 the route does not exist: anything, the handler answers 404 first
  body: versioned([{ min: '2.1', max: '2.21', value: {} as Schema }, { min: '2.22', value: forceCompleteBody }]),
  query: always(anyQuery),
  response: always(null),
};
export const abort = { body: null, query: always(anyQuery), response: always(null) };
