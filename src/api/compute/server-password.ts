import type { Services } from '../../services';
import type { RouteDef } from '../routing';
import { always } from '../microversion';
import { anyQuery } from '../parameter-types';

const passwordReply = {
  type: 'object', properties: { password: { type: 'string' } }, required: ['password'], additionalProperties: false,
} as const;

/**
 * os-server-password: the encrypted password a guest posts to Nova's metadata service. novashim
 * runs no metadata service, so no guest can post one and the stored password is always empty,
 * which is what Nova answers for a server whose guest never posted; clearing it is then a no-op.
 */
export function serverPasswordRoutes(s: Services): RouteDef[] {
  return [
    {
      name: 'servers.password.show', method: 'GET', path: '/servers/:id/os-server-password', auth: 'token',
      body: null, query: always(anyQuery), response: always(passwordReply), errors: [404],
      handler: async (input) => {
        await s.compute.get(input.auth, input.params.id);
        return { status: 200, body: { password: '' } };
      },
    },
    {
      name: 'servers.password.clear', method: 'DELETE', path: '/servers/:id/os-server-password', auth: 'token',
      body: null, query: always(anyQuery), response: always(null), errors: [403, 404],
      handler: async (input) => {
        await s.compute.get(input.auth, input.params.id);
        return { status: 204 };
      },
    },
  ];
}
