import { always, versioned } from '../../microversion';
import { ResponseVariants } from '../../middleware/response-check';
import { anyQuery, links, queryValue } from '../../parameter-types';
import type { Schema } from '../../validation';

/** Nova's service timestamps: microseconds, no zone ("2012-10-29T13:42:02.000000"). */
const dateTime = { type: 'string', pattern: '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}$' } as const;
const obj = (properties: Record<string, object>, required: string[] = Object.keys(properties)) =>
  ({ type: 'object', properties, required, additionalProperties: false });
const int = { type: 'integer' } as const;
const str = { type: 'string' } as const;
const hostName = { type: 'string', minLength: 1, maxLength: 255 } as const;

const uuidId = { type: 'string', format: 'uuid' } as const;
const serviceFields = {
  zone: str, host: str, state: str, binary: str, status: str,
  updated_at: { anyOf: [dateTime, { type: 'null' }] }, disabled_reason: { type: ['string', 'null'] },
};
const servicesOf = (item: object) => obj({ services: { type: 'array', items: item } });
const serviceQuery = { host: queryValue, binary: queryValue };
/** tempest v2_1 / v2_11 (forced_down) / v2_53 (uuid ids) services.list_services */
export const listServices = {
  query: versioned([
    { min: '2.1', max: '2.74', value: anyQuery },
    { min: '2.75', value: { type: 'object', properties: serviceQuery, additionalProperties: false } as Schema },
  ]),
  response: versioned([
    { min: '2.1', max: '2.10', value: servicesOf(obj({ id: int, ...serviceFields })) },
    { min: '2.11', max: '2.52', value: servicesOf(obj({ id: int, ...serviceFields, forced_down: { type: 'boolean' } })) },
    { min: '2.53', value: servicesOf(obj({ id: uuidId, ...serviceFields, forced_down: { type: 'boolean' } })) },
  ]),
};

/** Nova's parameter_types.boolean */
const boolParam = {
  type: ['boolean', 'string'],
  enum: [true, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes',
    false, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no'],
};
const enableDisable = obj({
  service: obj({ status: str, binary: str, host: str, disabled_reason: str }, ['status', 'binary', 'host']),
});
const forcedDownReply = obj({ service: obj({ binary: str, host: str, forced_down: { type: 'boolean' } }) });
const fullService = obj({ service: obj({ id: uuidId, ...serviceFields, forced_down: { type: 'boolean' } }) });

/**
 * Nova's schemas/services.py: service_update (2.1–2.10), service_update_v211 (force-down,
 * 2.11–2.52), service_update_v2_53 (PUT /os-services/{uuid}: status, disabled_reason, forced_down).
 */
export const updateService = {
  query: always(anyQuery),
  body: versioned([
    { min: '2.1', max: '2.10', value: obj({ host: hostName, binary: hostName, disabled_reason: hostName }, ['host', 'binary']) },
    { min: '2.11', max: '2.52', value: obj({ host: hostName, binary: hostName, disabled_reason: hostName, forced_down: boolParam }, ['host', 'binary']) },
    { min: '2.53', value: obj({ status: { type: 'string', enum: ['enabled', 'disabled'] }, disabled_reason: hostName, forced_down: boolParam }, []) },
  ]),
  /** enable_disable_service / disable_log_reason; 2.11 update_forced_down; 2.53 update_service (the whole service) */
  response: versioned<Schema | ResponseVariants>([
    { min: '2.1', max: '2.10', value: enableDisable },
    { min: '2.11', max: '2.52', value: new ResponseVariants({ status: enableDisable, 'force-down': forcedDownReply }) },
    { min: '2.53', value: fullService },
  ]),
};

/** DELETE /os-services/{id} */
export const deleteService = { query: always(anyQuery), response: always(null) };

const summary = { id: int, hypervisor_hostname: str, state: str, status: str };

/** tempest v2_1 hypervisors.hypervisor_detail */
const detail = obj({
  ...summary,
  cpu_info: str, current_workload: int, disk_available_least: { type: ['integer', 'null'] },
  host_ip: { type: 'string', anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] },
  free_disk_gb: int, free_ram_mb: int, hypervisor_type: str, hypervisor_version: int,
  local_gb: int, local_gb_used: int, memory_mb: int, memory_mb_used: int, running_vms: int,
  service: obj({ host: str, id: int, disabled_reason: { type: ['string', 'null'] } }),
  vcpus: int, vcpus_used: int,
});

