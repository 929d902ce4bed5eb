import { always, versioned } from '../../microversion';
import { anyQuery, queryValue } from '../../parameter-types';
import type { Schema } from '../../validation';

const obj = (properties: Record<string, object>, required: string[] = Object.keys(properties)) =>
  ({ type: 'object', properties, required, additionalProperties: false });
const int = { type: 'integer' } as const;
const num = { type: 'number' } as const;
const str = { type: 'string' } as const;
const nullInt = { type: ['integer', 'null'] } as const;
const multi = (item: object) => ({ anyOf: [item, { type: 'array', items: item }] });
const nonNegative = multi({ type: 'string', pattern: '^[0-9]+$' });

/** Python's naive isoformat(): "2012-10-08T20:10:44.541277", or without the fraction */
const naiveDateTime = { type: 'string', pattern: '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{6})?$' } as const;
const nextLinks = {
  type: 'array', minItems: 1,
  items: obj({ rel: { const: 'next' }, href: str }),
} as const;

// ---- os-simple-tenant-usage (Nova's schemas/simple_tenant_usage.py; tempest v2_1/tenant_usages.py) ----

/** 2.1–2.39: start/end(/detailed); other keys pass; 2.40 adds limit/marker; 2.75 refuses other keys */
const usageQuery = (detailed: boolean) => {
  const base = { start: queryValue, end: queryValue, ...(detailed && { detailed: queryValue }) };
  const paged = { ...base, limit: nonNegative, marker: queryValue };
  return versioned<Schema>([
    { min: '2.1', max: '2.39', value: { type: 'object', properties: base, additionalProperties: queryValue } },
    { min: '2.40', max: '2.74', value: { type: 'object', properties: paged, additionalProperties: queryValue } },
    { min: '2.75', value: { type: 'object', properties: paged, additionalProperties: false } },
  ]);
};

const serverUsage = obj({
  ended_at: { anyOf: [naiveDateTime, { type: 'null' }] }, flavor: str, hours: num, instance_id: str, local_gb: int,
  memory_mb: int, name: str, started_at: naiveDateTime, state: str, tenant_id: str, uptime: int, vcpus: int,
});

const totals = {
  start: naiveDateTime, stop: naiveDateTime, tenant_id: str, total_hours: num, total_local_gb_usage: num,
  total_memory_mb_usage: num, total_vcpus_usage: num,
};
const tenantUsageList = obj({ ...totals, server_usages: { type: 'array', items: serverUsage } }, Object.keys(totals));
/** show always has server_usages; a project with no usage in the window is Nova's `{}` */
const tenantUsageShow = { anyOf: [obj({ ...totals, server_usages: { type: 'array', items: serverUsage } }), { type: 'object', properties: {}, additionalProperties: false }] };

export const listTenantUsage = {
  query: usageQuery(true),
  response: versioned<Schema>([
    { min: '2.1', max: '2.39', value: obj({ tenant_usages: { type: 'array', items: tenantUsageList } }) },
    { min: '2.40', value: obj({ tenant_usages: { type: 'array', items: tenantUsageList }, tenant_usages_links: nextLinks }, ['tenant_usages']) },
  ]),
};

export const showTenantUsage = {
  query: usageQuery(false),
  response: versioned<Schema>([
    { min: '2.1', max: '2.39', value: obj({ tenant_usage: tenantUsageShow }) },
    { min: '2.40', value: obj({ tenant_usage: tenantUsageShow, tenant_usage_links: nextLinks }, ['tenant_usage']) },
  ]),
};

// ---- os-instance_usage_audit_log (tempest v2_1/instance_usage_audit_logs.py) ----

const pyDateTime = { type: 'string', pattern: '^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d$' } as const;
const auditLog = obj({
  hosts_not_run: { type: 'array', items: str },
  log: {
    type: 'object',
    patternProperties: { '^.+$': obj({ state: str, instances: int, errors: int, message: str }) },
    additionalProperties: false,
  },
  num_hosts: int, num_hosts_done: int, num_hosts_not_run: int, num_hosts_running: int, overall_status: str,
  period_beginning: pyDateTime, period_ending: pyDateTime, total_errors: int, total_instances: int,
});

