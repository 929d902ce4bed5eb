import { ActionGroup, anyValueBody } from './types';

/**
 * rescue (Nova's schemas/rescue.py: `{"rescue": null}` or an object with adminPass and
 * rescue_image_ref) answers 200 `{"adminPass": …}` (Nova keeps 200 for compatibility, and shows
 * the password as CONF.api.enable_instance_password does by default); unrescue answers 202.
 */
export const rescueActions: ActionGroup = {
  rescue: {
    body: {
      type: 'object',
      properties: {
        rescue: {
          type: ['object', 'null'],
          properties: {
            adminPass: { type: 'string' },
            rescue_image_ref: { type: 'string', format: 'uuid' },
          },
          additionalProperties: false,
        },
      },
      required: ['rescue'],
      additionalProperties: false,
    },
    response: {
      type: 'object',
      properties: { adminPass: { type: 'string' } },
      required: ['adminPass'],
      additionalProperties: false,
    },
    handle: async (s, auth, id, body) => {
      const adminPass = await s.rescue.rescue(auth, id, {
        adminPass: body.rescue?.adminPass, rescueImageRef: body.rescue?.rescue_image_ref,
      });
      return { status: 200, body: { adminPass } };
    },
  },
  unrescue: {
    body: anyValueBody('unrescue'),
    response: null,
    handle: async (s, auth, id) => { await s.rescue.unrescue(auth, id); return { status: 202 }; },
  },
};
