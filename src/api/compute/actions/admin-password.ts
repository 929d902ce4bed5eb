import { accepted, ActionGroup, bodyOf } from './types';

/**
 * changePassword (Nova's admin_password.py): 202 with no body once root's password is set.
 * Nova's schema: adminPass is any string (parameter_types.admin_password: no length or pattern).
 */
export const adminPasswordActions: ActionGroup = {
  changePassword: {
    body: bodyOf('changePassword', {
      type: 'object',
      properties: { adminPass: { type: 'string' } },
      required: ['adminPass'],
      additionalProperties: false,
    }),
    response: null,
    handle: (s, auth, id, body) => accepted(s.adminPassword.setAdminPassword(auth, id, body.changePassword.adminPass)),
  },
};
