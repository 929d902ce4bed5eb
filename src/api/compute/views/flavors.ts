import type { FlavorRecord } from '../../../db/stores/flavors';
import { resourceLinks } from '../links';

export const flavorSummary = (f: FlavorRecord, publicUrl: string) => ({ id: f.id, name: f.name, links: resourceLinks(publicUrl, 'flavors', f.id) });

/** The 2.1 flavor body; swap 0 shows as "" (Nova's long-standing quirk, which clients expect). */
export function flavorDetail(f: FlavorRecord, publicUrl: string) {
  return {
    ...flavorSummary(f, publicUrl),
    ram: f.memoryMb, vcpus: f.vcpus, disk: f.rootGb, swap: f.swap === 0 ? '' : f.swap,
    'OS-FLV-EXT-DATA:ephemeral': f.ephemeralGb, 'OS-FLV-DISABLED:disabled': f.disabled,
    'os-flavor-access:is_public': f.isPublic, rxtx_factor: f.rxtxFactor,
  };
}
