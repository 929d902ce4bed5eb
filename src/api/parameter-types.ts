import type { Schema } from './validation';

/** Shared schema fragments (Nova's parameter_types). */

/** Query strings arrive as strings (or arrays of them when repeated). */
export const queryValue = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] } as const;

/** A query schema that accepts any parameters (Nova ignores unknown query keys on most routes). */
export const anyQuery: Schema = { type: 'object', additionalProperties: queryValue };

export const uuid = { type: 'string', format: 'uuid' } as const;

/** Nova's name: 1-255 printable characters, no leading/trailing whitespace. */
export const name = {
  type: 'string', minLength: 1, maxLength: 255,
  pattern: '^(?![\\s])[^\\x00-\\x1f\\x7f]*(?<![\\s])$',
} as const;

export const link = {
  type: 'object',
  properties: { href: { type: 'string' }, rel: { type: 'string' }, type: { type: 'string' } },
  required: ['href', 'rel'],
  additionalProperties: false,
} as const;

export const links = { type: 'array', items: link } as const;

export const nullableString = { type: ['string', 'null'] } as const;

/** Nova's metadata: string keys (1-255) to string values (0-255). */
export const metadata = {
  type: 'object',
  patternProperties: { '^[a-zA-Z0-9-_:. ]{1,255}$': { type: 'string', maxLength: 255 } },
  additionalProperties: false,
} as const;