export const listAuditLogs = { query: always(anyQuery), response: always(obj({ instance_usage_audit_logs: auditLog })) };
export const showAuditLog = { query: always(anyQuery), response: always(obj({ instance_usage_audit_log: auditLog })) };

// ---- os-server-external-events (Nova's schemas/server_external_events.py; tempest v2_1) ----

const BASE_EVENTS = ['network-changed', 'network-vif-plugged', 'network-vif-unplugged', 'network-vif-deleted'];
const EVENT_STATUSES = ['failed', 'completed', 'in-progress'];

const eventsBody = (names: string[]): Schema => obj({
  events: {
    type: 'array', minItems: 1,
    items: obj({
      server_uuid: { type: 'string', format: 'uuid' }, name: { type: 'string', enum: names },
      status: { type: 'string', enum: EVENT_STATUSES }, tag: { type: 'string', maxLength: 255 },
    }, ['server_uuid', 'name']),
  },
});

export const createExternalEvents = {
  query: always(anyQuery),
  body: versioned<Schema>([
    { min: '2.1', max: '2.50', value: eventsBody(BASE_EVENTS) },
    { min: '2.51', max: '2.75', value: eventsBody([...BASE_EVENTS, 'volume-extended']) },
    { min: '2.76', value: eventsBody([...BASE_EVENTS, 'volume-extended', 'power-update']) },
  ]),
  /** the events as sent, each with its outcome (200 and 207 alike) */
  response: always(obj({
    events: {
      type: 'array', minItems: 1,
      items: obj({
        server_uuid: { type: 'string', format: 'uuid' }, name: str,
        status: { type: 'string', enum: ['failed', 'completed'] }, tag: { type: 'string', maxLength: 255 },
        code: { type: 'integer', enum: [200, 400, 404, 422] },
      }, ['server_uuid', 'name', 'status', 'code']),
    },
  })),
};

// ---- GET /servers/{id}/diagnostics (tempest v2_1 and v2_48 servers.show_server_diagnostics) ----

/** before 2.48: the driver's own counters, flat */
const rawDiagnostics = { type: 'object', additionalProperties: { type: 'number' } } as const;

const diagnosticsV248 = obj({
  state: { type: 'string', enum: ['pending', 'running', 'paused', 'shutdown', 'crashed', 'suspended'] },
  driver: { type: 'string', enum: ['libvirt', 'xenapi', 'vmwareapi', 'ironic', 'hyperv'] },
  hypervisor: { type: ['string', 'null'] },
  hypervisor_os: { type: ['string', 'null'] },
  uptime: nullInt,
  config_drive: { type: 'boolean' },
  num_cpus: int, num_nics: int, num_disks: int,
  memory_details: obj({ maximum: nullInt, used: nullInt }),
  cpu_details: { type: 'array', items: obj({ id: nullInt, time: nullInt, utilisation: nullInt }) },
  nic_details: {
    type: 'array',
    items: obj({
      mac_address: { anyOf: [{ type: 'string', pattern: '^(?:[a-f0-9]{2}:){5}[a-f0-9]{2}$' }, { type: 'null' }] },
      rx_octets: nullInt, rx_errors: nullInt, rx_drop: nullInt, rx_packets: nullInt, rx_rate: nullInt,
      tx_octets: nullInt, tx_errors: nullInt, tx_drop: nullInt, tx_packets: nullInt, tx_rate: nullInt,
    }),
  },
  disk_details: {
    type: 'array',
    items: obj({ read_bytes: nullInt, read_requests: nullInt, write_bytes: nullInt, write_requests: nullInt, errors_count: nullInt }),
  },
});

export const serverDiagnostics = {
  query: always(anyQuery),
  response: versioned<Schema>([
    { min: '2.1', max: '2.47', value: rawDiagnostics },
    { min: '2.48', value: diagnosticsV248 },
  ]),
};

