import fc from 'fast-check';
import type { Knex } from 'knex';
import type { RouteDef } from '../../src/api/routing';
import type { Schema } from '../../src/api/validation';

/**
 * Generators of malformed requests for the security fuzz suite: bodies derived from each route's
 * own body schema (so they get past the outer shape and into the handlers) with junk mixed in at
 * every level, prototype-pollution keys, bad microversions, garbage headers and query strings.
 */

/** values no schema expects: wrong types, huge and odd strings, deep nesting, NaN-ish numbers */
export const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true }),
  fc.constantFrom(-1, 0, 2 ** 31, 2 ** 53, -(2 ** 63), 1e308, 0.5),
  fc.string(), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', 'null', 'true', 'None', '../../etc/passwd', '$(id)', '`id`', ';rm -rf /',
    '%00', 'a\nb', '\u202e', '😀', 'x'.repeat(70_000), '9'.repeat(400), '-1', '1e999', 'NaN', '0x10',
    '2020-13-45T99:99:99Z', '00000000-0000-0000-0000-000000000000', 'Ａ'.repeat(256), '__proto__', 'constructor'),
  fc.constant(nest(200)),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 4 }),
  fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'length'), fc.jsonValue({ maxDepth: 1 })),
);

function nest(depth: number): unknown {
  let v: unknown = 'deep';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

/** a value shaped like `schema` wants, with junk in place of any part of it now and then */
export function nearlyValid(schema: unknown, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 6 || !schema || typeof schema !== 'object') return junk;
  return fc.oneof({ weight: 4, arbitrary: shaped(schema as Schema, depth) }, { weight: 1, arbitrary: junk });
}

function shaped(s: Schema, depth: number): fc.Arbitrary<unknown> {
  if (Array.isArray(s.enum) && s.enum.length) return fc.constantFrom(...(s.enum as unknown[]));
  if ('const' in s) return fc.constant(s.const);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const alts = s[key];
    if (Array.isArray(alts) && alts.length) {
      const typed = { ...s, [key]: undefined };
      return fc.oneof(...alts.map((a) => nearlyValid(typeof a === 'object' && !('type' in a) && 'type' in s ? { ...typed, ...a } : a, depth + 1)));
    }
  }
  const types = Array.isArray(s.type) ? (s.type as string[]) : s.type ? [s.type as string] : ['object'];
  return fc.oneof(...types.map((t) => ofType(t, s, depth)));
}

function ofType(type: string, s: Schema, depth: number): fc.Arbitrary<unknown> {
  switch (type) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      const required = new Set((s.required ?? []) as string[]);
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) model[k] = nearlyValid(v, depth + 1);
      const extra = s.patternProperties || s.additionalProperties
        ? fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 20 }), { maxKeys: 3 })
        : fc.constant({});
      return fc.tuple(fc.record(model, { requiredKeys: [...required].filter((k) => k in props) }), extra)
        .map(([known, more]) => ({ ...more, ...known }));
    }
    case 'array': return fc.array(nearlyValid(s.items, depth + 1), { maxLength: 3 });
    case 'string': return stringFor(s);
    case 'integer': return fc.oneof(fc.integer({ min: -2, max: 100_000 }), fc.constantFrom(0, 1, 2 ** 31, -1));
    case 'number': return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer());
    case 'boolean': return fc.boolean();
    case 'null': return fc.constant(null);
    default: return junk;
  }
}

function stringFor(s: Schema): fc.Arbitrary<string> {
  const odd = fc.constantFrom('', ' x', 'x ', 'a'.repeat(300), 'ünïcødé', '..', '/', '*', '%', '\\', 'a:b');
  switch (s.format) {
    case 'uuid': return fc.oneof(fc.uuid(), odd);
    case 'ipv4': return fc.oneof(fc.ipV4(), odd);
    case 'ipv6': return fc.oneof(fc.ipV6(), odd);
    case 'date-time': return fc.oneof(fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) => d.toISOString()), odd);
    default: return fc.oneof(fc.string({ minLength: 1, maxLength: 16 }), fc.string({ unit: 'grapheme', maxLength: 16 }), odd);
  }
}

