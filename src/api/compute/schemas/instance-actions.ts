import { always, versioned } from '../../microversion';
import { anyQuery, links } from '../../parameter-types';
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

/** 2.51: events for every reader; 2.58: updated_at, list paging with links; 2.62: hostId (host for admins) on events */
const withAction = (extra: object, required: string[], eventExtra: object, eventRequired: string[], eventsRequired: boolean): Schema => ({
  type: 'object',
  properties: {
    instanceAction: {
      type: 'object',
      properties: {
        ...actionProperties, ...extra,
        events: { type: 'array', items: { ...event, properties: { ...event.properties, ...eventExtra }, required: [...event.required, ...eventRequired] } },
      },
      required: [...actionRequired, ...required, ...(eventsRequired ? ['events'] : [])], additionalProperties: false,
    },
  },
  required: ['instanceAction'], additionalProperties: false,
});
const updatedAt = { updated_at: nullable(dateTime) };
const listedV2_58: Schema = {
  type: 'object',
  properties: {
    instanceActions: {
      type: 'array',
      items: { type: 'object', properties: { ...actionProperties, ...updatedAt }, required: [...actionRequired, 'updated_at'], additionalProperties: false },
    },
    links,
  },
  required: ['instanceActions'], additionalProperties: false,
};
const single = (item: object) => ({ anyOf: [item, { type: 'array', items: item, maxItems: 1 }] });
const pagingQuery = {
  limit: single({ type: 'string', pattern: '^[0-9]+$' }), marker: single({ type: 'string' }), 'changes-since': single({ type: 'string' }),
};

export const list = {
  query: versioned<Schema>([
    { min: '2.1', max: '2.57', value: anyQuery },
    { min: '2.58', max: '2.65', value: { type: 'object', properties: pagingQuery, additionalProperties: false } },
    { min: '2.66', value: { type: 'object', properties: { ...pagingQuery, 'changes-before': single({ type: 'string' }) }, additionalProperties: false } },
  ]),
  response: versioned([{ min: '2.1', max: '2.57', value: listed }, { min: '2.58', value: listedV2_58 }]),
};
export const show = {
  query: always(anyQuery),
  response: versioned([
    { min: '2.1', max: '2.50', value: shown },
    { min: '2.51', max: '2.57', value: withAction({}, [], {}, [], true) },
    { min: '2.58', max: '2.61', value: withAction(updatedAt, ['updated_at'], {}, [], true) },
    { min: '2.62', value: withAction(updatedAt, ['updated_at'], { host: { type: 'string' }, hostId: { type: 'string' } }, ['hostId'], true) },
  ]),
};
