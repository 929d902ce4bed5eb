import { always } from '../../microversion';
import { anyQuery } from '../../parameter-types';

/** Nova's service timestamps: microseconds, no zone ("2012-10-29T13:42:02.000000"). */
const dateTime = { type: 'string', pattern: '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}$' } as const;
const obj = (properties: Record<string, object>, required: string[] = Object.keys(properties)) =>
  ({ type: 'object', properties, required, additionalProperties: false });
const int = { type: 'integer' } as const;
const str = { type: 'string' } as const;
const hostName = { type: 'string', minLength: 1, maxLength: 255 } as const;

/** tempest v2_1 services.list_services (2.1: integer ids, no forced_down) */
export const listServices = {
  query: always(anyQuery),
  response: always(obj({
    services: {
      type: 'array',
      items: obj({
        id: int, zone: str, host: str, state: str, binary: str, status: str,
        updated_at: { anyOf: [dateTime, { type: 'null' }] }, disabled_reason: { type: ['string', 'null'] },
      }),
    },
  })),
};

/** Nova's schemas/services.py service_update (2.1–2.10) */
export const updateService = {
  query: always(anyQuery),
  body: always(obj({ host: hostName, binary: hostName, disabled_reason: hostName }, ['host', 'binary'])),
  /** enable_disable_service, or disable_log_reason with the reason */
  response: always(obj({
    service: obj({ status: str, binary: str, host: str, disabled_reason: str }, ['status', 'binary', 'host']),
  })),
};

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

export const listHypervisors = { query: always(anyQuery), response: always(obj({ hypervisors: { type: 'array', items: obj(summary) } })) };
export const listHypervisorsDetail = { query: always(anyQuery), response: always(obj({ hypervisors: { type: 'array', items: detail } })) };
export const showHypervisor = { query: always(anyQuery), response: always(obj({ hypervisor: detail })) };
export const hypervisorUptime = { query: always(anyQuery), response: always(obj({ hypervisor: obj({ ...summary, uptime: str }) })) };
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
