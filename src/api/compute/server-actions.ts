import type { Services } from '../../services';
import type { AuthContext } from '../../identity/auth-context';
import type { RouteDef } from '../routing';
import { BadRequest } from '../../errors';
import { validateInput } from '../validation';
import { ACTION_BODIES, action } from './schemas/server-actions';

type ActionHandler = (s: Services, auth: AuthContext, id: string, body: Record<string, any>) => Promise<void>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Action name → what it does. Each answers 202 with no body, as Nova does for these. */
const ACTIONS: Record<string, ActionHandler> = {
  'os-start': (s, auth, id) => s.compute.start(auth, id),
  'os-stop': (s, auth, id) => s.compute.stop(auth, id),
  reboot: (s, auth, id, body) => s.compute.reboot(auth, id, body.reboot.type.toUpperCase()),
};

/** POST /servers/{id}/action: dispatches on the body's single key. */
export function serverActionRoutes(s: Services): RouteDef[] {
  return [{
    name: 'servers.action', method: 'POST', path: '/servers/:id/action', auth: 'token', ...action, errors: [400, 403, 404, 409],
    handler: async (input) => {
      const name = Object.keys(input.body)[0];
      const handler = ACTIONS[name];
      if (!handler || Object.keys(input.body).length !== 1) throw new BadRequest(`There is no such action: ${Object.keys(input.body).join(', ')}`);
      validateInput(ACTION_BODIES[name], input.body);
      await handler(s, input.auth, input.params.id, input.body);
      return { status: 202 };
    },
  }];
}
