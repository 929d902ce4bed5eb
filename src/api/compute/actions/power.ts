import { accepted, anyValueBody, ActionGroup, bodyOf } from './types';

/** os-start, os-stop and reboot (SOFT/HARD). */
export const powerActions: ActionGroup = {
  'os-start': { body: anyValueBody('os-start'), response: null, handle: (s, auth, id) => accepted(s.compute.start(auth, id)) },
  'os-stop': { body: anyValueBody('os-stop'), response: null, handle: (s, auth, id) => accepted(s.compute.stop(auth, id)) },
  reboot: {
    body: bodyOf('reboot', {
      type: 'object',
      properties: { type: { type: 'string', enum: ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft'] } },
      required: ['type'], additionalProperties: false,
    }),
    response: null,
    handle: (s, auth, id, body) => accepted(s.compute.reboot(auth, id, body.reboot.type.toUpperCase())),
  },
};
