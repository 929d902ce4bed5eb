import { always } from '../../microversion';
import { anyQuery } from '../../parameter-types';
import { ResponseVariants } from '../../middleware/response-check';
import type { Schema } from '../../validation';
import { SERVER_ACTIONS } from '../actions';

/** The /action route itself only checks for an object with one action key; the action's schema does the rest. */
const actionEnvelope: Schema = { type: 'object', minProperties: 1, additionalProperties: true };

/** Each action's reply body (tempest's response schemas); null: 202 with no body. */
const replies = Object.fromEntries(Object.entries(SERVER_ACTIONS).flatMap(([name, a]) => [[name, a.response], ...Object.entries(a.replies ?? {})]));

export const action = {
  body: always(actionEnvelope), query: always(anyQuery), response: always(new ResponseVariants(replies)),
};
