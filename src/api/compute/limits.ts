import type { Services } from '../../services';
import type { RouteDef } from '../routing';
import { always } from '../microversion';
import { anyQuery } from '../parameter-types';
import { DEFAULT_LIMITS as L } from '../../compute/limits';

const ABSOLUTE_KEYS = ['maxImageMeta', 'maxPersonality', 'maxPersonalitySize', 'maxSecurityGroupRules', 'maxSecurityGroups',
  'maxServerMeta', 'maxTotalCores', 'maxTotalFloatingIps', 'maxTotalInstances', 'maxTotalKeypairs', 'maxTotalRAMSize',
  'maxServerGroups', 'maxServerGroupMembers', 'totalCoresUsed', 'totalFloatingIpsUsed', 'totalInstancesUsed',
  'totalRAMUsed', 'totalSecurityGroupsUsed', 'totalServerGroupsUsed'];

const response = {
  type: 'object',
  properties: {
    limits: {
      type: 'object',
      properties: {
        absolute: { type: 'object', properties: Object.fromEntries(ABSOLUTE_KEYS.map((k) => [k, { type: 'integer' }])), required: ABSOLUTE_KEYS, additionalProperties: false },
        rate: { type: 'array', maxItems: 0 },
      },
      required: ['absolute', 'rate'], additionalProperties: false,
    },
  },
  required: ['limits'], additionalProperties: false,
};

/** GET /limits: the project's absolute limits and what it uses of them (rate limits are gone from Nova). */
export function limitRoutes(s: Services): RouteDef[] {
  return [{
    name: 'limits.index', method: 'GET', path: '/limits', auth: 'token', body: null, query: always(anyQuery), response: always(response), errors: [],
    handler: async (input) => {
      const live = input.auth.projectId ? await s.instances.list({ projectId: input.auth.projectId }) : [];
      return {
        status: 200,
        body: {
          limits: {
            rate: [],
            absolute: {
              maxImageMeta: L.metadataItems, maxPersonality: L.injectedFiles, maxPersonalitySize: L.injectedFileContentBytes,
              maxSecurityGroupRules: L.securityGroupRules, maxSecurityGroups: L.securityGroups, maxServerMeta: L.metadataItems,
              maxTotalCores: L.cores, maxTotalFloatingIps: L.floatingIps, maxTotalInstances: L.instances, maxTotalKeypairs: L.keyPairs,
              maxTotalRAMSize: L.ram, maxServerGroups: L.serverGroups, maxServerGroupMembers: L.serverGroupMembers,
              totalCoresUsed: live.reduce((n, i) => n + i.flavor.vcpus, 0), totalInstancesUsed: live.length,
              totalRAMUsed: live.reduce((n, i) => n + i.flavor.memoryMb, 0),
              totalFloatingIpsUsed: 0, totalSecurityGroupsUsed: 0, totalServerGroupsUsed: 0,
            },
          },
        },
      };
    },
  }];
}
