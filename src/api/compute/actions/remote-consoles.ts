import { ActionGroup, bodyOf } from './types';

/** tempest's get_remote_consoles reply: {"console": {"type", "url"}} (2.1–2.5 actions). */
const consoleReply = {
  type: 'object',
  properties: {
    console: {
      type: 'object',
      properties: { type: { type: 'string' }, url: { type: 'string', format: 'uri' } },
      required: ['type', 'url'],
      additionalProperties: false,
    },
  },
  required: ['console'],
  additionalProperties: false,
};

/**
 * os-getSerialConsole: a ws:// URL with a one-time token for the server's interactive console
 * (src/compute/remote-consoles.ts; the websocket side is src/console/serial-proxy.ts). Nova's
 * schema admits only type "serial" (anything else is 400). 2.6's POST /servers/{id}/remote-consoles
 * would be one route calling the same s.consoles.create(auth, id, protocol, type).
 */
export const remoteConsoleActions: ActionGroup = {
  'os-getSerialConsole': {
    body: bodyOf('os-getSerialConsole', {
      type: 'object',
      properties: { type: { type: 'string', enum: ['serial'] } },
      required: ['type'],
      additionalProperties: false,
    }),
    response: consoleReply,
    handle: async (s, auth, id, body) => {
      const console = await s.consoles.create(auth, id, 'serial', body['os-getSerialConsole'].type);
      return { status: 200, body: { console: { type: console.type, url: console.url } } };
    },
  },
};
