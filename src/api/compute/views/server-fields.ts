import { createHash } from 'node:crypto';
import type { InstanceRecord } from '../../../db/stores/instances';
import type { AuthContext } from '../../../identity/auth-context';
import type { NetworkAddress } from '../../../drivers/driver';
import { statusOf } from '../../../compute/states';
import { Microversion, MIN_VERSION, versioned, Versioned, VersionedEntry } from '../../microversion';
import { links, nullableString } from '../../parameter-types';
import type { Schema } from '../../validation';
import { bookmarkOnly, isoMicros, isoSeconds, resourceLinks } from '../links';

/**
 * THE SERVER REPRESENTATION, ONE TABLE FOR VIEW AND SCHEMA.
 *
 * Nova renders a server in four places, each with its own set of keys per microversion:
 *   'show'    GET /servers/{id}
 *   'detail'  each item of GET /servers/detail
 *   'update'  the reply of PUT /servers/{id}
 *   'rebuild' the reply of the rebuild action
 * Each row of SERVER_FIELDS is one key: in which bodies and from (to) which version it appears,
 * its JSON schema (as tempest's api_schema checks it), whether tempest requires it, and how its
 * value is computed. The view (renderServer) and the per-version response schemas
 * (serverSchemaTable) are both derived from this table, so adding a field at a microversion is
 * one row here, e.g.
 *   { key: 'new_field', in: everywhere('2.NN'), required: true, schema: { type: 'string' }, value: (i) => ... }
 */
export type ServerBodyKind = 'show' | 'detail' | 'update' | 'rebuild';
export const SERVER_BODY_KINDS: readonly ServerBodyKind[] = ['show', 'detail', 'update', 'rebuild'];

/**
 * Data the view needs beyond the instance row, loaded once per request (server-extras.ts):
 * only what the version asks for is loaded.
 */
export interface ServerExtras {
  /** 2.16 host_status by compute host (admins only) */
  readonly hostStatus?: ReadonlyMap<string, string>;
  /** 2.71 server group uuids by instance uuid */
  readonly serverGroups?: ReadonlyMap<string, readonly string[]>;
  /** 2.47 extra specs by flavor id (absent: the caller may not see them) */
  readonly flavorExtraSpecs?: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

export interface ServerViewContext {
  readonly publicUrl: string;
  readonly auth: AuthContext;
  /** the request's microversion (absent: 2.1) */
  readonly version?: Microversion;
  readonly extras?: ServerExtras;
  /** the rebuild reply's admin password */
  readonly adminPass?: string;
}

/** A value function returns OMIT to leave its key out of this body (e.g. progress outside progress statuses). */
export const OMIT = Symbol('omit');

/** From which version (or [first, last] versions) a field appears in each body; a body not named never has it. */
export type FieldRanges = Partial<Record<ServerBodyKind, string | readonly [string, string]>>;

export interface ServerField {
  readonly key: string;
  readonly in: FieldRanges;
  readonly schema: object;
  /** tempest requires the key wherever it is shown (leave false for keys shown conditionally) */
  readonly required?: boolean;
  /** Nova's os-extended-server-attributes / host_status policies: admins only */
  readonly adminOnly?: boolean;
  readonly value: (i: InstanceRecord, v: ServerViewContext) => unknown;
}

/** The same first version in every body. */
export const everywhere = (since: string): FieldRanges => ({ show: since, detail: since, update: since, rebuild: since });
/** GET bodies from `since`; PUT and rebuild replies from 2.75, which made them carry the whole server. */
const detailed = (since = '2.1'): FieldRanges => ({ show: since, detail: since, update: max(since, '2.75'), rebuild: max(since, '2.75') });
const max = (a: string, b: string) => (Microversion.parse(a).compare(Microversion.parse(b)) >= 0 ? a : b);

// ---- schema fragments (tempest's v2_1/parameter_types and per-version additions) ----

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const idAndLinks = { type: 'object', properties: { id: str, links }, required: ['id', 'links'], additionalProperties: false } as const;
const plainAddress = {
  type: 'object',
  properties: { version: { type: 'integer', enum: [4, 6] }, addr: { type: 'string', anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] } },
  required: ['version', 'addr'],
  additionalProperties: false,
} as const;
const extendedAddress = {
  ...plainAddress,
  properties: {
    ...plainAddress.properties,
    'OS-EXT-IPS:type': str, 'OS-EXT-IPS-MAC:mac_addr': { type: 'string', pattern: '^(?:[a-f0-9]{2}:){5}[a-f0-9]{2}$' },
  },
} as const;
export const addressesOf = (item: object) => ({
  type: 'object', patternProperties: { '^[a-zA-Z0-9-_.]+$': { type: 'array', items: item } }, additionalProperties: false,
} as const);
const accessIp = (format: string) => ({ type: 'string', anyOf: [{ format }, { maxLength: 0 }] } as const);
const embeddedFlavor = {
  type: 'object',
  properties: {
    original_name: str, disk: int, ephemeral: int, ram: int, swap: int, vcpus: int,
    extra_specs: { type: 'object', additionalProperties: { type: 'string' }, propertyNames: { pattern: '^[a-zA-Z0-9_\\-. :]+$' } },
  },
  required: ['original_name', 'disk', 'ephemeral', 'ram', 'swap', 'vcpus'],
  additionalProperties: false,
} as const;
const volumesAttached = (item: object) => ({ type: 'array', items: { type: 'object', properties: item, additionalProperties: false } } as const);
const tagItems = { type: 'array', maxItems: 50, items: { type: 'string', pattern: '^[^,/]*$', maxLength: 60 } } as const;
const userData = { anyOf: [{ type: 'string', maxLength: 65535, pattern: '^[A-Za-z0-9+/=\\s]*$' }, { type: 'null' }] } as const;