/** what the fuzzer sends; `body` is the raw text (or undefined for none) */
export interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string | Buffer;
  /** the route the request was generated for */
  readonly route: RouteDef;
}

export const microversions = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 79 }).map((n) => `2.${n}`) },
  { weight: 1, arbitrary: fc.constantFrom('latest', 'LATEST', '2.0', '2.80', '2.1000', '3.0', '1.1', '2', '2.', '.1', 'a.b', '2.1.1', '-2.1', '02.01',
    ' 2.10 ', '2.99999999999999999999', 'compute 2.5', '2.1, 2.2', '', '\u00b2.1', 'x'.repeat(5000)) },
);

const contentTypes = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/xml',
  'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream',
  'application/openstack-images-v2.1-json-patch', 'application/json-patch+json', 'application/jsonx', ';;;', 'ä/ö');

/** nesting far past anything a schema allows, as text (JSON.stringify itself would overflow building it) */
const DEEP_TEXT = `${'{"a":['.repeat(5000)}1${']}'.repeat(5000)}`;

/** the body text: JSON of a near-valid value, pollution keys spliced in, or plain garbage */
export function bodyFor(route: RouteDef, version: string | null): fc.Arbitrary<string | undefined> {
  const schema = route.body && route.body !== 'raw' ? safePick(route, version) : undefined;
  const json = (schema ? nearlyValid(schema) : junk).map((v) => JSON.stringify(v));
  const polluted = json.map((t) => (t?.startsWith('{') && t.length > 2
    ? `{"__proto__":{"polluted":"yes","isAdmin":true},"constructor":{"prototype":{"polluted":"yes"}},${t.slice(1)}`
    : t));
  return fc.oneof(
    { weight: 6, arbitrary: json },
    { weight: 2, arbitrary: polluted },
    { weight: 1, arbitrary: fc.constantFrom(undefined, '', '{', '{"a":', '[', 'null', '0', '"x"', '{"a":1}{"b":2}', '\u0000', '\ufeff{}',
      `{"x":"${'\\ud800'}"}`, '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
      '{"a":1,"a":2}', DEEP_TEXT) },
  );
}

function safePick(route: RouteDef, version: string | null): Schema | undefined {
  const table = route.body as Exclude<RouteDef['body'], null | 'raw'>;
  const values = table.values();
  if (!version || !/^2\.\d+$/.test(version)) return values[values.length - 1];
  // not Versioned.pick: any entry is as good a starting point, and an off-table version must not throw here
  return values[Math.min(values.length - 1, Math.floor(Number(version.split('.')[1]) / 80 * values.length))];
}

