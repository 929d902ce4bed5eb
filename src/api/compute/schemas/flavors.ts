import { always, versioned } from '../../microversion';
import { anyQuery, links, name as nameParam, queryValue } from '../../parameter-types';
import type { Schema } from '../../validation';
import { ANY_BODY } from '../version-gates';

const SORT_KEYS = ['created_at', 'description', 'disabled', 'ephemeral_gb', 'flavorid', 'id', 'is_public', 'memory_mb',
  'name', 'root_gb', 'rxtx_factor', 'swap', 'updated_at', 'vcpu_weight', 'vcpus'];

const multi = (item: object) => ({ anyOf: [item, { type: 'array', items: item }] });

const listQueryV2_1: Schema = {
  type: 'object',
  properties: {
    limit: multi({ type: 'string', pattern: '^[0-9]+$' }), marker: queryValue, is_public: queryValue,
    minRam: queryValue, minDisk: queryValue,
    sort_key: multi({ type: 'string', enum: SORT_KEYS }), sort_dir: multi({ type: 'string', enum: ['asc', 'desc'] }),
  },
  additionalProperties: queryValue,
};

const flavorDetail = {
  type: 'object',
  properties: {
    id: { type: 'string' }, name: { type: 'string' }, links, ram: { type: 'integer' }, vcpus: { type: 'integer' },
    swap: { type: ['integer', 'string'] }, disk: { type: 'integer' }, 'OS-FLV-DISABLED:disabled': { type: 'boolean' },
    'os-flavor-access:is_public': { type: 'boolean' }, rxtx_factor: { type: 'number' }, 'OS-FLV-EXT-DATA:ephemeral': { type: 'integer' },
  },
  required: ['name', 'links', 'ram', 'vcpus', 'swap', 'disk', 'id'],
  additionalProperties: false,
} as const;

const summary = { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, links }, required: ['id', 'name', 'links'], additionalProperties: false } as const;
const flavorsOf = (item: object): Schema => ({ type: 'object', properties: { flavors: { type: 'array', items: item }, flavors_links: links }, required: ['flavors'], additionalProperties: false });
const extraSpecs = { type: 'object', additionalProperties: { type: 'string' } } as const;

/** 2.55: description (Nova's flavor_description: printable, at most 65535 long, or null) */
const description = { type: ['string', 'null'], minLength: 0, maxLength: 65535, pattern: '^[^\\x00-\\x1f\\x7f]*$' } as const;
const extend = (base: { properties: object; required: readonly string[] }, extra: Record<string, object>, required: string[]) =>
  ({ ...base, properties: { ...base.properties, ...extra }, required: [...base.required, ...required] });
const summaryV2_55 = extend(summary, { description }, ['description']);
const detailV2_55 = extend(flavorDetail, { description }, ['description']);
/** 2.61: extra_specs (always shown: the extra-specs index policy allows every reader); 2.75: swap an integer */
const detailV2_61 = extend(detailV2_55, { extra_specs: extraSpecs }, ['extra_specs']);
const detailV2_75 = { ...detailV2_61, properties: { ...detailV2_61.properties, swap: { type: 'integer' } } };
const oneFlavor = (item: object): Schema => ({ type: 'object', properties: { flavor: item }, required: ['flavor'], additionalProperties: false });
const detailByVersion = <T>(wrap: (item: object) => T) => versioned([
  { min: '2.1', max: '2.54', value: wrap(flavorDetail) },
  { min: '2.55', max: '2.60', value: wrap(detailV2_55) },
  { min: '2.61', max: '2.74', value: wrap(detailV2_61) },
  { min: '2.75', value: wrap(detailV2_75) },
]);

export const list = {
  query: always(listQueryV2_1),
  response: versioned([{ min: '2.1', max: '2.54', value: flavorsOf(summary) }, { min: '2.55', value: flavorsOf(summaryV2_55) }]),
};
export const detail = { query: always(listQueryV2_1), response: detailByVersion(flavorsOf) };
export const show = { query: always(anyQuery), response: detailByVersion(oneFlavor) };
/** PUT /flavors/{id} (2.55): the description only */
export const update = {
  body: versioned([{ min: '2.1', max: '2.54', value: ANY_BODY }, { min: '2.55', value: {
    type: 'object',
    properties: { flavor: { type: 'object', properties: { description }, required: ['description'], additionalProperties: false } },
    required: ['flavor'], additionalProperties: false,
  } as Schema }]),
  query: always(anyQuery), response: show.response,
};
export const extraSpecsList = { query: always(anyQuery), response: always({ type: 'object', properties: { extra_specs: extraSpecs }, required: ['extra_specs'], additionalProperties: false }) };
export const extraSpecShow = { query: always(anyQuery), response: always({ ...extraSpecs, minProperties: 1, maxProperties: 1 }) };

