import { createHash } from 'node:crypto';
import type { InstanceRecord } from '../../../db/stores/instances';
import type { AuthContext } from '../../../identity/auth-context';
import type { NetworkAddress } from '../../../drivers/driver';
import { statusOf } from '../../../compute/states';
import { bookmarkOnly, isoMicros, isoSeconds, resourceLinks } from '../links';

export interface ViewContext {
  readonly publicUrl: string;
  readonly auth: AuthContext;
}

/** Statuses for which Nova shows `progress` and `fault`. */
const PROGRESS_STATUSES = new Set(['ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING']);
const FAULT_STATUSES = new Set(['ERROR', 'DELETED']);

export function serverLinks(i: InstanceRecord, v: ViewContext) {
  return resourceLinks(v.publicUrl, 'servers', i.uuid);
}

export function serverSummary(i: InstanceRecord, v: ViewContext) {
  return { id: i.uuid, name: i.displayName, links: serverLinks(i, v) };
}

/** Nova's hostId: an opaque per-project hash of the host, so tenants can tell co-location apart. */
export function hostId(i: InstanceRecord): string {
  return i.host ? createHash('sha224').update(i.projectId + i.host).digest('hex') : '';
}

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

/** The server body without extension attributes, as Nova answers PUT /servers/{id}. */
export function serverCommon(i: InstanceRecord, v: ViewContext, extendedAddresses = false) {
  const status = statusOf(i.vmState, i.taskState);
  return {
    id: i.uuid, name: i.displayName, status, tenant_id: i.projectId, user_id: i.userId, metadata: { ...i.metadata },
    hostId: hostId(i),
    image: { id: i.imageRef, links: bookmarkOnly(v.publicUrl, 'images', i.imageRef) },
    flavor: { id: i.flavor.id, links: bookmarkOnly(v.publicUrl, 'flavors', i.flavor.id) },
    created: isoSeconds(i.createdAt), updated: isoSeconds(i.updatedAt),
    addresses: addressesView(i.addresses, extendedAddresses),
    accessIPv4: i.accessIPv4 ?? '', accessIPv6: i.accessIPv6 ?? '',
    links: serverLinks(i, v),
    'OS-DCF:diskConfig': i.diskConfig,
    ...(PROGRESS_STATUSES.has(status) && { progress: i.progress }),
    ...(FAULT_STATUSES.has(status) && i.fault && { fault: faultView(i.fault, v.auth.isAdmin) }),
  };
}

/** The full server body of GET /servers/{id} and /servers/detail at 2.1. */
export function serverDetail(i: InstanceRecord, v: ViewContext) {
  return {
    ...serverCommon(i, v, true),
    key_name: i.keyName,
    security_groups: [{ name: 'default' }],
    'OS-SRV-USG:launched_at': isoMicros(i.launchedAt),
    'OS-SRV-USG:terminated_at': isoMicros(i.terminatedAt),
    'OS-EXT-AZ:availability_zone': i.availabilityZone,
    'OS-EXT-STS:task_state': i.taskState,
    'OS-EXT-STS:vm_state': i.vmState,
    'OS-EXT-STS:power_state': i.powerState,
    'os-extended-volumes:volumes_attached': [],
    config_drive: i.configDrive,
    ...(v.auth.isAdmin && adminAttributes(i)),
  };
}

function adminAttributes(i: InstanceRecord) {
  return {
    'OS-EXT-SRV-ATTR:host': i.host,
    'OS-EXT-SRV-ATTR:hypervisor_hostname': i.node,
    'OS-EXT-SRV-ATTR:instance_name': `instance-${i.uuid}`,
  };
}

/** Nova shows fault details (a stack) only to admins, and only for 500s. */
function faultView(f: NonNullable<InstanceRecord['fault']>, isAdmin: boolean) {
  return {
    code: f.code, message: f.message, created: isoSeconds(f.createdAt),
    ...(isAdmin && f.code === 500 && f.details ? { details: f.details } : {}),
  };
}