// ---- value helpers ----

const PROGRESS_STATUSES = new Set(['ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING']);
const FAULT_STATUSES = new Set(['ERROR', 'DELETED']);

/** Nova's hostId: an opaque per-project hash of the host, so tenants can tell co-location apart. */
export function hostId(i: InstanceRecord): string {
  if (!i.host) return '';
  const input = i.projectId + i.host;
  let id = hostIds.get(input);
  if (id === undefined) {
    id = createHash('sha224').update(input).digest('hex');
    if (hostIds.size >= 10_000) hostIds.clear(); // projects × hosts: bounded anyway, but never unbounded
    hostIds.set(input, id);
  }
  return id;
}
const hostIds = new Map<string, string>();

/** Addresses with the OS-EXT-IPS extension keys, or (extended false) plain version and addr. */
export function addressesView(list: readonly NetworkAddress[], extended = true) {
  const out: Record<string, object[]> = {};
  for (const a of list) {
    (out[a.network] ??= []).push({
      version: a.version, addr: a.addr,
      ...(extended && { 'OS-EXT-IPS:type': 'fixed' }),
      ...(extended && a.mac ? { 'OS-EXT-IPS-MAC:mac_addr': a.mac.toLowerCase() } : {}),
    });
  }
  return out;
}

/** Nova shows fault details (a stack) only to admins, and only for 500s. */
function faultView(f: NonNullable<InstanceRecord['fault']>, isAdmin: boolean) {
  return {
    code: f.code, message: f.message, created: isoSeconds(f.createdAt),
    ...(isAdmin && f.code === 500 && f.details ? { details: f.details } : {}),
  };
}

const status = (i: InstanceRecord) => statusOf(i.vmState, i.taskState);

/** Nova's get_instance_host_status: '' without a host; UP/DOWN/MAINTENANCE/UNKNOWN from its nova-compute. */
function hostStatusOf(i: InstanceRecord, v: ServerViewContext): string | typeof OMIT {
  const map = v.extras?.hostStatus;
  if (!map) return OMIT;
  return i.host ? map.get(i.host) ?? '' : '';
}

// ---- the table ----

