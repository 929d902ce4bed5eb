import type { Services } from '../../services';
import type { RouteDef } from '../routing';
import { always } from '../microversion';
import { anyQuery } from '../parameter-types';
import { ConsoleTokenStore } from '../../db/stores/console-tokens';
import { hashToken } from '../../compute/remote-consoles';
import { ItemNotFound, Unauthorized } from '../../errors';

const reply = {
  type: 'object',
  properties: {
    console: {
      type: 'object',
      properties: {
        instance_uuid: { type: 'string' }, host: { type: ['string', 'null'] }, port: { type: ['integer', 'null'] },
        internal_access_path: { type: ['string', 'null'] },
      },
      required: ['instance_uuid', 'host', 'port', 'internal_access_path'], additionalProperties: false,
    },
  },
  required: ['console'], additionalProperties: false,
};

/** the port the API (and so the serial console websocket) is served on */
function publicPort(publicUrl: string): number | null {
  try {
    const u = new URL(publicUrl);
    return Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  } catch {
    return null;
  }
}

/**
 * GET /os-console-auth-tokens/{token} (admin): the connection a console token stands for, without
 * using it up. Before 2.31 only rdp-html5 tokens may be shown (Nova's 401 for others, so
 * novashim's serial tokens answer 401); from 2.31 every console type. host is the server's
 * compute host, port the API's own (novashim serves the console websocket itself).
 */
export function consoleAuthTokenRoutes(s: Services): RouteDef[] {
  const tokens = new ConsoleTokenStore(s.db);
  return [{
    name: 'console_auth_tokens.show', method: 'GET', path: '/os-console-auth-tokens/:token', auth: 'token', body: null,
    admin: 'os_compute_api:os-console-auth-tokens',
    query: always(anyQuery), response: always(reply), errors: [400, 401, 404],
    handler: async (input) => {
      const record = await tokens.peek(hashToken(input.params.token), new Date());
      if (!record) throw new ItemNotFound('Token not found');
      if (!input.version.atLeast('2.31') && record.consoleType !== 'rdp-html5') {
        throw new Unauthorized('The requested console type details are not accessible');
      }
      const instance = await s.instances.find(record.instanceUuid, { includeDeleted: true }).catch(() => null);
      return {
        status: 200,
        body: { console: { instance_uuid: record.instanceUuid, host: instance?.host ?? null, port: publicPort(s.config.publicUrl), internal_access_path: null } },
      };
    },
  }];
}
