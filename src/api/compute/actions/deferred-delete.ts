import { accepted, ActionGroup, anyValueBody } from './types';

/** restore and forceDelete (Nova's deferred_delete.py): no body validation, 202. */
export const deferredDeleteActions: ActionGroup = {
  restore: {
    body: anyValueBody('restore'), response: null,
    handle: (s, auth, id) => accepted(s.softDelete.restore(auth, id)),
  },
  forceDelete: {
    body: anyValueBody('forceDelete'), response: null,
    handle: (s, auth, id) => accepted(s.softDelete.forceDelete(auth, id)),
  },
};