/** query strings: known keys of the route's query schema and odd ones, repeated keys, bad encodings */
export function queryFor(route: RouteDef): fc.Arbitrary<string> {
  const schemas = route.query.values() as Schema[];
  const known = schemas.flatMap((s) => Object.keys((s.properties ?? {}) as object));
  const keys = fc.oneof(
    ...(known.length ? [{ weight: 4, arbitrary: fc.constantFrom(...known) }] : []),
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', '__proto__[isAdmin]', 'limit', 'marker', 'sort_key', 'all_tenants', 'deleted', 'changes-since', 'a[b]', '') },
  );
  const values = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', '-1', '0', '1', '1000001', 'true', 'x'.repeat(2000), '2020-01-01T00:00:00Z',
    '1e400', 'NaN', 'null', '%ZZ', '%E0%A4%A', '😀', '00000000-0000-0000-0000-000000000000', 'name:asc,created_at:desc', 'in:a,b', 'gte:2020-01-01'));
  const pair = fc.tuple(keys, values).map(([k, v]) => (/%[^0-9A-F]|%E0%A4%A$/i.test(v) ? `${encodeURIComponent(k)}=${v}` : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`));
  return fc.array(pair, { maxLength: 4 }).map((ps) => (ps.length ? `?${ps.join('&')}` : ''));
}

/** a path parameter: a real id of the seeded resources, or something odd */
export function paramFor(real: string | undefined): fc.Arbitrary<string> {
  const odd = fc.oneof(
    fc.uuid().map(encodeURIComponent),
    fc.string({ minLength: 1, maxLength: 20 }).map(encodeURIComponent),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }).map(encodeURIComponent),
    fc.constantFrom('%E0%A4%A', '%ZZ', '%00', '..', '%2e%2e', '%2F', 'a%20b', 'x'.repeat(2000), '-1', '0', '99999999999999999999999', 'null', '%F0%9F%98%80', 'detail', 'latest',
      '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype'),
  );
  return real ? fc.oneof({ weight: 3, arbitrary: fc.constant(encodeURIComponent(real)) }, { weight: 2, arbitrary: odd }) : odd;
}

/** a whole request to one route: method (now and then a wrong one), path, headers, body */
export function requestFor(prefix: string, route: RouteDef, token: string, real: (route: RouteDef, param: string) => string | undefined, versioned: boolean): fc.Arbitrary<FuzzRequest> {
  const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
  const paramArbs = params.map((p) => paramFor(real(route, p)));
  const method = fc.oneof({ weight: 12, arbitrary: fc.constant(route.method as string) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD') });
  return fc.tuple(method, fc.tuple(...paramArbs), queryFor(route), versioned ? microversions : fc.constant(null),
    fc.option(contentTypes, { freq: 3 }), fc.oneof({ weight: 10, arbitrary: fc.constant(token) }, { weight: 1, arbitrary: badTokens(token) }), fc.boolean(), fc.boolean())
    .chain(([m, values, query, version, type, tok, modernHeader, raw]) => {
      const bodyArb = route.body === 'raw' && raw ? fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b) as string | Buffer | undefined) : bodyFor(route, version);
      return bodyArb.map((body) => {
        let i = 0;
        const path = `${prefix}${route.path.replace(/:(\w+)/g, () => values[i++])}${query}`;
        const headers: Record<string, string> = { 'x-auth-token': tok };
        if (version !== null) {
          if (modernHeader) headers['openstack-api-version'] = `compute ${version}`;
          else headers['x-openstack-nova-api-version'] = version;
        }
        if (type) headers['content-type'] = type;
        else if (body !== undefined && typeof body === 'string') headers['content-type'] = route.method === 'PATCH' && prefix === '/image' ? 'application/openstack-images-v2.1-json-patch' : 'application/json';
        return { method: m, path, headers, body, route };
      });
    });
}

/** a valid token made invalid: random, truncated, one character changed, huge, or with control characters cut out */
export function badTokens(valid: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ minLength: 1, maxLength: 64 }).map((s) => s.replace(/[^\x21-\x7e]/g, 'x') || 'x'),
    fc.integer({ min: 1, max: Math.max(1, valid.length - 1) }).map((n) => valid.slice(0, n)),
    fc.integer({ min: 0, max: valid.length - 1 }).map((i) => valid.slice(0, i) + (valid[i] === 'a' ? 'b' : 'a') + valid.slice(i + 1)),
    fc.constant('t'.repeat(8000)),
    fc.constant(`${valid}x`),
  );
}

/** every row of every table, for before/after comparisons (SQLite) */
export async function snapshotDb(db: Knex): Promise<Record<string, unknown[]>> {
  const tables = (await db('sqlite_master').where({ type: 'table' }).whereNot('name', 'like', 'sqlite_%').whereNot('name', 'like', 'knex_%').orderBy('name').pluck('name')) as string[];
  const out: Record<string, unknown[]> = {};
  for (const table of tables) out[table] = await db(table).select().orderByRaw('rowid');
  return out;
}
