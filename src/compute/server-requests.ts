import type { AuthContext } from '../identity/auth-context';
import type { DriverCapabilities } from '../drivers/driver';
import type { InstanceStore } from '../db/stores/instances';
import { BadRequest, Forbidden } from '../errors';
import { VmState } from './states';

/**
 * Checks and build-time decisions for the fields later microversions added to POST /servers
 * (Nova's servers.py create and compute/api.py _validate_and_build_base_options).
 */

/** 2.74's requested destination: a compute host and/or hypervisor node (here a node is its host). */
export interface RequestedDestination {
  readonly requestedHost?: string;
  readonly requestedNode?: string;
}

/**
 * Nova's compute:servers:create:requested_destination (admin only: 403), then
 * _validate_host_or_node: a host or node that does not exist is 400 "Compute host … could not be found."
 */
export function checkRequestedDestination(auth: AuthContext, hosts: readonly string[], req: RequestedDestination): void {
  const { requestedHost: host, requestedNode: node } = req;
  if (!host && !node) return;
  if (!auth.isAdmin) throw new Forbidden("Policy doesn't allow compute:servers:create:requested_destination to be performed.");
  for (const name of [host, node]) {
    if (name && !hosts.includes(name)) throw new BadRequest(`Compute host ${name} could not be found.`);
  }
  if (host && node && host !== node) throw new BadRequest(`Compute host ${node} could not be found.`);
}

/**
 * The scheduler's choice under a requested destination: with no server group every instance goes
 * to the requested host (still subject to the enabled check the scheduler made: a null stays null);
 * under a group, a host the group's filters chose elsewhere fails (null: No valid host).
 */
export function applyRequestedDestination(hosts: (string | null)[], req: RequestedDestination, grouped: boolean): (string | null)[] {
  const wanted = req.requestedHost ?? req.requestedNode;
  if (!wanted) return hosts;
  return hosts.map((h) => (h === null ? null : grouped ? (h === wanted ? h : null) : wanted));
}

/** What a build needs of the host's driver beyond spawning (Nova's compute manager checks, BuildAbortException). */
export interface BuildNeeds {
  /** a tag on a requested network (2.32, ≥2.42) or block device */
  readonly deviceTags?: boolean;
  /** 2.63's trusted_image_certificates */
  readonly trustedCerts?: readonly string[] | null;
}

/** Nova's _check_device_tagging and _check_trusted_certs: the reason the build aborts, or null. */
export function buildAbortReason(caps: DriverCapabilities, needs: BuildNeeds): string | null {
  if (needs.deviceTags && !caps.deviceTagging) return 'Attempt to boot guest with tagged devices on host that does not support tagging.';
  if (needs.trustedCerts?.length && !caps.trustedImageCertificates) {
    return 'Trusted image certificates provided on host that does not support certificate validation.';
  }
  return null;
}

/** Nova's BuildAbortException on the compute host: the instance ends in ERROR with the fault (code 500). */
export async function abortBuild(instances: InstanceStore, uuid: string, reason: string): Promise<void> {
  await instances.setFault(uuid, { code: 500, message: `Build of instance ${uuid} aborted: ${reason}`, details: '', createdAt: new Date() });
  await instances.update(uuid, { vmState: VmState.ERROR, taskState: null });
}

/** any tag on a requested network (the BDMs carrying tags are refused before this) */
export function hasDeviceTags(networks: unknown): boolean {
  return Array.isArray(networks) && networks.some((n) => n && typeof n === 'object' && typeof (n as { tag?: unknown }).tag === 'string');
}
