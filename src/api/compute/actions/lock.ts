import { accepted, anyValueBody, ActionGroup, bodyOf } from './types';
import { versioned } from '../../microversion';

/** lock and unlock (2.1: no body validation; `locked_reason` comes with 2.73). */
export const lockActions: ActionGroup = {
  lock: {
    // Nova's lock_v2_73: null or {"locked_reason": 1-255 characters}; no validation before 2.73
    body: versioned([
      { min: '2.1', max: '2.72', value: anyValueBody('lock') },
      { min: '2.73', value: bodyOf('lock', { type: ['object', 'null'], properties: { locked_reason: { type: 'string', minLength: 1, maxLength: 255 } }, additionalProperties: false }) },
    ]),
    response: null,
    handle: (s, auth, id, body, version) => accepted(s.locks.lock(auth, id, version.atLeast('2.73') ? body.lock?.locked_reason : undefined)),
  },
  unlock: { body: anyValueBody('unlock'), response: null, handle: (s, auth, id) => accepted(s.locks.unlock(auth, id)) },
};
