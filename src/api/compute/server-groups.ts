import type { Services } from '../../services';
import type { RouteDef } from '../routing';
import { lastValue } from '../query';
import * as schemas from './schemas/server-groups';
import { serverGroupView } from './views/server-groups';

/** /os-server-groups (Nova's ServerGroupController): 2.13 owner ids, 2.15 soft policies, 2.64 policy + rules. */
export function serverGroupRoutes(s: Services): RouteDef[] {
  const base = { auth: 'token' as const };
  return [
    {
      ...base, name: 'os-server-groups.index', method: 'GET', path: '/os-server-groups', body: null, ...schemas.list, errors: [],
      handler: async (input) => {
        const groups = await s.serverGroups.list(input.auth, input.query.all_projects !== undefined);
        // Nova's common.limited: offset then limit, capped at osapi_max_limit (1000)
        const offset = Number(lastValue(input.query.offset) ?? 0);
        const limit = Math.min(Number(lastValue(input.query.limit) ?? 1000), 1000);
        return { status: 200, body: { server_groups: groups.slice(offset, offset + limit).map((g) => serverGroupView(g, input.version)) } };
      },
    },
    {
      ...base, name: 'os-server-groups.create', method: 'POST', path: '/os-server-groups', ...schemas.create, errors: [400, 403, 409],
      handler: async (input) => {
        const { name, policies, policy, rules } = input.body.server_group;
        const maxPerHost = rules?.max_server_per_host;
        const parsedRules = maxPerHost === undefined ? {} : { max_server_per_host: Number(maxPerHost) };
        const group = await s.serverGroups.create(input.auth, name, policy ?? policies[0], parsedRules);
        return { status: 200, body: { server_group: serverGroupView(group, input.version) } };
      },
    },
    {
      ...base, name: 'os-server-groups.show', method: 'GET', path: '/os-server-groups/:id', body: null, ...schemas.show, errors: [404],
      handler: async (input) => ({ status: 200, body: { server_group: serverGroupView(await s.serverGroups.get(input.auth, input.params.id), input.version) } }),
    },
    {
      ...base, name: 'os-server-groups.delete', method: 'DELETE', path: '/os-server-groups/:id', body: null, ...schemas.remove, errors: [404],
      handler: async (input) => {
        await s.serverGroups.delete(input.auth, input.params.id);
        return { status: 204 };
      },
    },
  ];
}