// ---- flavor administration (flavor_manage, flavors_extraspecs, flavor_access at 2.1) ----

/** Nova's volume_size-based flavor_param_*: an integer, or a string of digits. */
const flavorInt = (minimum: number) => ({ type: ['integer', 'string'], pattern: '^[0-9]+$', minimum, maximum: 0x7FFFFFFF });
/** Nova's parameter_types.boolean. */
export const BOOLEAN_STRINGS: Record<string, boolean> = {
  True: true, TRUE: true, true: true, 1: true, ON: true, On: true, on: true, YES: true, Yes: true, yes: true,
  False: false, FALSE: false, false: false, 0: false, OFF: false, Off: false, off: false, NO: false, No: false, no: false,
};
const booleanParam = { type: ['boolean', 'string'], enum: [true, false, ...Object.keys(BOOLEAN_STRINGS)] };

const createBody: Schema = {
  type: 'object',
  properties: {
    flavor: {
      type: 'object',
      properties: {
        name: nameParam,
        id: { type: ['string', 'number', 'null'], minLength: 1, maxLength: 255, pattern: '^(?! )[a-zA-Z0-9. _-]+(?<! )$' },
        ram: flavorInt(1), vcpus: flavorInt(1), disk: flavorInt(0), 'OS-FLV-EXT-DATA:ephemeral': flavorInt(0), swap: flavorInt(0),
        rxtx_factor: { type: ['number', 'string'], pattern: '^[0-9]+(\\.[0-9]+)?$', exclusiveMinimum: 0, maximum: 3.40282e+38 },
        'os-flavor-access:is_public': booleanParam,
      },
      required: ['name', 'ram', 'vcpus', 'disk'],
      additionalProperties: false,
    },
  },
  required: ['flavor'],
  additionalProperties: false,
};

const EXTRA_SPEC_KEY = '^[a-zA-Z0-9-_:. ]{1,255}$';
const extraSpecsBody = {
  type: 'object', patternProperties: { [EXTRA_SPEC_KEY]: { type: ['string', 'number'], maxLength: 255 } }, additionalProperties: false,
} as const;

const tenantAccess = (action: string): Schema => ({
  type: 'object',
  properties: {
    [action]: {
      type: 'object', properties: { tenant: { type: 'string', minLength: 1, maxLength: 255 } }, required: ['tenant'], additionalProperties: false,
    },
  },
  required: [action],
  additionalProperties: false,
});

const flavorAccessReply: Schema = {
  type: 'object',
  properties: {
    flavor_access: {
      type: 'array',
      items: { type: 'object', properties: { flavor_id: { type: 'string' }, tenant_id: { type: 'string' } }, required: ['flavor_id', 'tenant_id'], additionalProperties: false },
    },
  },
  required: ['flavor_access'],
  additionalProperties: false,
};

const createBodyV2_55 = (() => {
  const inner = (createBody as { properties: { flavor: { properties: object } } }).properties.flavor;
  return { ...createBody, properties: { flavor: { ...inner, properties: { ...inner.properties, description } } } } as Schema;
})();
export const create = {
  body: versioned([{ min: '2.1', max: '2.54', value: createBody }, { min: '2.55', value: createBodyV2_55 }]),
  query: always(anyQuery), response: show.response,
};
export const remove = { body: null, query: always(anyQuery), response: always(null) };
export const extraSpecsCreate = {
  body: always({ type: 'object', properties: { extra_specs: extraSpecsBody }, required: ['extra_specs'], additionalProperties: false }),
  query: always(anyQuery), response: extraSpecsList.response,
};
export const extraSpecUpdate = { body: always({ ...extraSpecsBody, minProperties: 1, maxProperties: 1 }), query: always(anyQuery), response: extraSpecShow.response };
export const extraSpecDelete = { body: null, query: always(anyQuery), response: always(null) };
export const accessList = { body: null, query: always(anyQuery), response: always(flavorAccessReply) };
export const accessAction = {
  body: always({ oneOf: [tenantAccess('addTenantAccess'), tenantAccess('removeTenantAccess')] }),
  query: always(anyQuery), response: always(flavorAccessReply),
};
