import type { FlavorRecord } from '../../../db/stores/flavors';
import type { Microversion } from '../../microversion';
import { resourceLinks } from '../links';

/** What a flavor reply shows at a microversion: description from 2.55, extra_specs (given) from 2.61, swap 0 from 2.75. */
export interface FlavorViewOptions {
  readonly version?: Microversion;
  /** the flavor's extra specs, shown from 2.61 */
  readonly extraSpecs?: Record<string, string>;
}

const at = (o: FlavorViewOptions | undefined, v: string) => !!o?.version?.atLeast(v);

export const flavorSummary = (f: FlavorRecord, publicUrl: string, o?: FlavorViewOptions) => ({
  id: f.id, name: f.name, links: resourceLinks(publicUrl, 'flavors', f.id), ...(at(o, '2.55') ? { description: f.description } : {}),
});

/** The flavor body; swap 0 shows as "" before 2.75 (Nova's long-standing quirk, which clients expect). */
export function flavorDetail(f: FlavorRecord, publicUrl: string, o?: FlavorViewOptions) {
  return {
    ...flavorSummary(f, publicUrl, o),
    ram: f.memoryMb, vcpus: f.vcpus, disk: f.rootGb, swap: f.swap === 0 && !at(o, '2.75') ? '' : f.swap,
    'OS-FLV-EXT-DATA:ephemeral': f.ephemeralGb, 'OS-FLV-DISABLED:disabled': f.disabled,
    'os-flavor-access:is_public': f.isPublic, rxtx_factor: f.rxtxFactor,
    ...(at(o, '2.61') ? { extra_specs: o?.extraSpecs ?? {} } : {}),
  };
}
