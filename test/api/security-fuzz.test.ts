import { expect } from 'chai';
import fc from 'fast-check';
import { routeTables } from '../../src/app';
import type { RouteDef } from '../../src/api/routing';
import { API, as, useComputeApp } from '../helpers/compute-app';
import { insertImage } from '../helpers/images';
import { FuzzRequest, requestFor, snapshotDb } from '../helpers/fuzz-requests';

/**
 * Security fuzzing (issue 6): every identity, compute and image route of the live route tables
 * gets generated malformed bodies, headers, query strings and microversions. Nothing may answer
 * 5xx, every error is the API's own fault body, the process keeps serving, no prototype is
 * polluted, and a token that may not change anything (the reader's; another project's member on
 * demo's resources) changes no stored row. FUZZ_SEED=<n> replays a run; FUZZ_RUNS scales it.
 */
describe('security fuzz: malformed requests to every route', function () {
  this.timeout(240_000);
  const c = useComputeApp();
  const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const scale = Number(process.env.FUZZ_RUNS ?? 1);
  const real: Record<string, string[]> = {};
  let tables: { prefix: string; versioned: boolean; routes: RouteDef[] }[];
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => unhandled.push(err);

  before(async () => {
    const t = c.t;
    process.on('unhandledRejection', onUnhandled);
    tables = routeTables(t.config, t.services);
    real.server = [];
    for (let i = 0; i < 4; i++) real.server.push(await c.boot(`fuzz-${i}`));
    await t.request.put(`${API}/servers/${real.server[0]}/tags/fuzz-tag`).set(as(t.tokens.demo)).set('X-OpenStack-Nova-API-Version', '2.26');
    await t.request.post(`${API}/servers/${real.server[0]}/metadata`).set(as(t.tokens.demo)).send({ metadata: { 'fuzz-meta': 'x' } });
    const group = await t.request.post(`${API}/os-server-groups`).set(as(t.tokens.demo)).send({ server_group: { name: 'fuzz-group', policies: ['affinity'] } });
    real.group = [group.body.server_group.id];
    await t.request.post(`${API}/os-keypairs`).set(as(t.tokens.demo)).send({ keypair: { name: 'fuzz-key' } });
    real.keypair = ['fuzz-key'];
    real.image = [await insertImage(t.db, t.projects.demo, { visibility: 'private' }), c.image];
    real.project = [t.projects.demo, t.projects.alt];
    const actions = await t.request.get(`${API}/servers/${real.server[0]}/os-instance-actions`).set(as(t.tokens.demo));
    real.request = [actions.body.instanceActions[0].request_id];
    // the service rows are registered on first sight (Nova registers them at start), not by a request's own write
    expect((await t.request.get(`${API}/os-services`).set(as(t.tokens.admin))).status).to.equal(200);
    expect((await t.request.get(`${API}/os-hypervisors/detail`).set(as(t.tokens.admin))).status).to.equal(200);
    await t.services.tasks.idle();
  });

  after(() => { process.off('unhandledRejection', onUnhandled); });

  /** the seeded resources a path parameter may name (undefined: only generated values) */
  function realFor(route: RouteDef, param: string, readOnly: boolean): string[] | undefined {
    const p = route.path;
    if (p.startsWith('/v3/')) {
      // an admin fuzzing DELETE /v3/projects/<demo> would end the run: real identity ids only for reads
      if (!readOnly && route.method !== 'GET') return undefined;
      if (param === 'project_id') return real.project;
      return undefined;
    }
    if (p.startsWith('/v2/images/:imageId') && param === 'imageId') return real.image;
    if (p.startsWith('/servers/:id') && param === 'id') return real.server;
    if (param === 'requestId') return real.request;
    if (p.includes('/metadata/') && param === 'key') return ['fuzz-meta'];
    if (p.includes('/tags/') && param === 'tag') return ['fuzz-tag'];
    if (p.startsWith('/os-server-groups/')) return real.group;
    if (p.startsWith('/os-keypairs/')) return real.keypair;
    if (p.startsWith('/images/:id') && param === 'id') return real.image;
    if (p.startsWith('/flavors/:') || p.startsWith('/flavors/:flavor_id')) return ['1'];
    if (p.startsWith('/os-quota-sets/') || p.startsWith('/os-simple-tenant-usage/')) return real.project;
    return undefined;
  }

  type Target = { prefix: string; versioned: boolean; route: RouteDef };

  function targets(filter: (t: Target) => boolean): Target[] {
    const out = tables.flatMap(({ prefix, versioned, routes }) => routes.map((route) => ({ prefix, versioned, route }))).filter(filter);
    expect(out.length).to.be.greaterThan(0);
    return out;
  }

  function requests(list: Target[], tokens: string[], runs: number, readOnly: boolean, salt: number): FuzzRequest[] {
    const arb = fc.tuple(fc.constantFrom(...list), fc.constantFrom(...tokens)).chain(([{ prefix, versioned, route }, token]) =>
      requestFor(prefix, route, token, (r, p) => pick(realFor(r, p, readOnly)), versioned));
    return fc.sample(arb, { numRuns: Math.round(runs * scale), seed: seed + salt });
  }

  /** fast-check needs one value per parameter: the first real id (the others are in play via `pick` below) */
  let rotation = 0;
  function pick(values: string[] | undefined): string | undefined {
    if (!values) return undefined;
    rotation += 1;
    return values[rotation % values.length];
  }

  async function send(req: FuzzRequest) {
    const method = req.method.toLowerCase() as 'get';
    let r = c.t.request[method](req.path);
    for (const [k, v] of Object.entries(req.headers)) r = r.set(k, v);
    if (req.body !== undefined) r = r.send(req.body as string);
    return r.buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => cb(null, Buffer.concat(chunks).toString('utf8')));
    });
  }

  /** the problems with one response: a 5xx, or an error body that is not the API's fault format */
  function problems(req: FuzzRequest, route: RouteDef, res: { status: number; body: unknown; headers: Record<string, string> }): string[] {
    const out: string[] = [];
    const text = String(res.body ?? '');
    // 501 is Nova's deliberate "this driver cannot" (common.raise_feature_not_supported), allowed only
    // where the route declares it among its expected errors; anything else >= 500 is a crash
    const declared501 = res.status === 501 && route.errors.includes(501) && /notImplemented/.test(text);
    if (res.status >= 500 && !declared501) out.push(`status ${res.status}`);
    if (res.status < 400 || req.method === 'HEAD') return out;
    const path = req.path;
    const style = res.status === 401 || path.startsWith('/identity') ? 'identity' : path.startsWith('/image') ? 'image' : 'compute';
    if (style === 'image') {
      if (!text.startsWith(`${res.status} `)) out.push(`not a Glance fault: ${text.slice(0, 200)}`);
      return out;
    }
    let body: Record<string, { code?: number; message?: unknown; title?: unknown }>;
    try {
      body = JSON.parse(text);
    } catch {
      return [...out, `not JSON: ${text.slice(0, 200)}`];
    }
    if (style === 'identity') {
      if (!body?.error || body.error.code !== res.status || typeof body.error.message !== 'string' || typeof body.error.title !== 'string') out.push(`not a Keystone fault: ${text.slice(0, 200)}`);
    } else {
      const keys = Object.keys(body ?? {});
      const fault = body?.[keys[0]];
      if (keys.length !== 1 || fault?.code !== res.status || typeof fault?.message !== 'string') out.push(`not a Nova fault: ${text.slice(0, 200)}`);
    }
    return out;
  }

  async function fuzz(reqs: FuzzRequest[]): Promise<{ statuses: Record<number, number>; failures: string[] }> {
    const statuses: Record<number, number> = {};
    const failures: string[] = [];
    for (const req of reqs) {
      const res = await send(req);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      for (const p of problems(req, req.method === req.route.method ? req.route : { ...req.route, errors: [] }, res as never)) {
        const body = typeof req.body === 'string' ? req.body.slice(0, 300) : req.body ? `<${req.body.length} bytes>` : '';
        failures.push(`${p}\n      ${req.method} ${req.path.slice(0, 300)} ${JSON.stringify(req.headers).slice(0, 300)}\n      body: ${body}`);
      }
    }
    await c.t.services.tasks.idle();
    return { statuses, failures };
  }

  function expectUnchanged(before: Record<string, unknown[]>, after: Record<string, unknown[]>, what = ''): void {
    for (const table of Object.keys({ ...before, ...after })) expect(after[table], `${what}table ${table} changed (FUZZ_SEED=${seed})`).to.deep.equal(before[table]);
  }

  function report(failures: string[]): string {
    return `FUZZ_SEED=${seed}: ${failures.length} bad responses\n    ${[...new Set(failures)].slice(0, 15).join('\n    ')}`;
  }

  it('a reader fuzzing every route gets no 5xx, only fault bodies, and changes no stored row', async () => {
    const t = c.t;
    const before = await snapshotDb(t.db);
    const { statuses, failures } = await fuzz(requests(targets(() => true), [t.tokens.reader], 1500, true, 1));
    expect(failures, report(failures)).to.deep.equal([]);
    expectUnchanged(before, await snapshotDb(t.db));
    expect(Object.keys(statuses).length, JSON.stringify(statuses)).to.be.greaterThan(4);
  });

  it("another project's member fuzzing demo's resources gets no 5xx and changes nothing of them", async () => {
    const t = c.t;
    const owned = targets(({ route }) => route.auth === 'token' && !route.path.startsWith('/v3/') && /:(id|imageId)\b/.test(route.path));
    const before = await snapshotDb(t.db);
    const { failures } = await fuzz(requests(owned, [t.tokens.alt], 600, true, 2));
    expect(failures, report(failures)).to.deep.equal([]);
    expectUnchanged(before, await snapshotDb(t.db));
  });

  it('an admin and a member fuzzing every route get no 5xx, only fault bodies', async () => {
    const t = c.t;
    const { statuses, failures } = await fuzz(requests(targets(() => true), [t.tokens.admin, t.tokens.demo], 2500, false, 3));
    expect(failures, report(failures)).to.deep.equal([]);
    expect(statuses[200] ?? 0, JSON.stringify(statuses)).to.be.greaterThan(50);
    expect(statuses[400] ?? 0, JSON.stringify(statuses)).to.be.greaterThan(50);
  });

  it('refused writes by a member change nothing stored', async () => {
    const t = c.t;
    const writes = targets(({ route, prefix }) => route.auth === 'token' && route.method !== 'GET' && prefix !== '/compute/v2' && !route.path.startsWith('/v3/'));
    const reqs = requests(writes, [t.tokens.demo], 300, false, 4);
    let refused = 0;
    for (const req of reqs) {
      const before = await snapshotDb(t.db);
      const res = await send(req);
      await t.services.tasks.idle();
      expect(res.status, `${req.method} ${req.path}: ${res.body}`).to.be.lessThan(500);
      if (res.status < 400) continue;
      refused += 1;
      expectUnchanged(before, await snapshotDb(t.db), `${req.method} ${req.path} answered ${res.status}: `);
    }
    expect(refused).to.be.greaterThan(reqs.length / 4);
  });

  it('the process keeps serving, with no unhandled rejection and no polluted prototype', async () => {
    const res = await c.t.request.get(`${API}/servers`).set(as(c.t.tokens.demo));
    expect(res.status).to.equal(200);
    expect(unhandled.map(String)).to.deep.equal([]);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    expect(({} as Record<string, unknown>).isAdmin).to.equal(undefined);
    expect(Object.prototype).to.not.have.property('polluted');
  });
});

