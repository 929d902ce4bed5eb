import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { makeTestApp, login, TestApp } from '../helpers/app';

const V3 = '/identity/v3';
const as = (token: string) => ({ 'X-Auth-Token': token });
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const SERVERS = '/compute/v2.1/servers';

/** a new project with a member user, logged in, its token used once (so its validation is cached) */
async function member(t: TestApp) {
  const name = `tc-${randomBytes(4).toString('hex')}`;
  const project = (await t.request.post(`${V3}/projects`).set(as(t.tokens.admin)).send({ project: { name } })).body.project.id as string;
  const user = (await t.request.post(`${V3}/users`).set(as(t.tokens.admin)).send({ user: { name, password: 'tc-pw', default_project_id: project } })).body.user.id as string;
  const roleId = async (role: string) => (await t.request.get(`${V3}/roles?name=${role}`).set(as(t.tokens.admin))).body.roles[0].id as string;
  const grant = async (role: string) => t.request.put(`${V3}/projects/${project}/users/${user}/roles/${await roleId(role)}`).set(as(t.tokens.admin));
  await grant('member');
  const token = await login(t.request, name, 'tc-pw', name);
  expect((await t.request.get(SERVERS).set(as(token))).status).to.equal(200);
  return { project, user, token, grant, roleId };
}

describe('token validation cache (issue 6: fewer queries per request)', function () {
  this.timeout(30_000);

  describe('with the default cache time', () => {
    let t: TestApp;
    before(async () => { t = await makeTestApp(); });
    after(async () => { await t.close(); });

    it('reuses a validation: a token row removed behind the service\'s back still works until the cache time', async () => {
      const { token } = await member(t);
      expect(await t.db('tokens').where({ id_hash: sha256(token) }).delete()).to.equal(1);
      expect((await t.request.get(SERVERS).set(as(token))).status).to.equal(200);
    });

    it("applies this process's own changes at once: role removed, user disabled, project disabled", async () => {
      const a = await member(t);
      const unassigned = await t.request.delete(`${V3}/projects/${a.project}/users/${a.user}/roles/${await a.roleId('member')}`).set(as(t.tokens.admin));
      expect(unassigned.status).to.equal(204);
      expect((await t.request.get(SERVERS).set(as(a.token))).status).to.equal(401);

      const b = await member(t);
      expect((await t.request.patch(`${V3}/users/${b.user}`).set(as(t.tokens.admin)).send({ user: { enabled: false } })).status).to.equal(200);
      expect((await t.request.get(SERVERS).set(as(b.token))).status).to.equal(401);

      const c = await member(t);
      expect((await t.request.patch(`${V3}/projects/${c.project}`).set(as(t.tokens.admin)).send({ project: { enabled: false } })).status).to.equal(200);
      expect((await t.request.get(SERVERS).set(as(c.token))).status).to.equal(401);
    });

    it('a role granted is in the next request (admin routes open at once)', async () => {
      const a = await member(t);
      expect((await t.request.get('/compute/v2.1/os-hypervisors').set(as(a.token))).status).to.equal(403);
      expect((await a.grant('admin')).status).to.equal(204);
      expect((await t.request.get('/compute/v2.1/os-hypervisors').set(as(a.token))).status).to.equal(200);
    });
  });

  it('never outlives the token: a cached validation ends with the token\'s expiry', async () => {
    const t = await makeTestApp({ config: { tokenTtlSec: 1, tokenCacheSec: 60 } });
    try {
      const token = await login(t.request, 'demo', 'demo-pw', 'demo');
      expect((await t.request.get(SERVERS).set(as(token))).status).to.equal(200);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await t.request.get(SERVERS).set(as(token))).status).to.equal(401);
    } finally {
      await t.close();
    }
  });

  it('NOVASHIM_TOKEN_CACHE_TIME=0 reads the token on every request', async () => {
    const t = await makeTestApp({ config: { tokenCacheSec: 0 } });
    try {
      const { token } = await member(t);
      await t.db('tokens').where({ id_hash: sha256(token) }).delete();
      expect((await t.request.get(SERVERS).set(as(token))).status).to.equal(401);
    } finally {
      await t.close();
    }
  });
});
