import { always } from '../../microversion';
import { anyQuery } from '../../parameter-types';
import type { Schema } from '../../validation';

const domainRef = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' } },
  additionalProperties: true,
} as const;

const passwordMethod = {
  type: 'object',
  properties: {
    user: {
      type: 'object',
      properties: { id: { type: 'string' }, name: { type: 'string' }, password: { type: 'string' }, domain: domainRef },
      required: ['password'],
      additionalProperties: true,
    },
  },
  required: ['user'],
  additionalProperties: true,
} as const;

const scope = {
  anyOf: [
    { type: 'string', enum: ['unscoped'] },
    {
      type: 'object',
      properties: {
        project: {
          type: 'object',
          properties: { id: { type: 'string' }, name: { type: 'string' }, domain: domainRef },
          additionalProperties: true,
        },
        domain: domainRef,
        system: { type: 'object' },
        'OS-TRUST:trust': { type: 'object' },
      },
      additionalProperties: true,
    },
  ],
} as const;

export const issueBody: Schema = {
  type: 'object',
  properties: {
    auth: {
      type: 'object',
      properties: {
        identity: {
          type: 'object',
          properties: {
            methods: { type: 'array', items: { type: 'string' }, minItems: 1 },
            password: passwordMethod,
            token: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: true },
          },
          required: ['methods'],
          additionalProperties: true,
        },
        scope,
      },
      required: ['identity'],
      additionalProperties: true,
    },
  },
  required: ['auth'],
  additionalProperties: true,
};

const nameRef = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, domain: { type: 'object' } },
  required: ['id', 'name'],
} as const;

export const tokenResponse: Schema = {
  type: 'object',
  properties: {
    token: {
      type: 'object',
      properties: {
        methods: { type: 'array', items: { type: 'string' } },
        user: nameRef,
        project: nameRef,
        roles: { type: 'array', items: nameRef },
        catalog: { type: 'array' },
        expires_at: { type: 'string', pattern: 'Z$' },
        issued_at: { type: 'string', pattern: 'Z$' },
        audit_ids: { type: 'array', items: { type: 'string' } },
      },
      required: ['methods', 'user', 'expires_at', 'issued_at', 'audit_ids'],
    },
  },
  required: ['token'],
};

export const issue = { body: always(issueBody), query: always(anyQuery), response: always(tokenResponse) };
