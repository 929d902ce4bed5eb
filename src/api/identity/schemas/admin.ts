import { always } from '../../microversion';
import { anyQuery } from '../../parameter-types';
import type { Schema } from '../../validation';

/**
 * Keystone v3 admin bodies and responses (keystone/{resource,identity,assignment}/schema.py).
 * Request bodies accept unknown attributes like Keystone does (they are ignored here);
 * responses have a fixed shape.
 */

/** Keystone's parameter_types.name: 1-255 characters with at least one non-space. */
const name = { type: 'string', minLength: 1, maxLength: 255, pattern: '\\S' } as const;
const projectName = { type: 'string', minLength: 1, maxLength: 64, pattern: '\\S' } as const;
const idString = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9_-]+$' } as const;
const nullableId = { anyOf: [idString, { type: 'null' }] } as const;
const description = { type: ['string', 'null'], maxLength: 255 } as const;
const email = { type: ['string', 'null'], maxLength: 255 } as const;
const tags = { type: 'array', items: { type: 'string', minLength: 1, maxLength: 255 }, maxItems: 80 } as const;

const wrap = (key: string, inner: Schema, requiredInner = true): Schema => ({
  type: 'object',
  properties: { [key]: inner },
  required: requiredInner ? [key] : [],
  additionalProperties: true,
});

const projectFields = {
  name: projectName,
  domain_id: idString,
  description: { type: 'string', maxLength: 255 },
  enabled: { type: 'boolean' },
  is_domain: { type: 'boolean' },
  parent_id: nullableId,
  tags,
} as const;

const userFields = {
  name,
  password: { type: ['string', 'null'], maxLength: 4096 },
  domain_id: idString,
  default_project_id: nullableId,
  enabled: { type: 'boolean' },
  email,
  description,
} as const;

const roleFields = { name, description, domain_id: { type: 'null' } } as const;

export const projectCreateBody = wrap('project', { type: 'object', properties: projectFields, required: ['name'], additionalProperties: true });
export const projectUpdateBody = wrap('project', { type: 'object', properties: projectFields, minProperties: 1, additionalProperties: true });
export const userCreateBody = wrap('user', { type: 'object', properties: userFields, required: ['name'], additionalProperties: true });
export const userUpdateBody = wrap('user', { type: 'object', properties: userFields, minProperties: 1, additionalProperties: true });
export const passwordChangeBody = wrap('user', {
  type: 'object',
  properties: { password: { type: 'string', minLength: 1, maxLength: 4096 }, original_password: { type: 'string', maxLength: 4096 } },
  required: ['password', 'original_password'],
  additionalProperties: false,
});
export const roleCreateBody = wrap('role', { type: 'object', properties: roleFields, required: ['name'], additionalProperties: true });
export const roleUpdateBody = wrap('role', { type: 'object', properties: roleFields, minProperties: 1, additionalProperties: true });
/** PUT of a role assignment carries no body; whatever is sent is ignored (as Keystone does). */
export const ignoredBody: Schema = {};

// --- responses

const selfLink = { type: 'object', properties: { self: { type: 'string' } }, required: ['self'], additionalProperties: false } as const;
const collectionLinks = {
  type: 'object',
  properties: { self: { type: 'string' }, previous: { type: 'null' }, next: { type: 'null' } },
  required: ['self', 'previous', 'next'],
  additionalProperties: false,
} as const;
const options = { type: 'object', additionalProperties: true } as const;

export const domain = {
  type: 'object',
  properties: {
    id: { type: 'string' }, name: { type: 'string' }, description: { type: 'string' }, enabled: { type: 'boolean' },
    tags: { type: 'array', items: { type: 'string' } }, options, links: selfLink,
  },
  required: ['id', 'name', 'description', 'enabled', 'tags', 'options', 'links'],
  additionalProperties: false,
} as const;

export const project = {
  type: 'object',
  properties: {
    id: { type: 'string' }, name: { type: 'string' }, domain_id: { type: 'string' }, description: { type: 'string' },
    enabled: { type: 'boolean' }, parent_id: { type: 'string' }, is_domain: { type: 'boolean', enum: [false] },
    tags: { type: 'array', items: { type: 'string' } }, options, links: selfLink,
  },
  required: ['id', 'name', 'domain_id', 'description', 'enabled', 'parent_id', 'is_domain', 'tags', 'options', 'links'],
  additionalProperties: false,
} as const;

export const user = {
  type: 'object',
  properties: {
    id: { type: 'string' }, name: { type: 'string' }, domain_id: { type: 'string' }, enabled: { type: 'boolean' },
    default_project_id: { type: 'string' }, email: { type: 'string' }, description: { type: 'string' },
    password_expires_at: { type: 'null' }, options, links: selfLink,
  },
  required: ['id', 'name', 'domain_id', 'enabled', 'password_expires_at', 'options', 'links'],
  additionalProperties: false,
} as const;

export const role = {
  type: 'object',
  properties: {
    id: { type: 'string' }, name: { type: 'string' }, domain_id: { type: 'null' }, description: { type: 'string' }, options, links: selfLink,
  },
  required: ['id', 'name', 'domain_id', 'options', 'links'],
  additionalProperties: false,
} as const;

const idRef = { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, domain: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } }, required: ['id', 'name'], additionalProperties: false } }, required: ['id'], additionalProperties: false } as const;

export const assignment = {
  type: 'object',
  properties: {
    role: idRef, user: idRef,
    scope: { type: 'object', properties: { project: idRef }, required: ['project'], additionalProperties: false },
    links: { type: 'object', properties: { assignment: { type: 'string' } }, required: ['assignment'], additionalProperties: false },
  },
  required: ['role', 'user', 'scope', 'links'],
  additionalProperties: false,
} as const;

const one = (key: string, item: object): Schema => ({ type: 'object', properties: { [key]: item }, required: [key], additionalProperties: false });
const many = (key: string, item: object): Schema => ({
  type: 'object',
  properties: { [key]: { type: 'array', items: item }, links: collectionLinks },
  required: [key, 'links'],
  additionalProperties: false,
});

const q = always(anyQuery);
export const tables = {
  list: (key: string, item: object) => ({ body: null, query: q, response: always(many(key, item)) }),
  show: (key: string, item: object) => ({ body: null, query: q, response: always(one(key, item)) }),
  write: (key: string, item: object, body: Schema) => ({ body: always(body), query: q, response: always(one(key, item)) }),
  noContent: (body: Schema | null = null) => ({ body: body === null ? null : always(body), query: q, response: always(null) }),
};
