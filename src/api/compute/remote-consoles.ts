import type { Services } from '../../services';
import type { RouteDef } from '../routing';
import type { Schema } from '../validation';
import type { ConsoleProtocol } from '../../compute/remote-consoles';
import { always, versioned } from '../microversion';
import { anyQuery } from '../parameter-types';
import { ANY_BODY, requireMinVersion } from './version-gates';

const PROTOCOLS_V26 = ['vnc', 'spice', 'rdp', 'serial'];
const TYPES_V26 = ['novnc', 'xvpvnc', 'rdp-html5', 'spice-html5', 'serial'];

/** Nova's schemas/remote_consoles.py create_v26 and create_v28 (2.8 adds the mks protocol and its webmks type). */
const createBody = (protocols: string[], types: string[]): Schema => ({
  type: 'object',
  properties: {
    remote_console: {
      type: 'object',
      properties: { protocol: { type: 'string', enum: protocols }, type: { type: 'string', enum: types } },
      required: ['protocol', 'type'],
      additionalProperties: false,
    },
  },
  required: ['remote_console'],
  additionalProperties: false,
});

/** tempest's v2_6 get_remote_consoles (and v2_8's, with mks/webmks). */
const reply = (protocols: string[], types: string[]): Schema => ({
  type: 'object',
  properties: {
    remote_console: {
      type: 'object',
      properties: { protocol: { enum: protocols }, type: { enum: types }, url: { type: 'string', format: 'uri' } },
      required: ['protocol', 'type', 'url'],
      additionalProperties: false,
    },
  },
  required: ['remote_console'],
  additionalProperties: false,
});

/**
 * POST /servers/{id}/remote-consoles (2.6; 404 below it): the one console API from 2.6 on, where
 * the os-get*Console actions are gone. The same checks as those actions (src/compute/remote-consoles.ts):
 * 404, 409 when not ready, 400 for a console type switched off or not matching the protocol, 501
 * for a protocol no driver provides (vnc, spice, rdp, and 2.8's mks).
 */
export function remoteConsoleRoutes(s: Services): RouteDef[] {
  const v28Protocols = [...PROTOCOLS_V26, 'mks'];
  const v28Types = [...TYPES_V26, 'webmks'];
  return [{
    name: 'servers.remote-consoles.create', method: 'POST', path: '/servers/:id/remote-consoles', auth: 'token',
    body: versioned([
      { min: '2.1', max: '2.5', value: ANY_BODY },
      { min: '2.6', max: '2.7', value: createBody(PROTOCOLS_V26, TYPES_V26) },
      { min: '2.8', value: createBody(v28Protocols, v28Types) },
    ]),
    query: always(anyQuery),
    response: versioned([
      { min: '2.1', max: '2.7', value: reply(PROTOCOLS_V26, TYPES_V26) },
      { min: '2.8', value: reply(v28Protocols, v28Types) },
    ]),
    errors: [400, 404, 409, 501],
    handler: async (input) => {
      requireMinVersion(input, '2.6');
      const { protocol, type } = input.body.remote_console as { protocol: ConsoleProtocol; type: string };
      const console = await s.consoles.create(input.auth, input.params.id, protocol, type);
      return { status: 200, body: { remote_console: { protocol, type, url: console.url } } };
    },
  }];
}
