import { expect } from 'chai';
import { makeTestApp, TestApp } from '../helpers/app';
import { routeTables } from '../../src/app';
import { compileSchemas, RouteDef } from '../../src/api/routing';
import { Versioned } from '../../src/api/microversion';
import { SERVER_ACTIONS } from '../../src/api/compute/actions';

/** Every object node in a schema states additionalProperties (Nova's rule, checked like its test_schemas.py). */
function objectsWithoutAdditionalProperties(schema: unknown, at = '#'): string[] {
  if (!schema || typeof schema !== 'object') return [];
  const node = schema as Record<string, unknown>;
  const own = node.type === 'object' && !('additionalProperties' in node) && !('patternProperties' in node) ? [at] : [];
  return own.concat(...Object.entries(node).map(([k, v]) => objectsWithoutAdditionalProperties(v, `${at}/${k}`)));
}

describe('route tables', () => {
  let t: TestApp;
  let tables: ReturnType<typeof routeTables>;
  before(async () => {
    t = await makeTestApp();
    tables = routeTables(t.config, t.services);
  });
  after(async () => { await t.close(); });

  const all = (): (RouteDef & { prefix: string })[] => tables.flatMap((tb) => tb.routes.map((r) => ({ ...r, prefix: tb.prefix })));

  it('gives every route a request, query and response schema table and its expected errors', () => {
    expect(all().length).to.be.greaterThan(20);
    for (const route of all()) {
      const label = `${route.method} ${route.prefix}${route.path}`;
      expect(route.body === null || route.body === 'raw' || route.body instanceof Versioned, label).to.equal(true);
      expect(route.query, label).to.be.instanceOf(Versioned);
      expect(route.response, label).to.be.instanceOf(Versioned);
      expect(route.errors, label).to.be.an('array');
      if (route.method === 'POST' || route.method === 'PUT') expect(route.body, `${label} takes a body`).to.not.equal(null);
      expect(() => compileSchemas(route), label).to.not.throw();
    }
  });

  it('declares additionalProperties on every object of every compute schema', () => {
    for (const route of all().filter((r) => r.prefix.startsWith('/compute'))) {
      const schemas = [...(route.body instanceof Versioned ? route.body.values() : []), ...route.response.values()];
      for (const schema of schemas) {
        expect(objectsWithoutAdditionalProperties(schema), `${route.method} ${route.path}`).to.deep.equal([]);
      }
    }
  });

  it('declares additionalProperties on every object of every server action schema, request and reply', () => {
    for (const [name, a] of Object.entries(SERVER_ACTIONS)) {
      expect(objectsWithoutAdditionalProperties(a.body), name).to.deep.equal([]);
      if (a.response) expect(objectsWithoutAdditionalProperties(a.response), `${name} reply`).to.deep.equal([]);
    }
  });

  it('declares a reply (schema or none) for every server action', () => {
    for (const [name, a] of Object.entries(SERVER_ACTIONS)) expect(a.response, name).not.to.equal(undefined);
  });

  it('names routes uniquely per mount', () => {
    for (const table of tables) {
      const names = table.routes.map((r) => r.name);
      expect(new Set(names).size, table.prefix).to.equal(names.length);
    }
  });
});
