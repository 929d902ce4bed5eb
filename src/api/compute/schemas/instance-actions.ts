import { always } from '../../microversion';
import { anyQuery } from '../../parameter-types';
import type { Schema } from '../../validation';

/** Nova's timestamps for actions and events: microseconds, no zone ("2018-04-25T01:26:29.000000"). */
const dateTime = { type: 'string', pattern: '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}$' } as const;
const nullable = (s: object) => ({ anyOf: [s, { type: 'null' }] });

/** tempest's v2_1 instance_actions: the action keys of 2.1 (no updated_at before 2.58). */
const actionProperties = {
  action: { type: 'string' }, request_id: { type: 'string' }, user_id: { type: ['string', 'null'] },
  project_id: { type: ['string', 'null'] }, start_time: dateTime, message: { type: ['string', 'null'] },
  instance_uuid: { type: 'string' },
} as const;
const actionRequired = ['action', 'request_id', 'user_id', 'project_id', 'start_time', 'message', 'instance_uuid'];

/** tempest's instance_action_events; traceback only for admins. */
const event = {
  type: 'object',
  properties: {
    event: { type: 'string' }, start_time: dateTime, finish_time: nullable(dateTime),
    result: { type: ['string', 'null'] }, traceback: { type: ['string', 'null'] },
  },
  required: ['event', 'start_time', 'finish_time', 'result'], additionalProperties: false,
} as const;

const listed: Schema = {
  type: 'object',
  properties: {
    instanceActions: {
      type: 'array',
      items: { type: 'object', properties: actionProperties, required: actionRequired, additionalProperties: false },
    },
  },
  required: ['instanceActions'], additionalProperties: false,
};

const shown: Schema = {
  type: 'object',
  properties: {
    instanceAction: {
      type: 'object',
      properties: { ...actionProperties, events: { type: 'array', items: event } },
      required: actionRequired, additionalProperties: false,
    },
  },
  required: ['instanceAction'], additionalProperties: false,
};

export const list = { query: always(anyQuery), response: always(listed) };
export const show = { query: always(anyQuery), response: always(shown) };
