import { accepted, bodyOf, ActionGroup } from './types';

/** os-resetState (Nova's admin_actions.py and schemas/reset_server_state.py), admin only. */
export const adminActions: ActionGroup = {
  'os-resetState': {
    body: bodyOf('os-resetState', {
      type: 'object', properties: { state: { type: 'string', enum: ['active', 'error'] } }, required: ['state'], additionalProperties: false,
    }),
    response: null,
    handle: (s, auth, id, body) => accepted(s.adminActions.resetState(auth, id, body['os-resetState'].state)),
  },
};