export const SERVER_FIELDS: readonly ServerField[] = [
  // the body of every reply (tempest's common_show_server)
  { key: 'id', in: everywhere('2.1'), required: true, schema: str, value: (i) => i.uuid },
  { key: 'name', in: everywhere('2.1'), required: true, schema: str, value: (i) => i.displayName },
  { key: 'status', in: everywhere('2.1'), required: true, schema: str, value: status },
  { key: 'tenant_id', in: everywhere('2.1'), required: true, schema: str, value: (i) => i.projectId },
  { key: 'user_id', in: everywhere('2.1'), required: true, schema: str, value: (i) => i.userId },
  { key: 'metadata', in: everywhere('2.1'), required: true, schema: { type: 'object', additionalProperties: str }, value: (i) => ({ ...i.metadata }) },
  { key: 'hostId', in: everywhere('2.1'), required: true, schema: str, value: hostId },
  {
    key: 'image', in: everywhere('2.1'), required: true, schema: { anyOf: [idAndLinks, { type: ['string', 'null'] }] },
    value: (i, v) => ({ id: i.imageRef, links: bookmarkOnly(v.publicUrl, 'images', i.imageRef) }),
  },
  {
    key: 'flavor', in: { show: ['2.1', '2.46'], detail: ['2.1', '2.46'], update: ['2.1', '2.46'], rebuild: ['2.1', '2.46'] },
    required: true, schema: idAndLinks, value: (i, v) => ({ id: i.flavor.id, links: bookmarkOnly(v.publicUrl, 'flavors', i.flavor.id) }),
  },
  {
    // 2.47: the flavor as booted, embedded, with its extra specs when policy lets the caller see them
    key: 'flavor', in: everywhere('2.47'), required: true, schema: embeddedFlavor,
    value: (i, v) => {
      const specs = v.extras?.flavorExtraSpecs?.get(i.flavor.id);
      return {
        vcpus: i.flavor.vcpus, ram: i.flavor.memoryMb, disk: i.flavor.rootGb, ephemeral: i.flavor.ephemeralGb, swap: i.flavor.swap,
        original_name: i.flavor.name, ...(specs && { extra_specs: { ...specs } }),
      };
    },
  },
  { key: 'created', in: everywhere('2.1'), required: true, schema: { type: 'string', format: 'date-time' }, value: (i) => isoSeconds(i.createdAt) },
  { key: 'updated', in: everywhere('2.1'), required: true, schema: { type: 'string', format: 'date-time' }, value: (i) => isoSeconds(i.updatedAt) },
  {
    key: 'addresses', in: { update: ['2.1', '2.74'], rebuild: ['2.1', '2.74'] }, required: true, schema: addressesOf(plainAddress),
    value: (i) => addressesView(i.addresses, false),
  },
  { key: 'addresses', in: detailed(), required: true, schema: addressesOf(extendedAddress), value: (i) => addressesView(i.addresses, true) },
  { key: 'accessIPv4', in: everywhere('2.1'), schema: accessIp('ipv4'), value: (i) => i.accessIPv4 ?? '' },
  { key: 'accessIPv6', in: everywhere('2.1'), schema: accessIp('ipv6'), value: (i) => i.accessIPv6 ?? '' },
  { key: 'links', in: everywhere('2.1'), required: true, schema: links, value: (i, v) => resourceLinks(v.publicUrl, 'servers', i.uuid) },
  { key: 'OS-DCF:diskConfig', in: everywhere('2.1'), schema: str, value: (i) => i.diskConfig },
  { key: 'progress', in: everywhere('2.1'), schema: int, value: (i) => (PROGRESS_STATUSES.has(status(i)) ? i.progress : OMIT) },
  {
    key: 'fault', in: everywhere('2.1'),
    schema: {
      type: 'object',
      properties: { code: int, created: str, message: str, details: str },
      required: ['code', 'created', 'message'], additionalProperties: false,
    },
    value: (i, v) => (FAULT_STATUSES.has(status(i)) && i.fault ? faultView(i.fault, v.auth.isAdmin) : OMIT),
  },

  // GET bodies (and, from 2.75, PUT and rebuild replies)
  { key: 'key_name', in: { ...detailed(), rebuild: '2.54' }, schema: nullableString, value: (i) => i.keyName },
  { key: 'security_groups', in: detailed(), schema: { type: 'array' }, value: () => [{ name: 'default' }] },
  { key: 'OS-SRV-USG:launched_at', in: detailed(), schema: nullableString, value: (i) => isoMicros(i.launchedAt) },
  { key: 'OS-SRV-USG:terminated_at', in: detailed(), schema: nullableString, value: (i) => isoMicros(i.terminatedAt) },
  { key: 'OS-EXT-AZ:availability_zone', in: detailed(), schema: str, value: (i) => i.availabilityZone },
  { key: 'OS-EXT-STS:task_state', in: detailed(), schema: nullableString, value: (i) => i.taskState },
  { key: 'OS-EXT-STS:vm_state', in: detailed(), schema: str, value: (i) => i.vmState },
  { key: 'OS-EXT-STS:power_state', in: detailed(), schema: { type: 'integer', enum: [0, 1, 3, 4, 6, 7] }, value: (i) => i.powerState },
  {
    key: 'os-extended-volumes:volumes_attached', in: { show: ['2.1', '2.2'], detail: ['2.1', '2.2'] },
    schema: volumesAttached({ id: str }), value: () => [],
  },
  // 2.3: each attachment also tells delete_on_termination (no volumes are attached to containers)
  { key: 'os-extended-volumes:volumes_attached', in: detailed('2.3'), schema: volumesAttached({ id: str, delete_on_termination: { type: 'boolean' } }), value: () => [] },
  { key: 'config_drive', in: detailed(), schema: str, value: (i) => i.configDrive },

  // os-extended-server-attributes (admins)
  { key: 'OS-EXT-SRV-ATTR:host', in: detailed(), adminOnly: true, schema: nullableString, value: (i) => i.host },
  { key: 'OS-EXT-SRV-ATTR:instance_name', in: detailed(), adminOnly: true, schema: str, value: (i) => `instance-${i.uuid}` },
  { key: 'OS-EXT-SRV-ATTR:hypervisor_hostname', in: detailed(), adminOnly: true, schema: nullableString, value: (i) => i.node },
  // 2.3: the attributes the EC2 API needed
  { key: 'OS-EXT-SRV-ATTR:reservation_id', in: detailed('2.3'), adminOnly: true, schema: nullableString, value: (i) => i.reservationId },
  { key: 'OS-EXT-SRV-ATTR:launch_index', in: detailed('2.3'), adminOnly: true, schema: int, value: (i) => i.launchIndex },
  { key: 'OS-EXT-SRV-ATTR:hostname', in: detailed('2.3'), adminOnly: true, schema: str, value: (i) => i.hostname },
  { key: 'OS-EXT-SRV-ATTR:kernel_id', in: detailed('2.3'), adminOnly: true, schema: nullableString, value: () => '' },
  { key: 'OS-EXT-SRV-ATTR:ramdisk_id', in: detailed('2.3'), adminOnly: true, schema: nullableString, value: () => '' },
  { key: 'OS-EXT-SRV-ATTR:root_device_name', in: detailed('2.3'), adminOnly: true, schema: nullableString, value: () => null },
  // the rebuild reply carries user_data under its own key from 2.57 instead
  { key: 'OS-EXT-SRV-ATTR:user_data', in: { ...detailed('2.3'), rebuild: undefined }, adminOnly: true, schema: userData, value: (i) => i.userData },

  // 2.9
  { key: 'locked', in: everywhere('2.9'), required: true, schema: { type: 'boolean' }, value: (i) => i.locked },
  // 2.16 (admins: Nova's show:host_status policy)
  { key: 'host_status', in: detailed('2.16'), adminOnly: true, schema: { type: 'string', enum: ['UP', 'DOWN', 'MAINTENANCE', 'UNKNOWN', ''] }, value: hostStatusOf },
  // 2.19
  { key: 'description', in: everywhere('2.19'), required: true, schema: nullableString, value: (i) => i.description ?? null },
  // 2.26: server tags
  { key: 'tags', in: everywhere('2.26'), required: true, schema: tagItems, value: (i) => [...(i.tags ?? [])] },
  // 2.57: rebuild can change user_data, and its reply shows it
  { key: 'user_data', in: { rebuild: '2.57' }, required: true, schema: userData, value: (i) => i.userData },
  // 2.63: trusted image certificates (not supported: always null)
  {
    key: 'trusted_image_certificates', in: everywhere('2.63'), required: true,
    schema: { type: ['array', 'null'], minItems: 1, maxItems: 50, uniqueItems: true, items: { type: 'string', minLength: 1 } },
    value: () => null,
  },
  // 2.71: the groups the server is a member of (not in list details)
  {
    key: 'server_groups', in: { show: '2.71', update: '2.71', rebuild: '2.71' }, required: true,
    schema: { type: 'array', maxItems: 1, items: { type: 'string', format: 'uuid' } },
    value: (i, v) => [...(v.extras?.serverGroups?.get(i.uuid) ?? [])],
  },
  // 2.73
  { key: 'locked_reason', in: everywhere('2.73'), required: true, schema: nullableString, value: (i) => (i.locked ? i.lockedReason ?? null : null) },

  // the rebuild reply's password (tempest's rebuild_server_with_admin_pass)
  { key: 'adminPass', in: { rebuild: '2.1' }, required: true, schema: str, value: (_i, v) => v.adminPass ?? OMIT },
];

