import { randomBytes } from 'node:crypto';
import { metadata, name } from '../../parameter-types';
import { rebuildResponse } from '../schemas/servers';
import { renderServer, serverViewContext } from '../views/servers';
import { versionedReplies } from './versioned-replies';
import { resourceLinks } from '../links';
import { accepted, anyValueBody, ActionGroup, bodyOf } from './types';
import { rebuildBodies } from '../schemas/server-requests';
import { rebuildRequestFields } from '../server-requests';

const diskConfig = { type: 'string', enum: ['AUTO', 'MANUAL'] } as const;

/** Nova's parameter_types.boolean */
const boolish = {
  type: ['boolean', 'string'],
  enum: [true, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes',
    false, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no'],
} as const;

/** tempest's rebuild_server_with_admin_pass per microversion (the 'rebuild' rows of views/server-fields.ts). */
const rebuildReplies = versionedReplies('rebuild', rebuildResponse);

/** rebuild (Nova's schemas/servers.py base rebuild at 2.1), resize, confirmResize, revertResize. */
export const rebuildResizeActions: ActionGroup = {
  rebuild: {
    // 2.19 description, 2.54 key_name, 2.57 user_data (personality gone), 2.63 trusted_image_certificates
    body: rebuildBodies(bodyOf('rebuild', {
      type: 'object',
      properties: {
        name,
        imageRef: { type: 'string', format: 'uuid' },
        adminPass: { type: 'string' },
        metadata,
        preserve_ephemeral: boolish, // only Ironic acts on it in Nova; accepted and ignored
        'OS-DCF:diskConfig': diskConfig,
        accessIPv4: { type: 'string', format: 'ipv4' },
        accessIPv6: { type: 'string', format: 'ipv6' },
        // accepted at 2.1 as in Nova; there are no files to inject into a container image
        personality: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, contents: { type: 'string' } }, additionalProperties: false } },
      },
      required: ['imageRef'],
      additionalProperties: false,
    })),
    response: rebuildReplies.response,
    replies: rebuildReplies.replies,
    handle: async (s, auth, id, body, version) => {
      const b = body.rebuild;
      const adminPass: string = b.adminPass ?? randomBytes(9).toString('base64url').slice(0, 12);
      const server = await s.rebuild.rebuild(auth, id, {
        imageRef: b.imageRef, name: b.name, metadata: b.metadata, accessIPv4: b.accessIPv4, accessIPv6: b.accessIPv6,
        diskConfig: b['OS-DCF:diskConfig'], ...rebuildRequestFields(b),
      });
      const view = { ...(await serverViewContext(s, auth, version, 'rebuild', [server])), adminPass };
      return {
        status: 202,
        headers: { Location: resourceLinks(s.config.publicUrl, 'servers', server.uuid)[0].href },
        body: { server: renderServer('rebuild', server, view) },
        variant: rebuildReplies.variantAt(version),
      };
    },
  },
  resize: {
    body: bodyOf('resize', {
      type: 'object',
      properties: { flavorRef: { type: ['string', 'integer'], minLength: 1 }, 'OS-DCF:diskConfig': diskConfig },
      required: ['flavorRef'],
      additionalProperties: false,
    }),
    response: null,
    handle: (s, auth, id, body) => accepted(s.resize.resize(auth, id, String(body.resize.flavorRef), body.resize['OS-DCF:diskConfig'])),
  },
  // Nova answers 204 here (kept for compatibility), but 202 to revertResize
  confirmResize: {
    body: anyValueBody('confirmResize'), response: null,
    handle: async (s, auth, id) => { await s.resize.confirmResize(auth, id); return { status: 204 }; },
  },
  revertResize: { body: anyValueBody('revertResize'), response: null, handle: (s, auth, id) => accepted(s.resize.revertResize(auth, id)) },
};
