import type { Services } from '../../services';
import type { AuthContext } from '../../identity/auth-context';
import type { RouteDef } from '../routing';
import { BadRequest } from '../../errors';
import { validateInput } from '../validation';
import { ACTION_BODIES, action } from './schemas/server-actions';

interface ActionReply {
  readonly status: number;
  readonly body?: unknown;
}
type ActionHandler = (s: Services, auth: AuthContext, id: string, body: Record<string, any>) => Promise<ActionReply>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Nova answers 202 with no body for actions that only start background work. */
const accepted = async (work: Promise<void>): Promise<ActionReply> => {
  await work;
  return { status: 202 };
};

/** The schema admits an integer, a digit string, -1 or null; -1 and null both mean the whole log. */
const consoleLength = (length: number | string | null | undefined): number | null =>
  length === undefined || length === null ? null : Number(length);

/** Action name → what it does and answers (its body and reply schemas are in schemas/server-actions.ts). */
const ACTIONS: Record<string, ActionHandler> = {
  'os-start': (s, auth, id) => accepted(s.compute.start(auth, id)),
  'os-stop': (s, auth, id) => accepted(s.compute.stop(auth, id)),
  reboot: (s, auth, id, body) => accepted(s.compute.reboot(auth, id, body.reboot.type.toUpperCase())),
  'os-getConsoleOutput': async (s, auth, id, body) => {
    const output = await s.compute.getConsoleOutput(auth, id, consoleLength(body['os-getConsoleOutput'].length));
    return { status: 200, body: { output } };
  },
};

/** POST /servers/{id}/action: dispatches on the body's single key. */
export function serverActionRoutes(s: Services): RouteDef[] {
  return [{
    name: 'servers.action', method: 'POST', path: '/servers/:id/action', auth: 'token', ...action, errors: [400, 403, 404, 409, 501],
    handler: async (input) => {
      const name = Object.keys(input.body)[0];
      const handler = Object.hasOwn(ACTIONS, name) ? ACTIONS[name] : undefined; // not {"toString": …}
      if (!handler || Object.keys(input.body).length !== 1) throw new BadRequest(`There is no such action: ${Object.keys(input.body).join(', ')}`);
      validateInput(ACTION_BODIES[name], input.body);
      return { ...(await handler(s, input.auth, input.params.id, input.body)), variant: name };
    },
  }];
}
