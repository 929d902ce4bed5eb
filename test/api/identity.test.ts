import { expect } from 'chai';
import { makeTestApp, TestApp } from '../helpers/app';

describe('identity API', () => {
  let t: TestApp;
  before(async () => { t = await makeTestApp(); });
  after(async () => { await t.close(); });

  const passwordAuth = (name: string, password: string, scope?: unknown) => ({
    auth: { identity: { methods: ['password'], password: { user: { name, domain: { name: 'Default' }, password } } }, ...(scope ? { scope } : {}) },
  });

  it('lists versions at / with 300 and shows v3', async () => {
    const root = await t.request.get('/identity/');
    expect(root.status).to.equal(300);
    expect(root.body.versions.values[0].id).to.equal('v3.14');
    const v3 = await t.request.get('/identity/v3');
    expect(v3.status).to.equal(200);
    expect(v3.body.version.links[0].href).to.equal('http://novashim.test/identity/v3/');
  });

  it('issues a project-scoped token with roles, catalog and Z-terminated expiry', async () => {
    const res = await t.request.post('/identity/v3/auth/tokens')
      .send(passwordAuth('admin', 'admin-pw', { project: { name: 'admin', domain: { name: 'Default' } } }));
    expect(res.status).to.equal(201);
    expect(res.headers['x-subject-token']).to.match(/^[A-Za-z0-9_-]{40,}$/);
    const token = res.body.token;
    expect(token.expires_at).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(token.roles.map((r: { name: string }) => r.name)).to.include.members(['admin', 'member', 'reader']);
    expect(token.project.name).to.equal('admin');
    const types = token.catalog.map((s: { type: string }) => s.type);
    expect(types).to.have.members(['identity', 'compute', 'image']);
    const compute = token.catalog.find((s: { type: string }) => s.type === 'compute');
    expect(compute.endpoints.find((e: { interface: string }) => e.interface === 'public').url).to.equal('http://novashim.test/compute/v2.1');
  });

  it('issues an unscoped token without catalog, then rescopes it with the token method', async () => {
    const unscoped = await t.request.post('/identity/v3/auth/tokens').send(passwordAuth('demo', 'demo-pw'));
    expect(unscoped.status).to.equal(201);
    expect(unscoped.body.token).to.not.have.property('catalog');
    const rescoped = await t.request.post('/identity/v3/auth/tokens').send({
      auth: { identity: { methods: ['token'], token: { id: unscoped.headers['x-subject-token'] } }, scope: { project: { id: t.projects.demo } } },
    });
    expect(rescoped.status).to.equal(201);
    expect(rescoped.body.token.project.id).to.equal(t.projects.demo);
    expect(new Date(rescoped.body.token.expires_at).getTime()).to.be.at.most(new Date(unscoped.body.token.expires_at).getTime());
  });

  it('refuses a wrong password, an unknown user and a project the user has no role on with 401', async () => {
    for (const body of [
      passwordAuth('admin', 'wrong'),
      passwordAuth('nobody', 'x'),
      passwordAuth('demo', 'demo-pw', { project: { name: 'admin', domain: { name: 'Default' } } }),
    ]) {
      const res = await t.request.post('/identity/v3/auth/tokens').send(body);
      expect(res.status).to.equal(401);
      expect(res.body.error.code).to.equal(401);
      expect(res.headers['www-authenticate']).to.match(/^Keystone uri=/);
    }
  });

  it('answers malformed bodies with 400, never 500', async () => {
    for (const body of ['{not json', '{"auth": 1}', '{"auth": {"identity": {"methods": "password"}}}', '[]']) {
      const res = await t.request.post('/identity/v3/auth/tokens').set('content-type', 'application/json').send(body);
      expect(res.status, body).to.equal(400);
      expect(res.body.error.code).to.equal(400);
    }
  });

  it('does not store tokens in clear', async () => {
    const rows = await t.db('tokens').select('id_hash');
    expect(rows.length).to.be.greaterThan(0);
    expect(rows.map((r: { id_hash: string }) => r.id_hash)).to.not.include(t.tokens.admin);
  });
});
