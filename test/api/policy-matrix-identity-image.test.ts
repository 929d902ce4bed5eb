import { expect } from 'chai';
import { routeTables } from '../../src/app';
import type { RouteDef } from '../../src/api/routing';
import { makeTestApp, TestApp } from '../helpers/app';
import { snapshotDb } from '../helpers/fuzz-requests';

const as = (token: string) => ({ 'X-Auth-Token': token });

/**
 * The authorization matrix for the identity and image APIs (issue 6), from the live route tables
 * so a new route is checked the day it lands: Keystone's admin_required rules refuse a member and a
 * reader (403, Keystone fault) and change nothing; another project's private image is 404 on every
 * image route; a reader reads its project's images but writes nothing.
 */
describe('policy matrix: identity admin routes and the image API', function () {
  this.timeout(60_000);
  let t: TestApp;
  let identity: RouteDef[];
  let image: RouteDef[];
  const ids: Record<string, string> = {};

  before(async () => {
    t = await makeTestApp();
    const tables = routeTables(t.config, t.services);
    identity = tables.find((x) => x.prefix === '/identity')!.routes.filter((r) => r.auth === 'token');
    image = tables.find((x) => x.prefix === '/image')!.routes.filter((r) => r.auth === 'token' && r.path.includes(':imageId'));
    ids.adminUser = (await t.db('users').where({ name: 'admin' }).first()).id;
    ids.demoUser = (await t.db('users').where({ name: 'demo' }).first()).id;
    ids.memberRole = (await t.db('roles').where({ name: 'member' }).first()).id;
    // demo's private image with data and a tag, so download and tag routes have something to give away
    const created = await t.request.post('/image/v2/images').set(as(t.tokens.demo))
      .send({ name: 'demo-secret-image', visibility: 'private', container_format: 'bare', disk_format: 'raw', tags: ['demo-secret-tag'] });
    expect(created.status, created.text).to.equal(201);
    ids.image = created.body.id;
    const uploaded = await t.request.put(`/image/v2/images/${ids.image}/file`).set(as(t.tokens.demo)).set('content-type', 'application/octet-stream').send(Buffer.from('demo-secret-bytes'));
    expect(uploaded.status, uploaded.text).to.equal(204);
  });
  after(async () => { await t.close(); });

  /** routes a non-admin may call on itself (Keystone's *_owner rules and /v3/auth/projects) */
  const SELF_SERVICE = new Set(['identity.users.show', 'identity.users.projects', 'identity.users.password', 'identity.auth.projects']);

  function identityPath(route: RouteDef): string {
    const values: Record<string, string> = {
      user_id: ids.adminUser, project_id: t.projects.admin, role_id: ids.memberRole, domain_id: 'default',
    };
    return `/identity${route.path.replace(/:(\w+)/g, (_m, name: string) => values[name] ?? 'novashim-placeholder')}`;
  }

  /** a well-formed body, so a 403 cannot be a 400 in disguise */
  const IDENTITY_BODIES: Record<string, object> = {
    'identity.users.create': { user: { name: 'sneaky-user', password: 'sneaky-pw' } },
    'identity.users.update': { user: { password: 'sneaky-pw', enabled: false } },
    'identity.users.password': { user: { original_password: 'admin-pw', password: 'sneaky-pw' } },
    'identity.projects.create': { project: { name: 'sneaky-project' } },
    'identity.projects.update': { project: { enabled: false } },
    'identity.roles.create': { role: { name: 'sneaky-role' } },
    'identity.roles.update': { role: { name: 'sneaky-role' } },
  };

  function callIdentity(route: RouteDef, token: string | null, body = IDENTITY_BODIES[route.name]) {
    let req = t.request[route.method.toLowerCase() as 'get'](identityPath(route));
    if (token) req = req.set(as(token));
    return body ? req.send(body) : req;
  }

  it('every identity admin route refuses a member and a reader with 403 in Keystone format, changing nothing', async () => {
    const adminOnly = identity.filter((r) => !SELF_SERVICE.has(r.name));
    expect(adminOnly.length, 'identity admin routes').to.be.greaterThan(15);
    const before = await snapshotDb(t.db);
    for (const route of adminOnly) {
      for (const [who, token] of [['member', t.tokens.demo], ['reader', t.tokens.reader], ['other project member', t.tokens.alt]]) {
        const res = await callIdentity(route, token);
        expect(res.status, `${route.method} ${route.path} as ${who}: ${res.text}`).to.equal(403);
        expect(res.body.error).to.include({ code: 403, title: 'Forbidden' });
        // Keystone's wording from the route's rule; a reader's write is refused earlier by the generic reader rule
        expect(res.body.error.message).to.match(/^(You are not authorized to perform the requested action: identity:|Policy doesn't allow identity\.)/);
      }
      // HEAD is how keystoneclient checks a grant: same answer, no body
      if (route.method === 'GET') expect((await t.request.head(identityPath(route)).set(as(t.tokens.demo))).status, `HEAD ${route.path}`).to.equal(403);
      const anon = await callIdentity(route, null);
      expect(anon.status, `${route.method} ${route.path} without a token`).to.equal(401);
    }
    expect(await snapshotDb(t.db)).to.deep.equal(before);
  });

  it("the self-service identity routes refuse another user's id with 403 and allow the user's own", async () => {
    const self = identity.filter((r) => SELF_SERVICE.has(r.name) && r.path.includes(':user_id'));
    expect(self.map((r) => r.name).sort()).to.deep.equal(['identity.users.password', 'identity.users.projects', 'identity.users.show']);
    const before = await snapshotDb(t.db);
    for (const route of self) {
      for (const token of [t.tokens.demo, t.tokens.reader]) {
        const res = await callIdentity(route, token);
        expect(res.status, `${route.path} on admin's user: ${res.text}`).to.equal(403);
        expect(res.body.error.code).to.equal(403);
      }
    }
    expect(await snapshotDb(t.db)).to.deep.equal(before);
    for (const name of ['identity.users.show', 'identity.users.projects']) {
      const route = self.find((r) => r.name === name)!;
      const own = await t.request.get(`/identity${route.path.replace(':user_id', ids.demoUser)}`).set(as(t.tokens.demo));
      expect(own.status, `${name} on own user`).to.equal(200);
    }
  });

  it('the admin passes every identity admin route policy (no 403)', async () => {
    for (const route of identity.filter((r) => !SELF_SERVICE.has(r.name) && r.method === 'GET')) {
      const res = await callIdentity(route, t.tokens.admin);
      expect(res.status, `${route.path}: ${res.text}`).to.not.equal(403);
    }
  });

  function imagePath(route: RouteDef): string {
    return `/image${route.path.replace(':imageId', ids.image).replace(':tag', 'demo-secret-tag')}`;
  }

  function callImage(route: RouteDef, token: string) {
    const req = t.request[route.method.toLowerCase() as 'get'](imagePath(route)).set(as(token));
    if (route.name === 'images.update') return req.set('content-type', 'application/openstack-images-v2.1-json-patch').send(JSON.stringify([{ op: 'replace', path: '/name', value: 'stolen' }]));
    if (route.name === 'images.data.upload') return req.set('content-type', 'application/octet-stream').send(Buffer.from('stolen'));
    return req;
  }

  it("another project's member gets 404 on every route naming demo's private image, and it stays unchanged", async () => {
    expect(image.map((r) => r.name).sort()).to.include.members(['images.show', 'images.update', 'images.delete', 'images.data.download', 'images.data.upload', 'images.tags.add', 'images.tags.delete']);
    const before = await snapshotDb(t.db);
    for (const route of image) {
      const res = await callImage(route, t.tokens.alt);
      expect(res.status, `${route.method} ${route.path}: ${res.text}`).to.equal(404);
      expect(res.text).to.match(/^404 Not Found/);
      expect(res.text).to.not.contain('demo-secret');
    }
    const list = await t.request.get('/image/v2/images').set(as(t.tokens.alt));
    expect(list.text).to.not.contain(ids.image);
    for (const query of [`id=${ids.image}`, 'name=demo-secret-image', 'visibility=all', 'visibility=private', 'tag=demo-secret-tag', `owner=${t.projects.demo}`]) {
      const filtered = await t.request.get(`/image/v2/images?${query}`).set(as(t.tokens.alt));
      expect(filtered.status, `${query}: ${filtered.text}`).to.be.oneOf([200, 400]);
      expect(JSON.stringify(filtered.body.images ?? []), query).to.not.contain(ids.image);
    }
    // the compute API's image proxy hides it the same way
    const proxied = await t.request.get(`/compute/v2.1/images/${ids.image}`).set(as(t.tokens.alt));
    expect(proxied.status).to.equal(404);
    expect(await snapshotDb(t.db)).to.deep.equal(before);
  });

  it("a reader reads its project's private image and its data but cannot create, upload, update, tag or delete (403)", async () => {
    const before = await snapshotDb(t.db);
    for (const route of image) {
      const res = await callImage(route, t.tokens.reader);
      if (route.method === 'GET') {
        expect(res.status, `${route.path}: ${res.text}`).to.equal(200);
      } else {
        expect(res.status, `${route.method} ${route.path}: ${res.text}`).to.equal(403);
        expect(res.text).to.match(/^403 Forbidden/);
      }
    }
    const create = await t.request.post('/image/v2/images').set(as(t.tokens.reader)).send({ name: 'reader-image' });
    expect(create.status).to.equal(403);
    expect(await snapshotDb(t.db)).to.deep.equal(before);
    const data = await t.request.get(`/image/v2/images/${ids.image}/file`).set(as(t.tokens.demo)).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(String(data.body)).to.equal('demo-secret-bytes');
  });
});