/** 2.28: cpu_info an object */
const cpuInfo = {
  type: 'object',
  properties: {
    arch: str, model: str, vendor: str, features: { type: 'array', items: str },
    topology: obj({ sockets: int, cores: int, threads: int }, []),
  },
  additionalProperties: false,
};
const detailV2_28 = { ...detail, properties: { ...detail.properties, cpu_info: cpuInfo } };
/** 2.53: uuid ids (the hypervisor's and its service's), `servers` with ?with_servers */
const hypervisorServerList = { type: 'array', items: obj({ uuid: { type: 'string', format: 'uuid' }, name: str }) };
const summaryV2_53 = { ...summary, id: uuidId };
const detailV2_53 = {
  ...detailV2_28,
  properties: {
    ...detailV2_28.properties, id: uuidId, servers: hypervisorServerList,
    service: obj({ host: str, id: uuidId, disabled_reason: { type: ['string', 'null'] } }),
  },
};
const hypervisorsOf = (item: object, withLinks: boolean) =>
  obj({ hypervisors: { type: 'array', items: item }, ...(withLinks ? { hypervisors_links: links } : {}) }, ['hypervisors']);
/** Nova's list_query_schema_v233 / v253 (limit, marker; hypervisor_hostname_pattern and with_servers, nothing else) */
const single = (item: object) => ({ anyOf: [item, { type: 'array', items: item, maxItems: 1 }] });
const pagingQuery = { limit: queryValue, marker: queryValue };
const listQuery = versioned<Schema>([
  { min: '2.1', max: '2.32', value: anyQuery },
  { min: '2.33', max: '2.52', value: { type: 'object', properties: pagingQuery, additionalProperties: queryValue } },
  {
    min: '2.53',
    value: {
      type: 'object',
      properties: {
        limit: single({ type: 'string', pattern: '^[0-9]+$' }), marker: single(str),
        hypervisor_hostname_pattern: single({ type: 'string', minLength: 1, maxLength: 255 }), with_servers: single(boolParam),
      },
      additionalProperties: false,
    },
  },
]);

export const listHypervisors = {
  query: listQuery,
  response: versioned([
    { min: '2.1', max: '2.32', value: hypervisorsOf(obj(summary), false) },
    { min: '2.33', max: '2.52', value: hypervisorsOf(obj(summary), true) },
    { min: '2.53', value: hypervisorsOf(obj({ ...summaryV2_53, servers: hypervisorServerList }, Object.keys(summary)), true) },
  ]),
};
export const listHypervisorsDetail = {
  query: listQuery,
  response: versioned([
    { min: '2.1', max: '2.27', value: hypervisorsOf(detail, false) },
    { min: '2.28', max: '2.32', value: hypervisorsOf(detailV2_28, false) },
    { min: '2.33', max: '2.52', value: hypervisorsOf(detailV2_28, true) },
    { min: '2.53', value: hypervisorsOf(detailV2_53, true) },
  ]),
};
export const showHypervisor = {
  query: versioned<Schema>([
    { min: '2.1', max: '2.52', value: anyQuery },
    { min: '2.53', value: { type: 'object', properties: { with_servers: single(boolParam) }, additionalProperties: false } },
  ]),
  response: versioned([
    { min: '2.1', max: '2.27', value: obj({ hypervisor: detail }) },
    { min: '2.28', max: '2.52', value: obj({ hypervisor: detailV2_28 }) },
    { min: '2.53', value: obj({ hypervisor: detailV2_53 }) },
  ]),
};
export const hypervisorUptime = {
  query: always(anyQuery),
  response: versioned([
    { min: '2.1', max: '2.52', value: obj({ hypervisor: obj({ ...summary, uptime: str }) }) },
    { min: '2.53', value: obj({ hypervisor: obj({ ...summaryV2_53, uptime: str }) }) },
  ]),
};
/** 2.1: `servers` only when the host has any */
export const hypervisorServers = {
  query: always(anyQuery),
  response: always(obj({
    hypervisors: {
      type: 'array',
      items: obj({ ...summary, servers: { type: 'array', items: obj({ uuid: str, name: str }) } }, Object.keys(summary)),
    },
  })),
};
export const hypervisorStatistics = {
  query: always(anyQuery),
  response: always(obj({
    hypervisor_statistics: obj({
      count: int, current_workload: int, disk_available_least: { type: ['integer', 'null'] }, free_disk_gb: int,
      free_ram_mb: int, local_gb: int, local_gb_used: int, memory_mb: int, memory_mb_used: int, running_vms: int,
      vcpus: int, vcpus_used: int,
    }),
  })),
};
