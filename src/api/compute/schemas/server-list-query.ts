import { versioned } from '../../microversion';
import { queryValue } from '../../parameter-types';
import type { Schema } from '../../validation';

/**
 * GET /servers and /servers/detail query parameters per microversion (Nova's schemas/servers.py
 * query_params_v21 … query_params_v275). Below 2.75 unknown parameters are accepted (Nova strips
 * them for non-admins); from 2.75 they are a 400. Values are strings, or arrays when repeated.
 */

const nonNegativeIntegerQuery = {
  anyOf: [{ type: 'string', pattern: '^[0-9]+$' }, { type: 'array', items: { type: 'string', pattern: '^[0-9]+$' } }],
} as const;

const oneOf = (values: readonly string[]) => ({
  anyOf: [{ type: 'string', enum: values }, { type: 'array', items: { type: 'string', enum: values } }],
});

const SORT_KEYS = ['access_ip_v4', 'access_ip_v6', 'auto_disk_config', 'availability_zone', 'config_drive', 'created_at',
  'display_description', 'display_name', 'host', 'hostname', 'image_ref', 'instance_type_id', 'kernel_id', 'key_name',
  'launch_index', 'launched_at', 'locked_by', 'node', 'power_state', 'progress', 'project_id', 'ramdisk_id', 'root_device_name',
  'task_state', 'terminated_at', 'updated_at', 'user_id', 'uuid', 'vm_state'];
/** 2.75: the ignored keys are no longer accepted, except `locked` (sortable since 2.73) */
const SORT_KEYS_V275 = [...SORT_KEYS, 'locked'];

/** Nova's JOINED_TABLE_QUERY_PARAMS_SERVERS: accepted by the schema, refused (400) for admins by the controller */
export const JOINED_TABLE_PARAMS = ['block_device_mapping', 'services', 'metadata', 'system_metadata', 'info_cache', 'security_groups', 'pci_devices'];

const V21_PARAMS = ['user_id', 'project_id', 'tenant_id', 'launch_index', 'image_ref', 'image', 'kernel_id', 'ramdisk_id', 'hostname',
  'key_name', 'power_state', 'vm_state', 'task_state', 'host', 'node', 'flavor', 'reservation_id', 'launched_at', 'terminated_at',
  'availability_zone', 'name', 'display_name', 'description', 'display_description', 'locked_by', 'uuid', 'root_device_name',
  'config_drive', 'access_ip_v4', 'access_ip_v6', 'auto_disk_config', 'progress', 'sort_dir', 'all_tenants', 'soft_deleted',
  'deleted', 'status', 'changes-since', 'ip', 'ip6', 'created_at', 'marker', ...JOINED_TABLE_PARAMS];

const props = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, queryValue]));

const v21: Schema = {
  type: 'object',
  properties: { ...props(V21_PARAMS), limit: nonNegativeIntegerQuery, sort_key: queryValue },
  patternProperties: { '^_': queryValue },
  additionalProperties: queryValue,
};
/** 2.26: the tag filters */
const v226: Schema = { ...v21, properties: { ...(v21.properties as object), ...props(['tags', 'tags-any', 'not-tags', 'not-tags-any']) } };
/** 2.66: changes-before */
const v266: Schema = { ...v226, properties: { ...(v226.properties as object), ...props(['changes-before']) } };
/** 2.73: the locked filter */
const v273: Schema = { ...v266, properties: { ...(v266.properties as object), ...props(['locked']) } };
/** 2.75: only known parameters, only real sort keys */
const v275: Schema = { ...v273, properties: { ...(v273.properties as object), sort_key: oneOf(SORT_KEYS_V275) }, additionalProperties: false };

export const listQueries = versioned([
  { min: '2.1', max: '2.25', value: v21 },
  { min: '2.26', max: '2.65', value: v226 },
  { min: '2.66', max: '2.72', value: v266 },
  { min: '2.73', max: '2.74', value: v273 },
  { min: '2.75', value: v275 },
]);

