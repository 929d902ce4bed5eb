import type { Services } from '../../services';
import type { RouteDef } from '../routing';
import type { Schema } from '../validation';
import { always } from '../microversion';
import { anyQuery } from '../parameter-types';
import { requireMinVersion } from './version-gates';

/** Nova's server_topology.py reply: NUMA cells (host_node and cpu_pinning only for admins) and the page size. */
const topologyReply: Schema = {
  type: 'object',
  properties: {
    nodes: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          vcpu_set: { type: 'array', items: { type: 'integer' } },
          siblings: { type: 'array', items: { type: 'array', items: { type: 'integer' } } },
          memory_mb: { type: 'integer' },
          host_node: { type: 'integer' },
          cpu_pinning: { type: 'object', additionalProperties: { type: 'integer' } },
        },
        required: ['vcpu_set', 'siblings', 'memory_mb'],
        additionalProperties: false,
      },
    },
    pagesize_kb: { type: ['integer', 'null'] },
  },
  required: ['nodes', 'pagesize_kb'],
  additionalProperties: false,
};

/**
 * GET /servers/{id}/topology (2.78; 404 below it). A container is given no guest NUMA topology (its
 * CPUs and memory are limits, not pinned cells), so every server answers as a Nova server without
 * numa_topology does: no nodes, no page size — for admins too, as there is no host cell to show.
 */
export function serverTopologyRoutes(s: Services): RouteDef[] {
  return [{
    name: 'servers.topology', method: 'GET', path: '/servers/:id/topology', auth: 'token', body: null,
    query: always(anyQuery), response: always(topologyReply), errors: [404],
    handler: async (input) => {
      requireMinVersion(input, '2.78');
      await s.compute.get(input.auth, input.params.id);
      return { status: 200, body: { nodes: [], pagesize_kb: null } };
    },
  }];
}
