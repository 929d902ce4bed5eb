import type { Services } from '../../services';
import type { Input, RouteDef } from '../routing';
import { ItemNotFound } from '../../errors';
import * as schemas from './schemas/hosts';

/** webob: the last value of a repeated query parameter */
const lastOf = (v: string | string[] | undefined) => (Array.isArray(v) ? v[v.length - 1] : v);

/** os-hosts is removed at microversion 2.43: every route answers Nova's bare 404 from there on */
function requireBefore243(input: Input): void {
  if (input.version.atLeast('2.43')) throw new ItemNotFound('The resource could not be found.');
}

/** /os-hosts (Nova's hosts.py, deprecated; admin only; 2.1–2.42) */
export function hostRoutes(s: Services): RouteDef[] {
  const base = { auth: 'token' as const };
  const policy = (rule: string) => `os_compute_api:os-hosts:${rule}`;
  const power = (action: 'startup' | 'shutdown' | 'reboot', rule: string): RouteDef => ({
    ...base, name: `hosts.${action}`, method: 'GET', path: `/os-hosts/:host/${action}`, admin: policy(rule),
    ...schemas.powerAction(action), errors: [400, 404, 501],
    handler: async (input) => {
      requireBefore243(input);
      return s.hosts.driverOperation(input.params.host);
    },
  });
  return [
    {
      ...base, name: 'hosts.index', method: 'GET', path: '/os-hosts', admin: policy('list'), ...schemas.list, errors: [],
      handler: async (input) => {
        requireBefore243(input);
        return { status: 200, body: { hosts: await s.hosts.list(lastOf(input.query.zone)) } };
      },
    },
    {
      ...base, name: 'hosts.show', method: 'GET', path: '/os-hosts/:host', admin: policy('show'), ...schemas.show, errors: [404],
      handler: async (input) => {
        requireBefore243(input);
        return { status: 200, body: { host: (await s.hosts.resources(input.params.host)).map((resource) => ({ resource })) } };
      },
    },
    {
      ...base, name: 'hosts.update', method: 'PUT', path: '/os-hosts/:host', admin: policy('update'), ...schemas.update, errors: [400, 404, 501],
      handler: async (input) => {
        requireBefore243(input);
        return s.hosts.driverOperation(input.params.host);
      },
    },
    power('startup', 'start'), power('shutdown', 'shutdown'), power('reboot', 'reboot'),
  ];
}
