import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { API, as, useComputeApp } from '../helpers/compute-app';

describe('compute API: os-server-groups (2.1) and the group scheduler hint', () => {
  const app = useComputeApp();
  const api = API;

  const createGroup = (body: object, token = app.t.tokens.demo) => app.t.request.post(`${api}/os-server-groups`).set(as(token)).send(body);
  async function group(policy: 'affinity' | 'anti-affinity', name = 'grp', token = app.t.tokens.demo): Promise<string> {
    const res = await createGroup({ server_group: { name, policies: [policy] } }, token);
    expect(res.status, res.text).to.equal(200);
    return res.body.server_group.id as string;
  }
  const show = (id: string, token = app.t.tokens.demo) => app.t.request.get(`${api}/os-server-groups/${id}`).set(as(token));
  async function boot(groupId: string | undefined, extra: Record<string, unknown> = {}, hintKey = 'os:scheduler_hints') {
    return app.t.request.post(`${api}/servers`).set(as(app.t.tokens.demo))
      .send({ server: { name: 'vm', imageRef: app.image, flavorRef: '1', ...extra }, ...(groupId && { [hintKey]: { group: groupId } }) });
  }
  const server = async (id: string) => (await app.t.request.get(`${api}/servers/${id}`).set(as(app.t.tokens.demo))).body.server;

  describe('CRUD', () => {
    it('creates a group (200) with Nova\'s 2.1 view, shows, lists and deletes it (204)', async () => {
      const res = await createGroup({ server_group: { name: 'web', policies: ['anti-affinity'] } });
      expect(res.status).to.equal(200);
      const sg = res.body.server_group;
      expect(sg).to.have.all.keys('id', 'name', 'policies', 'members', 'metadata');
      expect(sg).to.deep.include({ name: 'web', policies: ['anti-affinity'], members: [], metadata: {} });
      expect(sg.id).to.match(/^[0-9a-f-]{36}$/);

      const shown = await show(sg.id);
      expect(shown.status).to.equal(200);
      expect(shown.body.server_group).to.deep.equal(sg);
      const list = await app.t.request.get(`${api}/os-server-groups`).set(as(app.t.tokens.demo));
      expect(list.status).to.equal(200);
      expect(list.body.server_groups).to.deep.include(sg);

      const del = await app.t.request.delete(`${api}/os-server-groups/${sg.id}`).set(as(app.t.tokens.demo));
      expect(del.status).to.equal(204);
      expect(del.text).to.equal('');
      expect((await show(sg.id)).status).to.equal(404);
      const after = await app.t.request.get(`${api}/os-server-groups`).set(as(app.t.tokens.demo));
      expect(after.body.server_groups.map((g: { id: string }) => g.id)).to.not.include(sg.id);
    });

    it('gives two groups of the same name and policy different ids', async () => {
      const [a, b] = [await group('affinity', 'same'), await group('affinity', 'same')];
      expect(a).to.not.equal(b);
    });

    it('pages the list with offset and limit', async () => {
      const ids = [await group('affinity', 'p1'), await group('affinity', 'p2'), await group('affinity', 'p3')];
      const all = (await app.t.request.get(`${api}/os-server-groups`).set(as(app.t.tokens.demo))).body.server_groups.map((g: { id: string }) => g.id);
      const start = all.indexOf(ids[0]);
      const page = await app.t.request.get(`${api}/os-server-groups?offset=${start + 1}&limit=1`).set(as(app.t.tokens.demo));
      expect(page.status).to.equal(200);
      expect(page.body.server_groups.map((g: { id: string }) => g.id)).to.deep.equal([ids[1]]);
      expect((await app.t.request.get(`${api}/os-server-groups?limit=-1`).set(as(app.t.tokens.demo))).status).to.equal(400);
    });
  });

  describe('errors', () => {
    it('answers 400 for a bad policy, several policies, no policy, a bad name or extra keys', async () => {
      for (const body of [
        { server_group: { name: 'x', policies: ['soft-affinity'] } }, // 2.15
        { server_group: { name: 'x', policies: ['bogus'] } },
        { server_group: { name: 'x', policies: ['affinity', 'anti-affinity'] } },
        { server_group: { name: 'x', policies: ['affinity', 'affinity'] } },
        { server_group: { name: 'x', policies: [] } },
        { server_group: { name: 'x', policy: 'affinity' } }, // 2.64
        { server_group: { name: '', policies: ['affinity'] } },
        { server_group: { name: ' padded ', policies: ['affinity'] } },
        { server_group: { policies: ['affinity'] } },
        { server_group: { name: 'x', policies: ['affinity'], rules: {} } },
        { name: 'x', policies: ['affinity'] },
      ]) {
        const res = await createGroup(body);
        expect(res.status, JSON.stringify(body)).to.equal(400);
        expect(res.body.badRequest.code).to.equal(400);
      }
    });

    it('answers 404 itemNotFound for an unknown group on show and delete', async () => {
      const id = randomUUID();
      for (const res of [await show(id), await app.t.request.delete(`${api}/os-server-groups/${id}`).set(as(app.t.tokens.demo))]) {
        expect(res.status).to.equal(404);
        expect(res.body.itemNotFound.message).to.equal(`Instance group ${id} could not be found.`);
      }
    });

    it('hides another project\'s group (404, not listed) but lets an admin see it, and all_projects list it', async () => {
      const id = await group('affinity', 'alts', app.t.tokens.alt);
      expect((await show(id)).status).to.equal(404);
      expect((await app.t.request.delete(`${api}/os-server-groups/${id}`).set(as(app.t.tokens.demo))).status).to.equal(404);
      const demoList = (await app.t.request.get(`${api}/os-server-groups`).set(as(app.t.tokens.demo))).body.server_groups;
      expect(demoList.map((g: { id: string }) => g.id)).to.not.include(id);
      // all_projects is ignored for a non-admin (Nova's old behaviour: own groups, no error)
      const demoAll = await app.t.request.get(`${api}/os-server-groups?all_projects=True`).set(as(app.t.tokens.demo));
      expect(demoAll.status).to.equal(200);
      expect(demoAll.body.server_groups.map((g: { id: string }) => g.id)).to.not.include(id);

      expect((await show(id, app.t.tokens.admin)).status).to.equal(200);
      const adminOwn = (await app.t.request.get(`${api}/os-server-groups`).set(as(app.t.tokens.admin))).body.server_groups;
      expect(adminOwn.map((g: { id: string }) => g.id)).to.not.include(id);
      const adminAll = (await app.t.request.get(`${api}/os-server-groups?all_projects=True`).set(as(app.t.tokens.admin))).body.server_groups;
      expect(adminAll.map((g: { id: string }) => g.id)).to.include(id);
      // still there: demo's delete did not remove it
      expect((await show(id, app.t.tokens.alt)).status).to.equal(200);
    });

    it('lets a reader list and show, but not create or delete (403)', async () => {
      const id = await group('affinity');
      expect((await show(id, app.t.tokens.reader)).status).to.equal(200);
      expect((await app.t.request.get(`${api}/os-server-groups`).set(as(app.t.tokens.reader))).status).to.equal(200);
      const created = await createGroup({ server_group: { name: 'r', policies: ['affinity'] } }, app.t.tokens.reader);
      expect(created.status).to.equal(403);
      expect(created.body.forbidden.code).to.equal(403);
      const del = await app.t.request.delete(`${api}/os-server-groups/${id}`).set(as(app.t.tokens.reader));
      expect(del.status).to.equal(403);
      expect((await show(id)).status).to.equal(200);
    });
  });

  describe('members through the group hint', () => {
    it('makes a server booted with the hint a member; deleting the server removes it', async () => {
      const id = await group('affinity');
      const res = await boot(id);
      expect(res.status, res.text).to.equal(202);
      const uuid = res.body.server.id;
      expect((await show(id)).body.server_group.members).to.deep.equal([uuid]);
      await app.t.services.tasks.idle();
      expect((await server(uuid)).status).to.equal('ACTIVE');

      expect((await app.t.request.delete(`${api}/servers/${uuid}`).set(as(app.t.tokens.demo))).status).to.equal(204);
      await app.t.services.tasks.idle();
      expect((await show(id)).body.server_group.members).to.deep.equal([]);
    });

    it('accepts the legacy OS-SCH-HNT:scheduler_hints key too', async () => {
      const id = await group('affinity');
      const res = await boot(id, {}, 'OS-SCH-HNT:scheduler_hints');
      expect(res.status, res.text).to.equal(202);
      expect((await show(id)).body.server_group.members).to.deep.equal([res.body.server.id]);
      await app.t.services.tasks.idle();
    });

    it('answers 400 for an unknown group, another project\'s group, or a group that is not a uuid; no server is made', async () => {
      const before = (await app.t.request.get(`${api}/servers`).set(as(app.t.tokens.demo))).body.servers.length;
      const unknown = randomUUID();
      const res = await boot(unknown);
      expect(res.status).to.equal(400);
      expect(res.body.badRequest.message).to.equal(`Instance group ${unknown} could not be found.`);
      const alts = await group('affinity', 'alts', app.t.tokens.alt);
      const other = await boot(alts);
      expect(other.status).to.equal(400);
      expect(other.body.badRequest.message).to.equal(`Instance group ${alts} could not be found.`);
      expect((await boot('not-a-uuid')).status).to.equal(400);
      expect((await app.t.request.get(`${api}/servers`).set(as(app.t.tokens.demo))).body.servers.length).to.equal(before);
    });

    it('affinity: two servers in the group both become ACTIVE on the one host', async () => {
      const id = await group('affinity');
      const a = (await boot(id)).body.server.id;
      await app.t.services.tasks.idle();
      const b = (await boot(id)).body.server.id;
      await app.t.services.tasks.idle();
      const [sa, sb] = [await server(a), await server(b)];
      expect([sa.status, sb.status]).to.deep.equal(['ACTIVE', 'ACTIVE']);
      expect((await show(id)).body.server_group.members).to.have.members([a, b]);
    });

    it('anti-affinity: the first server is ACTIVE, the second goes to ERROR with No valid host (500) and no container', async () => {
      const id = await group('anti-affinity');
      const a = (await boot(id)).body.server.id;
      await app.t.services.tasks.idle();
      const second = await boot(id);
      expect(second.status).to.equal(202);
      const b = second.body.server.id;
      await app.t.services.tasks.idle();
      expect((await server(a)).status).to.equal('ACTIVE');
      const sb = await server(b);
      expect(sb.status).to.equal('ERROR');
      expect(sb['OS-EXT-STS:task_state']).to.equal(null);
      expect(sb.fault.code).to.equal(500);
      expect(sb.fault.message).to.match(/^No valid host was found\. /);
      expect(await app.t.driver.listInstances()).to.include(a).and.not.include(b);
      // Nova adds members at the API: the ERROR server is a member until deleted
      expect((await show(id)).body.server_group.members).to.have.members([a, b]);

      // once the first is deleted, a new one fits again; deleting the ERROR one works too
      expect((await app.t.request.delete(`${api}/servers/${b}`).set(as(app.t.tokens.demo))).status).to.equal(204);
      expect((await app.t.request.delete(`${api}/servers/${a}`).set(as(app.t.tokens.demo))).status).to.equal(204);
      await app.t.services.tasks.idle();
      expect((await show(id)).body.server_group.members).to.deep.equal([]);
      const c = (await boot(id)).body.server.id;
      await app.t.services.tasks.idle();
      expect((await server(c)).status).to.equal('ACTIVE');
    });

    it('anti-affinity with max_count 2 on one host: the first ACTIVE, the second ERROR', async () => {
      const id = await group('anti-affinity');
      const res = await boot(id, { min_count: 2, max_count: 2, return_reservation_id: true });
      expect(res.status, res.text).to.equal(202);
      await app.t.services.tasks.idle();
      const members = (await show(id)).body.server_group.members as string[];
      expect(members).to.have.length(2);
      const states = await Promise.all(members.map(async (m) => (await server(m)).status));
      expect(states.sort()).to.deep.equal(['ACTIVE', 'ERROR']);
    });

    it('does not let servers outside the group count against anti-affinity', async () => {
      await boot(undefined);
      await app.t.services.tasks.idle();
      const id = await group('anti-affinity');
      const res = await boot(id);
      await app.t.services.tasks.idle();
      expect((await server(res.body.server.id)).status).to.equal('ACTIVE');
    });
  });
});
