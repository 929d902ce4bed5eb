import { always, versioned } from '../../microversion';
import { anyQuery, name } from '../../parameter-types';
import type { Schema } from '../../validation';

/** Nova's aggregate timestamps: microseconds, no zone ("2013-08-18T12:17:56.259751"). */
const dateTime = { type: 'string', pattern: '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}$' } as const;
const dateTimeOrNull = { anyOf: [dateTime, { type: 'null' }] } as const;
const obj = (properties: Record<string, object>, required: string[] = Object.keys(properties)) =>
  ({ type: 'object', properties, required, additionalProperties: false });

/** Nova's parameter_types.az_name: printable, no ':', no leading/trailing whitespace */
const azName = { type: 'string', minLength: 1, maxLength: 255, pattern: '^(?![\\s])[^\\x00-\\x1f\\x7f:]*(?<![\\s])$' } as const;
/** Nova's name_with_leading_trailing_spaces: printable, at least one non-space character */
const nameWithSpaces = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^\\x00-\\x1f\\x7f]*[^\\x00-\\x1f\\x7f\\s][^\\x00-\\x1f\\x7f]*$' } as const;
/** Nova's parameter_types.fqdn */
const fqdn = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9-._]*$' } as const;
/** Nova's parameter_types.metadata_with_null */
const metadataWithNull = {
  type: 'object',
  patternProperties: { '^[a-zA-Z0-9-_:. ]{1,255}$': { type: ['string', 'null'], maxLength: 255 } },
  additionalProperties: false,
} as const;
const availabilityZone = { oneOf: [azName, { type: 'null' }] } as const;

/** tempest v2_1/aggregates.py aggregate_for_create (no hosts, no metadata); 2.41 adds uuid */
const forCreate = {
  availability_zone: { type: ['string', 'null'] }, created_at: dateTime, deleted: { type: 'boolean' },
  deleted_at: dateTimeOrNull, id: { type: 'integer' }, name: { type: 'string' }, updated_at: dateTimeOrNull,
};
const full = { ...forCreate, hosts: { type: 'array', items: { type: 'string' } }, metadata: { type: 'object', additionalProperties: { type: 'string' } } };
const uuid = { type: 'string', format: 'uuid' };

const one = (props: Record<string, object>): Schema => obj({ aggregate: obj(props) });
/** 2.1–2.40 without uuid, 2.41 on with it */
const byVersion = (props: Record<string, object>, wrap: (p: Record<string, object>) => Schema) =>
  versioned<Schema>([{ min: '2.1', max: '2.40', value: wrap(props) }, { min: '2.41', value: wrap({ ...props, uuid }) }]);

const query = always(anyQuery);

export const list = {
  query, body: null,
  response: byVersion(full, (p): Schema => obj({ aggregates: { type: 'array', items: obj(p) } })),
};

export const show = { query, body: null, response: byVersion(full, one) };

/** Nova's schemas/aggregates.py create (2.1) */
export const create = {
  query,
  body: always(obj({ aggregate: obj({ name, availability_zone: availabilityZone }, ['name']) })),
  response: byVersion(forCreate, one),
};

/** Nova's update: name and/or availability_zone; the reply's updated_at is always set at 2.1 (tempest update_aggregate) */
export const update = {
  query,
  body: always(obj({
    aggregate: { ...obj({ name: nameWithSpaces, availability_zone: availabilityZone }, []), minProperties: 1 }, // Nova's anyOf required name / availability_zone
  })),
  response: byVersion({ ...full, updated_at: dateTime }, one),
};

export const remove = { query, body: null, response: always(null) };

/** Nova's add_host, remove_host and set_metadata bodies, by action name */
export const ACTION_BODIES: Record<string, Schema> = {
  add_host: obj({ add_host: obj({ host: fqdn }) }),
  remove_host: obj({ remove_host: obj({ host: fqdn }) }),
  set_metadata: obj({ set_metadata: obj({ metadata: metadataWithNull }) }),
};

/** POST /os-aggregates/{id}/action: the route checks for an object with an action key; the action's schema does the rest */
export const action = {
  query,
  body: always({ type: 'object', minProperties: 1, additionalProperties: true }),
  response: byVersion(full, one),
};
