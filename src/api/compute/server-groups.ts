import type { Services } from '../../services';
import type { RouteDef } from '../routing';
import { lastValue } from '../query';
import * as schemas from './schemas/server-groups';
import { serverGroupView } from './views/server-groups';

/** /os-server-groups at 2.1 (Nova's ServerGroupController). */
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
        return { status: 200, body: { server_groups: groups.slice(offset, offset + limit).map(serverGroupView) } };
      },
    },
    {
      ...base, name: 'os-server-groups.create', method: 'POST', path: '/os-server-groups', ...schemas.create, errors: [400, 403, 409],
      handler: async (input) => {
        const { name, policies } = input.body.server_group;
        return { status: 200, body: { server_group: serverGroupView(await s.serverGroups.create(input.auth, name, policies[0])) } };
      },
    },
    {
      ...base, name: 'os-server-groups.show', method: 'GET', path: '/os-server-groups/:id', body: null, ...schemas.show, errors: [404],
      handler: async (input) => ({ status: 200, body: { server_group: serverGroupView(await s.serverGroups.get(input.auth, input.params.id)) } }),
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
