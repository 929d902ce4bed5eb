import type { Services } from '../../services';
import type { RouteDef } from '../routing';
import { BadRequest } from '../../errors';
import { validateInput } from '../validation';
import { action } from './schemas/server-actions';
import { SERVER_ACTIONS } from './actions';
import { actionBody, requireActionVersion } from './actions/types';

/** POST /servers/{id}/action: dispatches on the body's single key to the action of that name. */
export function serverActionRoutes(s: Services): RouteDef[] {
  return [{
    name: 'servers.action', method: 'POST', path: '/servers/:id/action', auth: 'token', ...action, errors: [400, 403, 404, 409, 501],
    handler: async (input) => {
      const name = Object.keys(input.body)[0];
      const found = Object.hasOwn(SERVER_ACTIONS, name) ? SERVER_ACTIONS[name] : undefined; // not {"toString": …}
      if (!found || Object.keys(input.body).length !== 1) throw new BadRequest(`There is no such action: ${Object.keys(input.body).join(', ')}`);
      requireActionVersion(found, input.version);
      validateInput(actionBody(found, input.version), input.body);
      return { variant: name, ...(await found.handle(s, input.auth, input.params.id, input.body, input.version)) };
    },
  }];
}
