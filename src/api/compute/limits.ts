import type { Services } from '../../services';
import type { RouteDef } from '../routing';
import { versioned } from '../microversion';
import { Forbidden } from '../../errors';
import type { Schema } from '../validation';
import type { QuotaResource } from '../../compute/limits';
import { limitsQuery } from './schemas/quotas';

/** Nova's limits view: which absolute limit each quota is shown as (metadata_items twice) */
const LIMIT_NAMES: [QuotaResource, string][] = [
  ['ram', 'maxTotalRAMSize'], ['instances', 'maxTotalInstances'], ['cores', 'maxTotalCores'], ['key_pairs', 'maxTotalKeypairs'],
  ['floating_ips', 'maxTotalFloatingIps'], ['metadata_items', 'maxServerMeta'], ['metadata_items', 'maxImageMeta'],
  ['injected_files', 'maxPersonality'], ['injected_file_content_bytes', 'maxPersonalitySize'],
  ['security_groups', 'maxSecurityGroups'], ['security_group_rules', 'maxSecurityGroupRules'],
  ['server_groups', 'maxServerGroups'], ['server_group_members', 'maxServerGroupMembers'],
];
const USED_NAMES: [QuotaResource, string][] = [
  ['ram', 'totalRAMUsed'], ['cores', 'totalCoresUsed'], ['instances', 'totalInstancesUsed'],
  ['floating_ips', 'totalFloatingIpsUsed'], ['security_groups', 'totalSecurityGroupsUsed'], ['server_groups', 'totalServerGroupsUsed'],
];

/** what each microversion leaves out: 2.36 the network limits, 2.39 maxImageMeta, 2.57 the personality limits */
interface Era { readonly filtered: readonly QuotaResource[]; readonly imageMeta: boolean }
const V2_1: Era = { filtered: [], imageMeta: true };
const V2_36: Era = { filtered: ['floating_ips', 'security_groups', 'security_group_rules'], imageMeta: true };
const V2_39: Era = { ...V2_36, imageMeta: false };
const V2_57: Era = { filtered: [...V2_36.filtered, 'injected_files', 'injected_file_content_bytes'], imageMeta: false };

function names(era: Era): string[] {
  return [...LIMIT_NAMES, ...USED_NAMES].filter(([r, n]) => !era.filtered.includes(r) && (era.imageMeta || n !== 'maxImageMeta')).map(([, n]) => n);
}

/** tempest's get_limit (v2_1, v2_36, v2_39, v2_57 limits.py), with every shown key required */
function response(era: Era): Schema {
  const keys = names(era);
  return {
    type: 'object',
    properties: {
      limits: {
        type: 'object',
        properties: {
          absolute: { type: 'object', properties: Object.fromEntries(keys.map((k) => [k, { type: 'integer' }])), required: keys, additionalProperties: false },
          rate: { type: 'array', maxItems: 0 },
        },
        required: ['absolute', 'rate'], additionalProperties: false,
      },
    },
    required: ['limits'], additionalProperties: false,
  };
}

const ERAS = versioned([
  { min: '2.1', max: '2.35', value: V2_1 }, { min: '2.36', max: '2.38', value: V2_36 },
  { min: '2.39', max: '2.56', value: V2_39 }, { min: '2.57', value: V2_57 },
]);

/**
 * GET /limits (Nova's LimitsController): the project's effective quotas as absolute limits and its
 * real usage; an admin may ask for another project with ?tenant_id=. Rate limits are gone from Nova.
 */
export function limitRoutes(s: Services): RouteDef[] {
  return [{
    name: 'limits.index', method: 'GET', path: '/limits', auth: 'token', body: null, query: limitsQuery,
    response: versioned([
      { min: '2.1', max: '2.35', value: response(V2_1) }, { min: '2.36', max: '2.38', value: response(V2_36) },
      { min: '2.39', max: '2.56', value: response(V2_39) }, { min: '2.57', value: response(V2_57) },
    ]),
    errors: [403],
    handler: async (input) => {
      let projectId = input.auth.projectId ?? '';
      if (input.query.tenant_id !== undefined) {
        const requested = input.query.tenant_id;
        projectId = Array.isArray(requested) ? requested[requested.length - 1] : requested;
        if (!input.auth.isAdmin) throw new Forbidden("Policy doesn't allow os_compute_api:limits:other_project to be performed.");
      }
      const era = ERAS.pick(input.version);
      const quotas = await s.quotas.detail(projectId);
      const absolute: Record<string, number> = {};
      for (const [r, n] of LIMIT_NAMES) if (!era.filtered.includes(r) && (era.imageMeta || n !== 'maxImageMeta')) absolute[n] = quotas[r].limit;
      for (const [r, n] of USED_NAMES) if (!era.filtered.includes(r)) absolute[n] = quotas[r].in_use;
      return { status: 200, body: { limits: { rate: [], absolute } } };
    },
  }];
}