// ---- derived: the view ----

function rangeOf(f: ServerField, kind: ServerBodyKind): [Microversion, Microversion | null] | null {
  const r = f.in[kind];
  if (r === undefined) return null;
  return typeof r === 'string' ? [Microversion.parse(r), null] : [Microversion.parse(r[0]), Microversion.parse(r[1])];
}

/** the fields of a kind at a version, computed once per kind and version (a list renders each server with them) */
const fieldsCache = new Map<string, ServerField[]>();

function fieldsAt(kind: ServerBodyKind, version: Microversion): ServerField[] {
  const cacheKey = `${kind} ${version.toString()}`;
  let fields = fieldsCache.get(cacheKey);
  if (!fields) {
    fields = SERVER_FIELDS.filter((f) => {
      const r = rangeOf(f, kind);
      return r !== null && version.matches(r[0], r[1]);
    });
    fieldsCache.set(cacheKey, fields);
  }
  return fields;
}

/** One server body of the given kind, as Nova renders it at the context's microversion. */
export function renderServer(kind: ServerBodyKind, i: InstanceRecord, v: ServerViewContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fieldsAt(kind, v.version ?? MIN_VERSION)) {
    if (f.adminOnly && !v.auth.isAdmin) continue;
    const value = f.value(i, v);
    if (value !== OMIT) out[f.key] = value;
  }
  return out;
}

