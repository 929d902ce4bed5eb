import { accepted, anyValueBody, ActionGroup } from './types';

/** pause/unpause and suspend/resume: Nova validates no body for these (`null` or anything). */
export const pauseSuspendActions: ActionGroup = {
  pause: { body: anyValueBody('pause'), response: null, handle: (s, auth, id) => accepted(s.pauseSuspend.pause(auth, id)) },
  unpause: { body: anyValueBody('unpause'), response: null, handle: (s, auth, id) => accepted(s.pauseSuspend.unpause(auth, id)) },
  suspend: { body: anyValueBody('suspend'), response: null, handle: (s, auth, id) => accepted(s.pauseSuspend.suspend(auth, id)) },
  resume: { body: anyValueBody('resume'), response: null, handle: (s, auth, id) => accepted(s.pauseSuspend.resume(auth, id)) },
};
