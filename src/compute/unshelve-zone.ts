import type { AuthContext } from '../identity/auth-context';
import type { AvailabilityZones } from './availability-zones';
import type { ComputeService } from './service';
import { BadRequest, Conflict } from '../errors';
import { NoValidHost } from '../scheduler/scheduler';
import { requireUnlocked } from './lock';
import { requireState, StateRequirement } from './guards';
import { VmState } from './states';

/** The compute hosts an offloaded server may be unshelved on (2.77's availability zone). */
export interface UnshelveTarget {
  readonly zone: string;
  readonly hosts: readonly string[];
}

const UNSHELVE_ALLOWED: StateRequirement = { vm: [VmState.SHELVED, VmState.SHELVED_OFFLOADED], task: [null] };

/**
 * 2.77's unshelve {"availability_zone": …}, checked in Nova's compute API order: 404, the lock
 * (409), the unshelve states (409), then only a SHELVED_OFFLOADED server may be given a zone (409
 * UnshelveInstanceInvalidState), and the zone must have an enabled compute service (400). Returns
 * undefined when no zone was given (the body was null).
 */
export async function unshelveTarget(
  compute: ComputeService, zones: AvailabilityZones, auth: AuthContext, uuid: string, zone: string | undefined,
): Promise<UnshelveTarget | undefined> {
  if (zone === undefined) return undefined;
  const instance = await compute.get(auth, uuid);
  requireUnlocked(instance, auth);
  requireState(instance, UNSHELVE_ALLOWED, 'unshelve');
  if (instance.vmState !== VmState.SHELVED_OFFLOADED) {
    throw new Conflict(`Specifying an availability zone or a host when unshelving server "${uuid}" with status "${instance.vmState}" is not supported. The server status must be SHELVED_OFFLOADED.`);
  }
  const { available, services } = await zones.listing();
  if (!available.includes(zone)) throw new BadRequest('The requested availability zone is not available');
  const hosts = services.filter((s) => s.binary === 'nova-compute' && s.zone === zone && s.status === 'enabled').map((s) => s.host);
  return { zone, hosts };
}

/** the first enabled host of the zone; none left (disabled since the request): Nova's No valid host */
export function pickZoneHost(target: UnshelveTarget): string {
  if (target.hosts.length === 0) throw new NoValidHost();
  return target.hosts[0];
}
