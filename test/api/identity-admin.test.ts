import { expect } from 'chai';
import { makeTestApp, login, TestApp } from '../helpers/app';

const V3 = '/identity/v3';
const URL = 'http://novashim.test/identity/v3';

describe('identity admin API (Keystone v3 projects, users, roles, grants)', () => {
  let t: TestApp;
  before(async () => { t = await makeTestApp(); });
  after(async () => { await t.close(); });

  const as = (token: string) => ({ 'X-Auth-Token': token });
  const admin = () => as(t.tokens.admin);
  let seq = 0;
  const unique = (prefix: string) => `${prefix}-${++seq}-${Date.now().toString(36)}`;

  async function createProject(name = unique('proj'), extra: object = {}) {
    const res = await t.request.post(`${V3}/projects`).set(admin()).send({ project: { name, ...extra } });
    expect(res.status, res.text).to.equal(201);
    return res.body.project as { id: string; name: string };
  }
  async function createUser(name = unique('user'), password = 'pw-1', extra: object = {}) {
    const res = await t.request.post(`${V3}/users`).set(admin()).send({ user: { name, password, domain_id: 'default', ...extra } });
    expect(res.status, res.text).to.equal(201);
    return res.body.user as { id: string; name: string };
  }
  async function roleId(name: string): Promise<string> {
    const res = await t.request.get(`${V3}/roles?name=${name}`).set(admin());
    expect(res.status).to.equal(200);
    expect(res.body.roles).to.have.length(1);
    return res.body.roles[0].id;
  }
  const grant = (p: string, u: string, r: string) => `${V3}/projects/${p}/users/${u}/roles/${r}`;
  const servers = (token: string) => t.request.get('/compute/v2.1/servers').set(as(token));

  describe('domains', () => {
    it('lists and shows only the default domain', async () => {
      const list = await t.request.get(`${V3}/domains?name=Default`).set(admin());
      expect(list.status).to.equal(200);
      expect(list.body.domains).to.have.length(1);
      expect(list.body.domains[0]).to.include({ id: 'default', name: 'Default', enabled: true });
      expect(list.body.domains[0].links.self).to.equal(`${URL}/domains/default`);
      expect(list.body.links).to.deep.equal({ self: `${URL}/domains?name=Default`, previous: null, next: null });
      expect((await t.request.get(`${V3}/domains?name=Other`).set(admin())).body.domains).to.deep.equal([]);
      const show = await t.request.get(`${V3}/domains/default`).set(admin());
      expect(show.status).to.equal(200);
      expect(show.body.domain.name).to.equal('Default');
      const missing = await t.request.get(`${V3}/domains/nope`).set(admin());
      expect(missing.status).to.equal(404);
      expect(missing.body.error).to.deep.equal({ code: 404, title: 'Not Found', message: 'Could not find domain: nope.' });
    });
  });

  describe('projects', () => {
    it('creates, lists, shows, updates and deletes a project in Keystone shapes', async () => {
      const res = await t.request.post(`${V3}/projects`).set(admin()).send({ project: { name: 'p-crud', description: 'first', domain_id: 'default' } });
      expect(res.status).to.equal(201);
      const p = res.body.project;
      expect(p).to.deep.equal({
        id: p.id, name: 'p-crud', domain_id: 'default', description: 'first', enabled: true, parent_id: 'default',
        is_domain: false, tags: [], options: {}, links: { self: `${URL}/projects/${p.id}` },
      });
      expect(p.id).to.match(/^[0-9a-f]{32}$/);

      const list = await t.request.get(`${V3}/projects`).set(admin());
      expect(list.status).to.equal(200);
      expect(list.body.projects.map((x: { name: string }) => x.name)).to.include.members(['admin', 'demo', 'alt', 'p-crud']);
      expect(list.body.links).to.deep.equal({ self: `${URL}/projects`, previous: null, next: null });
      const byName = await t.request.get(`${V3}/projects?name=p-crud&domain_id=default`).set(admin());
      expect(byName.body.projects.map((x: { id: string }) => x.id)).to.deep.equal([p.id]);
      expect((await t.request.get(`${V3}/projects?domain_id=other`).set(admin())).body.projects).to.deep.equal([]);

      const show = await t.request.get(`${V3}/projects/${p.id}`).set(admin());
      expect(show.status).to.equal(200);
      expect(show.body.project).to.deep.equal(p);

      const patched = await t.request.patch(`${V3}/projects/${p.id}`).set(admin()).send({ project: { name: 'p-crud-2', description: 'second', enabled: false } });
      expect(patched.status).to.equal(200);
      expect(patched.body.project).to.include({ id: p.id, name: 'p-crud-2', description: 'second', enabled: false });
      expect((await t.request.get(`${V3}/projects/${p.id}`).set(admin())).body.project.name).to.equal('p-crud-2');
      const disabled = await t.request.get(`${V3}/projects?enabled=false`).set(admin());
      expect(disabled.body.projects.map((x: { id: string }) => x.id)).to.deep.equal([p.id]);
      const enabled = await t.request.get(`${V3}/projects?enabled=true`).set(admin());
      expect(enabled.body.projects.map((x: { id: string }) => x.id)).to.not.include(p.id);

      const del = await t.request.delete(`${V3}/projects/${p.id}`).set(admin());
      expect(del.status).to.equal(204);
      expect(del.text).to.equal('');
      const gone = await t.request.get(`${V3}/projects/${p.id}`).set(admin());
      expect(gone.status).to.equal(404);
      expect(gone.body.error.message).to.equal(`Could not find project: ${p.id}.`);
      expect((await t.request.delete(`${V3}/projects/${p.id}`).set(admin())).status).to.equal(404);
      expect((await t.request.patch(`${V3}/projects/${p.id}`).set(admin()).send({ project: { name: 'x' } })).status).to.equal(404);
    });

    it('answers a duplicate name with 409 and bad input with 400 in Keystone format', async () => {
      await createProject('p-dup');
      const dup = await t.request.post(`${V3}/projects`).set(admin()).send({ project: { name: 'p-dup' } });
      expect(dup.status).to.equal(409);
      expect(dup.body.error.code).to.equal(409);
      expect(dup.body.error.title).to.equal('Conflict');
      const other = await createProject('p-dup-other');
      const rename = await t.request.patch(`${V3}/projects/${other.id}`).set(admin()).send({ project: { name: 'p-dup' } });
      expect(rename.status).to.equal(409);
      for (const body of [{}, { project: {} }, { project: { name: '' } }, { project: { name: 'x', enabled: 'yes' } },
        { project: { name: 'a'.repeat(65) } }, { project: { name: 'x', domain_id: 'nope' } }, { project: { name: 'x', is_domain: true } }, []]) {
        const res = await t.request.post(`${V3}/projects`).set(admin()).send(body);
        expect(res.status, JSON.stringify(body)).to.equal(400);
        expect(res.body.error.code).to.equal(400);
        expect(res.body.error.title).to.equal('Bad Request');
      }
      const badPatch = await t.request.patch(`${V3}/projects/${other.id}`).set(admin()).send({ project: { domain_id: 'elsewhere' } });
      expect(badPatch.status).to.equal(400);
      const malformed = await t.request.post(`${V3}/projects`).set(admin()).set('content-type', 'application/json').send('{nope');
      expect(malformed.status).to.equal(400);
      expect(malformed.body.error.code).to.equal(400);
    });
  });

  describe('users', () => {
    it('creates, lists, shows, updates and deletes a user, never showing a password', async () => {
      const project = await createProject();
      const res = await t.request.post(`${V3}/users`).set(admin())
        .send({ user: { name: 'u-crud', password: 'secret-1', domain_id: 'default', default_project_id: project.id, email: 'u@example.org', project_id: project.id } });
      expect(res.status).to.equal(201);
      const u = res.body.user;
      expect(u).to.deep.equal({
        id: u.id, name: 'u-crud', domain_id: 'default', enabled: true, default_project_id: project.id, email: 'u@example.org',
        password_expires_at: null, options: {}, links: { self: `${URL}/users/${u.id}` },
      });
      expect(res.text).to.not.match(/secret-1|scrypt|password_hash/);

      const list = await t.request.get(`${V3}/users`).set(admin());
      expect(list.status).to.equal(200);
      expect(list.body.users.map((x: { name: string }) => x.name)).to.include.members(['admin', 'demo', 'u-crud']);
      expect(list.text).to.not.match(/scrypt|password_hash/);
      const byName = await t.request.get(`${V3}/users?name=u-crud&domain_id=default`).set(admin());
      expect(byName.body.users.map((x: { id: string }) => x.id)).to.deep.equal([u.id]);

      const show = await t.request.get(`${V3}/users/${u.id}`).set(admin());
      expect(show.status).to.equal(200);
      expect(show.body.user).to.deep.equal(u);

      const patched = await t.request.patch(`${V3}/users/${u.id}`).set(admin()).send({ user: { name: 'u-crud-2', email: 'v@example.org', description: 'd', enabled: false } });
      expect(patched.status).to.equal(200);
      expect(patched.body.user).to.include({ id: u.id, name: 'u-crud-2', email: 'v@example.org', description: 'd', enabled: false });

      expect((await t.request.delete(`${V3}/users/${u.id}`).set(admin())).status).to.equal(204);
      const gone = await t.request.get(`${V3}/users/${u.id}`).set(admin());
      expect(gone.status).to.equal(404);
      expect(gone.body.error.message).to.equal(`Could not find user: ${u.id}.`);
      expect((await t.request.delete(`${V3}/users/${u.id}`).set(admin())).status).to.equal(404);
    });

    it('answers a duplicate user name with 409 and bad input with 400', async () => {
      await createUser('u-dup');
      const dup = await t.request.post(`${V3}/users`).set(admin()).send({ user: { name: 'u-dup', password: 'x' } });
      expect(dup.status).to.equal(409);
      expect(dup.body.error.code).to.equal(409);
      for (const body of [{ user: {} }, { user: { name: 'x', enabled: 1 } }, { user: { name: 'x', domain_id: 'other' } },
        { user: { name: 'x', default_project_id: 'nope' } }, { user: { name: 'x', password: 5 } }]) {
        const res = await t.request.post(`${V3}/users`).set(admin()).send(body);
        expect(res.status, JSON.stringify(body)).to.equal(400);
        expect(res.body.error.code).to.equal(400);
      }
    });

    it("lists a user's projects for the user itself and for admins only", async () => {
      const demoUser = (await t.request.get(`${V3}/users?name=demo`).set(admin())).body.users[0];
      const own = await t.request.get(`${V3}/users/${demoUser.id}/projects`).set(as(t.tokens.demo));
      expect(own.status).to.equal(200);
      expect(own.body.projects.map((p: { id: string }) => p.id)).to.deep.equal([t.projects.demo]);
      expect(own.body.links.self).to.equal(`${URL}/users/${demoUser.id}/projects`);
      const byAdmin = await t.request.get(`${V3}/users/${demoUser.id}/projects`).set(admin());
      expect(byAdmin.body.projects.map((p: { id: string }) => p.id)).to.deep.equal([t.projects.demo]);
      const byOther = await t.request.get(`${V3}/users/${demoUser.id}/projects`).set(as(t.tokens.alt));
      expect(byOther.status).to.equal(403);
      const authProjects = await t.request.get(`${V3}/auth/projects`).set(as(t.tokens.demo));
      expect(authProjects.status).to.equal(200);
      expect(authProjects.body.projects.map((p: { id: string }) => p.id)).to.deep.equal([t.projects.demo]);
    });
  });

  describe('roles and grants', () => {
    it('lists, creates, shows, updates and deletes roles; 409 on a duplicate', async () => {
      const list = await t.request.get(`${V3}/roles`).set(admin());
      expect(list.status).to.equal(200);
      expect(list.body.roles.map((r: { name: string }) => r.name)).to.include.members(['admin', 'member', 'reader']);
      const member = list.body.roles.find((r: { name: string }) => r.name === 'member');
      expect(member).to.deep.equal({ id: member.id, name: 'member', domain_id: null, options: {}, links: { self: `${URL}/roles/${member.id}` } });

      const created = await t.request.post(`${V3}/roles`).set(admin()).send({ role: { name: 'r-crud', description: 'a role' } });
      expect(created.status).to.equal(201);
      const r = created.body.role;
      expect(r).to.deep.equal({ id: r.id, name: 'r-crud', domain_id: null, description: 'a role', options: {}, links: { self: `${URL}/roles/${r.id}` } });
      expect((await t.request.post(`${V3}/roles`).set(admin()).send({ role: { name: 'r-crud' } })).status).to.equal(409);
      expect((await t.request.post(`${V3}/roles`).set(admin()).send({ role: { name: '' } })).status).to.equal(400);
      const show = await t.request.get(`${V3}/roles/${r.id}`).set(admin());
      expect(show.body.role).to.deep.equal(r);
      expect((await t.request.get(`${V3}/roles?name=r-crud`).set(admin())).body.roles.map((x: { id: string }) => x.id)).to.deep.equal([r.id]);
      const patched = await t.request.patch(`${V3}/roles/${r.id}`).set(admin()).send({ role: { name: 'r-crud-2' } });
      expect(patched.status).to.equal(200);
      expect(patched.body.role.name).to.equal('r-crud-2');
      expect((await t.request.delete(`${V3}/roles/${r.id}`).set(admin())).status).to.equal(204);
      expect((await t.request.get(`${V3}/roles/${r.id}`).set(admin())).status).to.equal(404);
      expect((await t.request.delete(`${V3}/roles/${r.id}`).set(admin())).status).to.equal(404);
    });

    it('grants, checks (HEAD and GET), lists and revokes a role on a project', async () => {
      const project = await createProject();
      const user = await createUser();
      const reader = await roleId('reader');
      const url = grant(project.id, user.id, reader);

      expect((await t.request.head(url).set(admin())).status).to.equal(404);
      const put = await t.request.put(url).set(admin());
      expect(put.status).to.equal(204);
      expect(put.text).to.equal('');
      expect((await t.request.put(url).set(admin())).status).to.equal(204);
      expect((await t.request.head(url).set(admin())).status).to.equal(204);
      expect((await t.request.get(url).set(admin())).status).to.equal(204);

      const roles = await t.request.get(`${V3}/projects/${project.id}/users/${user.id}/roles`).set(admin());
      expect(roles.status).to.equal(200);
      expect(roles.body.roles.map((r: { id: string }) => r.id)).to.deep.equal([reader]);

      const assignments = await t.request.get(`${V3}/role_assignments?user.id=${user.id}&scope.project.id=${project.id}`).set(admin());
      expect(assignments.status).to.equal(200);
      expect(assignments.body.role_assignments).to.deep.equal([{
        role: { id: reader }, user: { id: user.id }, scope: { project: { id: project.id } },
        links: { assignment: `${URL}/projects/${project.id}/users/${user.id}/roles/${reader}` },
      }]);
      const byRole = await t.request.get(`${V3}/role_assignments?role.id=${reader}`).set(admin());
      expect(byRole.body.role_assignments.map((a: { user: { id: string } }) => a.user.id)).to.include(user.id);
      const named = await t.request.get(`${V3}/role_assignments?user.id=${user.id}&include_names=true`).set(admin());
      expect(named.body.role_assignments[0].role.name).to.equal('reader');
      expect(named.body.role_assignments[0].scope.project.name).to.equal(project.name);

      const del = await t.request.delete(url).set(admin());
      expect(del.status).to.equal(204);
      expect((await t.request.head(url).set(admin())).status).to.equal(404);
      const again = await t.request.delete(url).set(admin());
      expect(again.status).to.equal(404);
      expect(again.body.error.code).to.equal(404);
      expect((await t.request.get(`${V3}/role_assignments?user.id=${user.id}`).set(admin())).body.role_assignments).to.deep.equal([]);

      expect((await t.request.put(grant('nope', user.id, reader)).set(admin())).status).to.equal(404);
      expect((await t.request.put(grant(project.id, 'nope', reader)).set(admin())).status).to.equal(404);
      expect((await t.request.put(grant(project.id, user.id, 'nope')).set(admin())).status).to.equal(404);
    });
  });

  describe('policy', () => {
    it('answers non-admin tokens with 403 and missing tokens with 401, in Keystone format', async () => {
      const someProject = t.projects.alt;
      const calls = [
        () => t.request.get(`${V3}/projects`),
        () => t.request.get(`${V3}/projects/${someProject}`),
        () => t.request.post(`${V3}/projects`).send({ project: { name: 'sneaky' } }),
        () => t.request.patch(`${V3}/projects/${someProject}`).send({ project: { name: 'sneaky' } }),
        () => t.request.delete(`${V3}/projects/${someProject}`),
        () => t.request.get(`${V3}/users`),
        () => t.request.post(`${V3}/users`).send({ user: { name: 'sneaky', password: 'x' } }),
        () => t.request.get(`${V3}/roles`),
        () => t.request.post(`${V3}/roles`).send({ role: { name: 'sneaky' } }),
        () => t.request.get(`${V3}/role_assignments`),
        () => t.request.get(`${V3}/domains`),
        () => t.request.put(grant(someProject, 'u', 'r')),
      ];
      for (const [i, call] of calls.entries()) {
        for (const token of [t.tokens.demo, t.tokens.reader]) {
          const res = await call().set(as(token));
          expect(res.status, `call ${i}`).to.equal(403);
          expect(res.body.error.code).to.equal(403);
          expect(res.body.error.title).to.equal('Forbidden');
        }
        const anon = await call();
        expect(anon.status, `call ${i}`).to.equal(401);
        expect(anon.body.error.code).to.equal(401);
        const bogus = await call().set(as('not-a-token'));
        expect(bogus.status).to.equal(401);
      }
      const demoProject = await t.request.get(`${V3}/projects/${t.projects.demo}`).set(admin());
      expect(demoProject.status).to.equal(200);
      expect((await t.request.get(`${V3}/projects?name=sneaky`).set(admin())).body.projects).to.deep.equal([]);
    });
  });

  describe('token revocation', () => {
    async function memberLogin(password = 'pw-1') {
      const project = await createProject();
      const user = await createUser(undefined, password);
      expect((await t.request.put(grant(project.id, user.id, await roleId('member'))).set(admin())).status).to.equal(204);
      const token = await login(t.request, user.name, password, project.name);
      expect((await servers(token)).status).to.equal(200);
      return { project, user, token };
    }

    it('invalidates tokens when the user is deleted', async () => {
      const { user, token } = await memberLogin();
      expect((await t.request.delete(`${V3}/users/${user.id}`).set(admin())).status).to.equal(204);
      const res = await servers(token);
      expect(res.status).to.equal(401);
      expect(res.body.error.code).to.equal(401);
    });

    it('invalidates tokens when the project is deleted or disabled', async () => {
      const a = await memberLogin();
      expect((await t.request.delete(`${V3}/projects/${a.project.id}`).set(admin())).status).to.equal(204);
      expect((await servers(a.token)).status).to.equal(401);

      const b = await memberLogin();
      expect((await t.request.patch(`${V3}/projects/${b.project.id}`).set(admin()).send({ project: { enabled: false } })).status).to.equal(200);
      expect((await servers(b.token)).status).to.equal(401);
      // re-enabling does not bring the revoked token back
      expect((await t.request.patch(`${V3}/projects/${b.project.id}`).set(admin()).send({ project: { enabled: true } })).status).to.equal(200);
      expect((await servers(b.token)).status).to.equal(401);
      expect((await servers(await login(t.request, b.user.name, 'pw-1', b.project.name))).status).to.equal(200);
    });

    it('invalidates tokens when the password changes, and the new password works', async () => {
      const { project, user, token } = await memberLogin('old-pw');
      const res = await t.request.patch(`${V3}/users/${user.id}`).set(admin()).send({ user: { password: 'new-pw' } });
      expect(res.status).to.equal(200);
      expect((await servers(token)).status).to.equal(401);
      const relog = await t.request.post(`${V3}/auth/tokens`).send({
        auth: { identity: { methods: ['password'], password: { user: { name: user.name, domain: { id: 'default' }, password: 'old-pw' } } } },
      });
      expect(relog.status).to.equal(401);
      expect((await servers(await login(t.request, user.name, 'new-pw', project.name))).status).to.equal(200);
    });

    it('lets users change their own password with the original one, which revokes their tokens', async () => {
      const { project, user, token } = await memberLogin('mine-1');
      const wrong = await t.request.post(`${V3}/users/${user.id}/password`).set(as(token)).send({ user: { original_password: 'bad', password: 'mine-2' } });
      expect(wrong.status).to.equal(401);
      const other = await t.request.post(`${V3}/users/${user.id}/password`).set(admin()).send({ user: { original_password: 'mine-1', password: 'mine-2' } });
      expect(other.status).to.equal(403);
      const ok = await t.request.post(`${V3}/users/${user.id}/password`).set(as(token)).send({ user: { original_password: 'mine-1', password: 'mine-2' } });
      expect(ok.status).to.equal(204);
      expect((await servers(token)).status).to.equal(401);
      expect((await servers(await login(t.request, user.name, 'mine-2', project.name))).status).to.equal(200);
    });

    it('invalidates tokens when the user is disabled or loses its last role on the project', async () => {
      const a = await memberLogin();
      expect((await t.request.patch(`${V3}/users/${a.user.id}`).set(admin()).send({ user: { enabled: false } })).status).to.equal(200);
      expect((await servers(a.token)).status).to.equal(401);
      const b = await memberLogin();
      expect((await t.request.delete(grant(b.project.id, b.user.id, await roleId('member'))).set(admin())).status).to.equal(204);
      expect((await servers(b.token)).status).to.equal(401);
    });
  });

  it('runs the tempest dynamic-credentials flow end to end', async () => {
    // cred_client.V3CredsClient: find the domain, create project and user, make sure "member" exists, grant it
    const domain = (await t.request.get(`${V3}/domains?name=Default`).set(admin())).body.domains[0];
    const project = (await t.request.post(`${V3}/projects`).set(admin())
      .send({ project: { name: 'tempest-Flow-1', description: 'tempest-Flow-1-desc', domain_id: domain.id } })).body.project;
    const created = await t.request.post(`${V3}/users`).set(admin())
      .send({ user: { name: 'tempest-Flow-1-project', password: 'Rand0m!pw', domain_id: domain.id } });
    expect(created.status).to.equal(201);
    const user = created.body.user;
    const createMember = await t.request.post(`${V3}/roles`).set(admin()).send({ role: { name: 'member' } });
    expect(createMember.status).to.equal(409);
    const roles = (await t.request.get(`${V3}/roles`).set(admin())).body.roles;
    const member = roles.find((r: { name: string }) => r.name.toLowerCase() === 'member');
    expect((await t.request.put(grant(project.id, user.id, member.id)).set(admin())).status).to.equal(204);

    // the new user authenticates scoped to its project and uses compute
    const auth = await t.request.post(`${V3}/auth/tokens`).send({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user.name, domain: { name: 'Default' }, password: 'Rand0m!pw' } } },
        scope: { project: { id: project.id } },
      },
    });
    expect(auth.status).to.equal(201);
    expect(auth.body.token.project.id).to.equal(project.id);
    expect(auth.body.token.roles.map((r: { name: string }) => r.name)).to.have.members(['member', 'reader']);
    const token = auth.headers['x-subject-token'];
    const list = await servers(token);
    expect(list.status).to.equal(200);
    expect(list.body).to.deep.equal({ servers: [] });

    // clear_creds: delete the user, then the project; the token is dead
    expect((await t.request.delete(`${V3}/users/${user.id}`).set(admin())).status).to.equal(204);
    expect((await t.request.delete(`${V3}/projects/${project.id}`).set(admin())).status).to.equal(204);
    const after = await servers(token);
    expect(after.status).to.equal(401);
    expect(after.body.error.code).to.equal(401);
    expect(await t.db('tokens').where({ user_id: user.id })).to.deep.equal([]);
    expect(await t.db('role_assignments').where({ project_id: project.id })).to.deep.equal([]);
  });
});
