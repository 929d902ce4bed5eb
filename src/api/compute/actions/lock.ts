import { accepted, anyValueBody, ActionGroup } from './types';

/** lock and unlock (2.1: no body validation; `locked_reason` comes with 2.73). */
export const lockActions: ActionGroup = {
  lock: { body: anyValueBody('lock'), response: null, handle: (s, auth, id) => accepted(s.locks.lock(auth, id)) },
  unlock: { body: anyValueBody('unlock'), response: null, handle: (s, auth, id) => accepted(s.locks.unlock(auth, id)) },
};
