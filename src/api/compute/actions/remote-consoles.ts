import type { ConsoleProtocol } from '../../../compute/remote-consoles';
import { ActionGroup, bodyOf, ServerAction } from './types';

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
 * schema admits only type "serial" (anything else is 400). The VNC, SPICE and RDP actions are
 * checked the same way and end in 501 (no driver has such a console). All four exist up to 2.5:
 * from 2.6 POST /servers/{id}/remote-consoles (../remote-consoles.ts) replaces them and they are 404.
 */
const consoleAction = (key: string, protocol: ConsoleProtocol, types: string[]): ServerAction => ({
  maxVersion: '2.5',
  body: bodyOf(key, { type: 'object', properties: { type: { type: 'string', enum: types } }, required: ['type'], additionalProperties: false }),
  response: consoleReply,
  handle: async (s, auth, id, body) => {
    const console = await s.consoles.create(auth, id, protocol, body[key].type);
    return { status: 200, body: { console: { type: console.type, url: console.url } } };
  },
});

export const remoteConsoleActions: ActionGroup = {
  'os-getVNCConsole': consoleAction('os-getVNCConsole', 'vnc', ['novnc', 'xvpvnc']),
  'os-getSPICEConsole': consoleAction('os-getSPICEConsole', 'spice', ['spice-html5']),
  'os-getRDPConsole': consoleAction('os-getRDPConsole', 'rdp', ['rdp-html5']),
  'os-getSerialConsole': {
    maxVersion: '2.5',
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
