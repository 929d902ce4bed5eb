import { expect } from 'chai';
import { computeRoutes } from '../../src/api/compute/routes';
import type { RouteDef } from '../../src/api/routing';
import { SERVER_ACTIONS } from '../../src/api/compute/actions';
import { API, as, useComputeApp } from '../helpers/compute-app';
import { insertImage } from '../helpers/images';
import { ACTION_SAMPLES, WRITE_SAMPLES, sampleAt } from './policy-samples';

/**
 * Nova's default roles, route by route: admin-only rules refuse members and readers; a reader
 * reads but never acts; a member of another project sees and touches nothing of demo's.
 * The route list comes from the live route table, so a new route is checked the day it lands.
 */
describe('policy matrix: role × own/other project × every compute route', () => {
  const c = useComputeApp();
  const demo: Record<string, string> = {};
  let routes: RouteDef[];

  before(async () => {
    const t = c.t;
    routes = computeRoutes(t.services, t.config).v21.filter((r) => r.auth === 'token');
    demo.server = await c.boot('demo-secret-server');
    const tagged = await t.request.put(`${API}/servers/${demo.server}/tags/demo-secret-tag`).set(as(t.tokens.demo)).set('X-OpenStack-Nova-API-Version', '2.26');
    expect(tagged.status, tagged.text).to.equal(201);
    const meta = await t.request.post(`${API}/servers/${demo.server}/metadata`).set(as(t.tokens.demo)).send({ metadata: { 'demo-secret-meta': 'x' } });
    expect(meta.status, meta.text).to.equal(200);
    const group = await t.request.post(`${API}/os-server-groups`).set(as(t.tokens.demo)).send({ server_group: { name: 'demo-secret-group', policies: ['affinity'] } });
    demo.group = group.body.server_group.id;
    const kp = await t.request.post(`${API}/os-keypairs`).set(as(t.tokens.demo)).send({ keypair: { name: 'demo-secret-key' } });
    expect(kp.status, kp.text).to.be.oneOf([200, 201]);
    demo.keypair = 'demo-secret-key';
    demo.image = await insertImage(t.db, t.projects.demo, { visibility: 'private' });
    await t.db('image_properties').insert({ image_id: demo.image, name: 'demo-secret-property', value: 'x' });
    const shown = await t.request.get(`${API}/servers/${demo.server}`).set(as(t.tokens.demo));
    demo.network = Object.keys(shown.body.server.addresses)[0];
    demo.actionRequest = (await t.request.get(`${API}/servers/${demo.server}/os-instance-actions`).set(as(t.tokens.demo))).body.instanceActions[0].request_id;
  });

  /** The concrete path of a route with demo's resources in it; owned=false when no param names one of them. */
  function concrete(route: RouteDef): { path: string; owned: boolean } {
    let owned = false;
    const path = route.path.replace(/:(\w+)/g, (_m, name: string) => {
      const value = paramValue(route.path, name);
      if (value !== undefined) owned = true;
      return value ?? 'novashim-placeholder';
    });
    return { path: `${API}${path}`, owned };
  }

  function paramValue(path: string, name: string): string | undefined {
    if (path.startsWith('/servers/:id') && name === 'id') return demo.server;
    if (path.startsWith('/servers/:id/os-instance-actions/') && name === 'requestId') return demo.actionRequest;
    if (path.startsWith('/servers/:id/ips/') && name === 'network') return demo.network;
    if (path.startsWith('/servers/:id/metadata/') && name === 'key') return 'demo-secret-meta';
    if (path.startsWith('/servers/:id/tags/') && name === 'tag') return 'demo-secret-tag';
    if (path.startsWith('/os-server-groups/:id')) return demo.group;
    if (path.startsWith('/os-keypairs/:name')) return demo.keypair;
    if (path.startsWith('/images/:id') && name === 'id') return demo.image;
    if (path.startsWith('/images/:id/metadata/') && name === 'key') return 'demo-secret-property';
    return undefined;
  }

  function call(route: RouteDef, token: string, body?: unknown, version = 'latest') {
    const { path } = concrete(route);
    const req = c.t.request[route.method.toLowerCase() as 'get'](path).set(as(token)).set('X-OpenStack-Nova-API-Version', version);
    return body === undefined ? req : req.send(body as object);
  }

  /** Server sub-resources that answer 404 before the microversion that introduced them. */
  const INTRODUCED_AT: [RegExp, string][] = [
    [/^\/servers\/:id\/remote-consoles/, '2.6'], [/^\/servers\/:id\/migrations/, '2.23'],
    [/^\/servers\/:id\/tags/, '2.26'], [/^\/servers\/:id\/topology/, '2.78'],
  ];
  /** The versions each route is checked at: its first one and the latest (the image proxy is gone from 2.36). */
  const versionsFor = (route: RouteDef) => {
    if (route.path.startsWith('/images')) return ['2.1'];
    const introduced = INTRODUCED_AT.find(([re]) => re.test(route.path));
    return [introduced ? introduced[1] : '2.1', 'latest'];
  };

  /** Nova's tag controller checks its policy against the server's project before anything else: 403, not 404 */
  const otherProjectStatus = (route: RouteDef) => (route.path.startsWith('/servers/:id/tags') ? 403 : 404);

  /** Routes where Nova looks the server up first (404 for another project) and then applies an admin rule (403 for the owner). */
  const ADMIN_AFTER_LOOKUP = new Set(['server_migrations.index', 'server_migrations.show', 'server_diagnostics.index']);

  it('admin-only routes refuse a member and a reader with 403 before reading the body, and let an admin through', async () => {
    const adminRoutes = routes.filter((r) => r.admin !== undefined);
    expect(adminRoutes.length, 'admin-only routes declared').to.be.greaterThan(5);
    for (const route of adminRoutes) {
      for (const token of [c.t.tokens.demo, c.t.tokens.reader]) {
        const res = await call(route, token, route.body ? {} : undefined, versionsFor(route)[0]);
        expect(res.status, `${route.method} ${route.path}: ${res.text}`).to.equal(403);
        expect(res.body.forbidden.message).to.contain(route.admin);
      }
      const byAdmin = await call(route, c.t.tokens.admin, route.body ? {} : undefined, versionsFor(route)[0]);
      expect(byAdmin.status, `${route.method} ${route.path} as admin`).to.not.equal(403);
    }
  });

  it('a project reader is refused every write (403) and changes nothing', async () => {
    const before = await showAsAdmin();
    for (const route of routes.filter((r) => r.method !== 'GET' && r.admin === undefined)) {
      const res = await call(route, c.t.tokens.reader, route.body ? {} : undefined, versionsFor(route)[0]);
      expect(res.status, `${route.method} ${route.path}: ${res.text}`).to.equal(403);
    }
    expect(await showAsAdmin()).to.deep.equal(before);
  });

  it("demo's member and reader can read demo's resources; another project gets 404 for each, at every version", async () => {
    const reads = routes.filter((r) => r.method === 'GET' && r.admin === undefined && concrete(r).owned && !ADMIN_AFTER_LOOKUP.has(r.name));
    expect(reads.length).to.be.greaterThan(8);
    for (const route of reads) {
      for (const version of versionsFor(route)) {
        // key pairs belong to a user, not to the project: the project's reader is another user
        const owners = route.path.startsWith('/os-keypairs') ? [c.t.tokens.demo] : [c.t.tokens.demo, c.t.tokens.reader];
        for (const token of owners) {
          const own = await call(route, token, undefined, version);
          expect(own.status, `${route.path} @${version} by demo: ${own.text}`).to.be.lessThan(300);
        }
        const other = await call(route, c.t.tokens.alt, undefined, version);
        expect(other.status, `${route.path} @${version} by alt: ${other.text}`).to.equal(otherProjectStatus(route));
      }
    }
  });

  it('admin rules applied after the server lookup: 403 for the owner, 404 for another project', async () => {
    for (const route of routes.filter((r) => ADMIN_AFTER_LOOKUP.has(r.name))) {
      const own = await call(route, c.t.tokens.demo);
      expect(own.status, `${route.path}: ${own.text}`).to.equal(403);
      const other = await call(route, c.t.tokens.alt);
      expect(other.status, `${route.path}: ${other.text}`).to.equal(404);
    }
  });

  it("no list or search shows another project's servers, groups, key pairs or private images", async () => {
    const lists = routes.filter((r) => r.method === 'GET' && r.admin === undefined && !r.path.includes(':'));
    expect(lists.length).to.be.greaterThan(8);
    const secrets = [demo.server, demo.group, demo.image, 'demo-secret'];
    for (const route of lists) {
      for (const version of versionsFor(route)) {
        const res = await call(route, c.t.tokens.alt, undefined, version);
        for (const secret of secrets) expect(res.text, `${route.path} @${version} leaks ${secret}`).to.not.contain(secret);
      }
    }
  });

  it("another project's member gets 404 for every write on demo's resources, and they stay unchanged", async () => {
    const before = await showAsAdmin();
    const writes = routes.filter((r) => r.method !== 'GET' && r.admin === undefined && concrete(r).owned);
    for (const route of writes) {
      const samples = route.name === 'servers.action'
        ? Object.keys(SERVER_ACTIONS).map((a) => [a, ACTION_SAMPLES[a]] as const)
        : [[route.name, WRITE_SAMPLES[route.name]] as const];
      for (const [name, body] of samples) {
        for (const version of versionsFor(route)) {
          const res = await call(route, c.t.tokens.alt, route.body ? sampleAt(name, version, body) : undefined, version);
          // Nova names an action unknown at a version (400) before it looks the server up
          if (res.status === 400 && /no such action/.test(res.text)) continue;
          expect(res.status, `${route.method} ${route.path} (${name}) @${version}: ${res.text}`).to.equal(otherProjectStatus(route));
        }
      }
    }
    expect(await showAsAdmin()).to.deep.equal(before);
  });

  it('has a sample body for every server action and every write route on an owned resource', () => {
    expect(Object.keys(SERVER_ACTIONS).filter((a) => !(a in ACTION_SAMPLES)), 'actions without a sample').to.deep.equal([]);
    const writes = routes.filter((r) => r.method !== 'GET' && r.body && r.admin === undefined && concrete(r).owned && r.name !== 'servers.action');
    expect(writes.filter((r) => !(r.name in WRITE_SAMPLES)).map((r) => r.name), 'write routes without a sample').to.deep.equal([]);
  });

  async function showAsAdmin(): Promise<unknown> {
    const t = c.t;
    const server = await t.request.get(`${API}/servers/${demo.server}`).set(as(t.tokens.admin)).set('X-OpenStack-Nova-API-Version', 'latest');
    const group = await t.request.get(`${API}/os-server-groups/${demo.group}`).set(as(t.tokens.admin));
    const image = await t.request.get(`${API}/images/${demo.image}`).set(as(t.tokens.admin));
    const key = await t.request.get(`${API}/os-keypairs/${demo.keypair}`).set(as(t.tokens.demo));
    return { server: server.body, group: group.body, image: image.body, key: key.body };
  }
});
