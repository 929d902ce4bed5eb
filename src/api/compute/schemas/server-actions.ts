import { always } from '../../microversion';
import { anyQuery } from '../../parameter-types';
import type { Schema } from '../../validation';

/** Nova validates no body for these: `{"os-stop": null}` and `{"os-stop": {}}` both work. */
const anyValueAction = (key: string): Schema => ({
  type: 'object', properties: { [key]: {} }, required: [key], additionalProperties: false,
});

/** Each action's own body schema, keyed by the action name (Nova's per-action @validation.schema). */
export const ACTION_BODIES: Record<string, Schema> = {
  'os-start': anyValueAction('os-start'),
  'os-stop': anyValueAction('os-stop'),
  reboot: {
    type: 'object',
    properties: {
      reboot: {
        type: 'object',
        properties: { type: { type: 'string', enum: ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft'] } },
        required: ['type'], additionalProperties: false,
      },
    },
    required: ['reboot'], additionalProperties: false,
  },
};

/** The /action route itself only checks for an object with one action key; the action's schema does the rest. */
const actionEnvelope: Schema = { type: 'object', minProperties: 1, additionalProperties: true };

export const action = { body: always(actionEnvelope), query: always(anyQuery), response: always(null) };
