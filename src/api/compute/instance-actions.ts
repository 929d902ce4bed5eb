import type { Services } from '../../services';
import type { RouteDef } from '../routing';
import * as schemas from './schemas/instance-actions';
import { actionView, eventView } from './views/instance-actions';

/**
 * /servers/{id}/os-instance-actions (Nova 2.1): a server's actions, newest first, readable by the
 * project's readers. The server must be live (read_deleted only from 2.21); events, with their
 * tracebacks, only for admins (the os-instance-actions:events policy).
 */
export function instanceActionRoutes(s: Services): RouteDef[] {
  const base = { auth: 'token' as const, body: null };
  return [
    {
      ...base, name: 'instance_actions.index', method: 'GET', path: '/servers/:id/os-instance-actions', ...schemas.list, errors: [404],
      handler: async (input) => {
        const server = await s.compute.get(input.auth, input.params.id);
        return { status: 200, body: { instanceActions: (await s.instanceActions.list(server.uuid)).map(actionView) } };
      },
    },
    {
      ...base, name: 'instance_actions.show', method: 'GET', path: '/servers/:id/os-instance-actions/:requestId', ...schemas.show, errors: [404],
      handler: async (input) => {
        const server = await s.compute.get(input.auth, input.params.id);
        const action = await s.instanceActions.find(server.uuid, input.params.requestId);
        const events = input.auth.isAdmin
          ? { events: (await s.instanceActions.events(action.id)).map((e) => eventView(e, true)) }
          : {};
        return { status: 200, body: { instanceAction: { ...actionView(action), ...events } } };
      },
    },
  ];
}