describe('security fuzz: what the fuzzer found (regressions)', () => {
  const c = useComputeApp();

  it('answers a body nested thousands of levels deep with 400, not 500 (JSON.stringify/ajv overflowed the stack)', async () => {
    const deep = `${'{"a":['.repeat(5000)}1${']}'.repeat(5000)}`;
    const server = await c.boot('fuzz-deep');
    for (const [method, path] of [['post', `${API}/servers/${server}/metadata`], ['put', `${API}/os-aggregates/1`], ['post', `${API}/servers`]] as const) {
      const res = await c.t.request[method](path).set(as(c.t.tokens.admin)).set('content-type', 'application/json').send(deep);
      expect(res.status, `${path}: ${res.text}`).to.equal(400);
      expect(res.body.badRequest.message).to.equal('Malformed request body');
    }
    const identity = await c.t.request.post('/identity/v3/auth/tokens').set('content-type', 'application/json').send(deep);
    expect(identity.status).to.equal(400);
    expect(identity.body.error.code).to.equal(400);
    // 64 levels is far beyond any API body and still parsed and validated as usual
    const nested = `{"metadata":{"k":"${'x'.repeat(10)}"},"extra":${'['.repeat(60)}${']'.repeat(60)}}`;
    const ok = await c.t.request.post(`${API}/servers/${server}/metadata`).set(as(c.t.tokens.demo)).set('content-type', 'application/json').send(nested);
    expect(ok.status, ok.text).to.equal(400);
    expect(ok.body.badRequest.message).to.match(/Additional properties are not allowed \('extra' was unexpected\)/);
  });

  it('treats prototype names in paths as the names they are: 404 for an unknown key or network, never 500', async () => {
    const server = await c.boot('fuzz-regression');
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const spec = await c.t.request.get(`${API}/flavors/1/os-extra_specs/${name}`).set(as(c.t.tokens.demo));
      expect(spec.status, `extra spec ${name}: ${spec.text}`).to.equal(404);
      const ips = await c.t.request.get(`${API}/servers/${server}/ips/${name}`).set(as(c.t.tokens.demo));
      expect(ips.status, `network ${name}: ${ips.text}`).to.equal(404);
      expect(ips.body.itemNotFound.message).to.equal(`Network ${name} could not be found.`);
    }
    // the URI key must be the body's own key: a prototype name is not in {"other": "1"}
    const mismatch = await c.t.request.put(`${API}/flavors/1/os-extra_specs/toString`).set(as(c.t.tokens.admin)).send({ other: '1' });
    expect(mismatch.status, mismatch.text).to.equal(400);
    expect(mismatch.body.badRequest.message).to.equal('Request body and URI mismatch');
    const specs = await c.t.request.get(`${API}/flavors/1/os-extra_specs`).set(as(c.t.tokens.demo));
    expect(specs.body.extra_specs).to.not.have.property('other');
  });
});
