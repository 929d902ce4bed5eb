import { always } from '../../microversion';
import { anyQuery } from '../../parameter-types';
import { ResponseVariants } from '../../middleware/response-check';
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
  'os-getConsoleOutput': {
    type: 'object',
    properties: {
      'os-getConsoleOutput': {
        type: 'object',
        properties: {
          // -1 or null: the whole log. Nova's pattern is ^-?[0-9]+$, but its minimum only binds
          // integers, so "-5" passed and gave a garbled cut; a string may only be -1 or digits here
          length: { type: ['integer', 'string', 'null'], pattern: '^(-1|[0-9]+)$', minimum: -1 },
        },
        additionalProperties: false,
      },
    },
    required: ['os-getConsoleOutput'], additionalProperties: false,
  },
};

/** Each action's reply body (tempest's response schemas); null: 202 with no body. */
export const ACTION_RESPONSES: Record<string, Schema | null> = {
  'os-start': null,
  'os-stop': null,
  reboot: null,
  'os-getConsoleOutput': {
    type: 'object', properties: { output: { type: 'string' } }, required: ['output'], additionalProperties: false,
  },
};

/** The /action route itself only checks for an object with one action key; the action's schema does the rest. */
const actionEnvelope: Schema = { type: 'object', minProperties: 1, additionalProperties: true };

export const action = {
  body: always(actionEnvelope), query: always(anyQuery), response: always(new ResponseVariants(ACTION_RESPONSES)),
};