// ---- derived: the response schemas per version ----

/** The body schema of one kind at one version: every field of the table there, additionalProperties false. */
export function serverBodySchema(kind: ServerBodyKind, version: Microversion): Schema {
  const fields = fieldsAt(kind, version);
  return {
    type: 'object',
    properties: Object.fromEntries(fields.map((f) => [f.key, f.schema])),
    required: fields.filter((f) => f.required).map((f) => f.key),
    additionalProperties: false,
  };
}

/** The versions at which some field of a kind appears or disappears, from 2.1 up. */
function breakpoints(kind: ServerBodyKind): Microversion[] {
  const points = new Map<string, Microversion>([[MIN_VERSION.toString(), MIN_VERSION]]);
  for (const f of SERVER_FIELDS) {
    const r = rangeOf(f, kind);
    if (!r) continue;
    points.set(r[0].toString(), r[0]);
    if (r[1]) {
      const after = new Microversion(r[1].major, r[1].minor + 1);
      points.set(after.toString(), after);
    }
  }
  return [...points.values()].sort((a, b) => a.compare(b));
}

/** A contiguous version table of `wrap(body schema)` for one kind, one entry per breakpoint. */
export function serverSchemaTable(kind: ServerBodyKind, wrap: (body: Schema) => Schema): Versioned<Schema> {
  const points = breakpoints(kind);
  const entries: VersionedEntry<Schema>[] = points.map((p, n) => {
    const next = points[n + 1];
    return { min: p.toString(), ...(next && { max: new Microversion(next.major, next.minor - 1).toString() }), value: wrap(serverBodySchema(kind, p)) };
  });
  return versioned(entries);
}
