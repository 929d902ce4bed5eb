import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { API, as, expectFault, useComputeApp } from '../helpers/compute-app';

const mv = (version: string) => ({ 'OpenStack-API-Version': `compute ${version}` });

describe('compute API: server tags (/servers/{id}/tags, microversion 2.26)', () => {
  const app = useComputeApp();
  const { boot } = app;
  const url = (id: string, tag?: string) => `${API}/servers/${id}/tags${tag === undefined ? '' : `/${encodeURIComponent(tag)}`}`;
  const h = (token?: string, version = '2.26') => ({ ...as(token ?? app.t.tokens.demo), ...mv(version) });
  const list = (id: string, t?: string, v?: string) => app.t.request.get(url(id)).set(h(t, v));
  const check = (id: string, tag: string, t?: string, v?: string) => app.t.request.get(url(id, tag)).set(h(t, v));
  const add = (id: string, tag: string, t?: string, v?: string) => app.t.request.put(url(id, tag)).set(h(t, v));
  const replace = (id: string, body: unknown, t?: string, v?: string) => app.t.request.put(url(id)).set(h(t, v)).send(body as object);
  const remove = (id: string, tag: string, t?: string, v?: string) => app.t.request.delete(url(id, tag)).set(h(t, v));
  const removeAll = (id: string, t?: string, v?: string) => app.t.request.delete(url(id)).set(h(t, v));
  const stored = async (id: string) => (await app.t.db('instance_tags').where('instance_uuid', id).select('tag')).map((r) => r.tag).sort();
  // the project's instances quota (10) would run out: each test deletes its servers
  afterEach(async () => {
    for (const i of await app.t.services.instances.list({})) {
      await app.t.services.instances.update(i.uuid, { vmState: 'active', taskState: null, locked: false, lockedBy: null });
      await app.t.request.delete(`${API}/servers/${i.uuid}`).set(as(app.t.tokens.admin));
    }
    await app.t.services.tasks.idle();
  });

  it('microversion 2.26: adds (201 with Location, then 204), checks (204/404), lists, replaces and deletes tags', async () => {
    const id = await boot();
    expect((await list(id)).body).to.deep.equal({ tags: [] });

    const created = await add(id, 'web');
    expect(created.status, created.text).to.equal(201);
    expect(created.text).to.equal('');
    expect(created.headers.location).to.equal(`http://novashim.test/compute/v2.1/servers/${id}/tags/web`);
    const again = await add(id, 'web');
    expect(again.status, again.text).to.equal(204);
    expect(again.headers).to.not.have.property('location');
    expect((await add(id, 'a tag with spaces & symbols!')).status).to.equal(201);
    expect((await list(id)).body).to.deep.equal({ tags: ['a tag with spaces & symbols!', 'web'] });

    const present = await check(id, 'web');
    expect(present.status, present.text).to.equal(204);
    expect(present.text).to.equal('');
    expectFault(await check(id, 'nope'), 404, 'itemNotFound', `Server ${id} has no tag 'nope'`);

    const replaced = await replace(id, { tags: ['b', 'a', 'b'] });
    expect(replaced.status, replaced.text).to.equal(200);
    expect(replaced.body).to.deep.equal({ tags: ['a', 'b'] });
    expect(await stored(id)).to.deep.equal(['a', 'b']);

    const deleted = await remove(id, 'a');
    expect(deleted.status, deleted.text).to.equal(204);
    expectFault(await remove(id, 'a'), 404, 'itemNotFound', `Instance ${id} has no tag 'a'`);
    expect(await stored(id)).to.deep.equal(['b']);

    const cleared = await removeAll(id);
    expect(cleared.status, cleared.text).to.equal(204);
    expect(await stored(id)).to.deep.equal([]);
    expect((await replace(id, { tags: [] })).body).to.deep.equal({ tags: [] });
  });

  it('microversion 2.25: every tags route is 404 (the resource does not exist yet)', async () => {
    const id = await boot();
    await app.t.db('instance_tags').insert({ instance_uuid: id, tag: 'kept' });
    for (const res of [
      await list(id, undefined, '2.25'), await check(id, 'kept', undefined, '2.25'), await add(id, 'x', undefined, '2.25'),
      await replace(id, { tags: ['x'] }, undefined, '2.25'), await replace(id, { anything: 1 }, undefined, '2.25'),
      await remove(id, 'kept', undefined, '2.25'), await removeAll(id, undefined, '2.25'),
      await app.t.request.get(url(id)).set(as(app.t.tokens.demo)), // no header: 2.1
    ]) {
      expectFault(res, 404, 'itemNotFound', 'The resource could not be found.');
    }
    expect(await stored(id)).to.deep.equal(['kept']);
  });

  it('microversion 2.26: validates tags (1-60 characters, no "," or "/") and the 50-tag limit with 400', async () => {
    const id = await boot();
    expectFault(await add(id, 'a,b'), 400, 'badRequest',
      "Tag 'a,b' is invalid. It must be a non empty string without characters '/' and ','. Validation error message: 'a,b' does not match '^[^,/]*$'");
    expectFault(await add(id, 'a/b'), 400, 'badRequest', /^Tag 'a\/b' is invalid/);
    expectFault(await add(id, 't'.repeat(61)), 400, 'badRequest', /is too long$/);
    expect((await add(id, 't'.repeat(60))).status).to.equal(201);
    // PUT /tags/{tag} takes no body (JSON null is fine, as Nova's {"type": "null"})
    expectFault(await app.t.request.put(url(id, 'with-body')).set(h()).send({ tag: 'x' }), 400, 'badRequest', /^Invalid input for field\/attribute body/);
    expect((await app.t.request.put(url(id, 'null-body')).set(h()).set('content-type', 'application/json').send('null')).status).to.equal(201);
    await remove(id, 'null-body');
    for (const body of [{ tags: ['ok', 'a,b'] }, { tags: ['x/y'] }, { tags: [''] }, { tags: ['t'.repeat(61)] }, { tags: 'str' }, { tags: [1] }, {}, { tags: [], extra: 1 }]) {
      expectFault(await replace(id, body), 400, 'badRequest', /^Invalid input for field\/attribute/);
    }
    const fifty = Array.from({ length: 50 }, (_, n) => `t${String(n).padStart(2, '0')}`);
    expectFault(await replace(id, { tags: [...fifty, 'one-more'] }), 400, 'badRequest');
    expect((await replace(id, { tags: fifty })).body.tags).to.deep.equal(fifty);
    expectFault(await add(id, 'one-more'), 400, 'badRequest', 'The number of tags exceeded the per-server limit 50');
    // Nova counts before it looks: at the limit even an existing tag is refused
    expectFault(await add(id, 't00'), 400, 'badRequest', 'The number of tags exceeded the per-server limit 50');
    expect(await stored(id)).to.deep.equal(fifty);
  });

  it('microversion 2.26: 404 for an unknown server, 403 for another project\'s server (Nova\'s policy on the mapping), reader 403 on writes', async () => {
    const id = await boot();
    await add(id, 'mine');
    const unknown = randomUUID();
    for (const res of [await list(unknown), await check(unknown, 'x'), await add(unknown, 'x'), await replace(unknown, { tags: [] }), await remove(unknown, 'x'), await removeAll(unknown)]) {
      expectFault(res, 404, 'itemNotFound', `Instance ${unknown} could not be found.`);
    }
    const alt = app.t.tokens.alt;
    expectFault(await list(id, alt), 403, 'forbidden', "Policy doesn't allow os_compute_api:os-server-tags:index to be performed.");
    expectFault(await check(id, 'mine', alt), 403, 'forbidden', "Policy doesn't allow os_compute_api:os-server-tags:show to be performed.");
    expectFault(await add(id, 'x', alt), 403, 'forbidden', "Policy doesn't allow os_compute_api:os-server-tags:update to be performed.");
    expectFault(await replace(id, { tags: [] }, alt), 403, 'forbidden', "Policy doesn't allow os_compute_api:os-server-tags:update_all to be performed.");
    expectFault(await remove(id, 'mine', alt), 403, 'forbidden', "Policy doesn't allow os_compute_api:os-server-tags:delete to be performed.");
    expectFault(await removeAll(id, alt), 403, 'forbidden', "Policy doesn't allow os_compute_api:os-server-tags:delete_all to be performed.");
    const reader = app.t.tokens.reader;
    expect((await list(id, reader)).body).to.deep.equal({ tags: ['mine'] });
    expect((await check(id, 'mine', reader)).status).to.equal(204);
    expectFault(await add(id, 'x', reader), 403, 'forbidden');
    expectFault(await replace(id, { tags: [] }, reader), 403, 'forbidden');
    expectFault(await remove(id, 'mine', reader), 403, 'forbidden');
    expectFault(await removeAll(id, reader), 403, 'forbidden');
    // an admin may tag any project's server
    expect((await add(id, 'by-admin', app.t.tokens.admin)).status).to.equal(201);
    expect(await stored(id)).to.deep.equal(['by-admin', 'mine']);
  });

  it('microversion 2.26: writes need ACTIVE, PAUSED, SUSPENDED or SHUTOFF (409 otherwise); reads and locked servers are fine', async () => {
    const id = await boot();
    await app.t.services.instances.update(id, { locked: true, lockedBy: 'owner' }); // Nova's tags have no lock check
    for (const vmState of ['paused', 'suspended', 'stopped'] as const) {
      await app.t.services.instances.update(id, { vmState });
      expect((await add(id, vmState)).status, vmState).to.equal(201);
    }
    await app.t.services.instances.update(id, { vmState: 'error' });
    expectFault(await add(id, 'x'), 409, 'conflictingRequest', `Cannot 'update tag' instance ${id} while it is in vm_state error`);
    expectFault(await replace(id, { tags: [] }), 409, 'conflictingRequest', `Cannot 'update tags' instance ${id} while it is in vm_state error`);
    expectFault(await remove(id, 'paused'), 409, 'conflictingRequest', `Cannot 'delete tag' instance ${id} while it is in vm_state error`);
    expectFault(await removeAll(id), 409, 'conflictingRequest', `Cannot 'delete tags' instance ${id} while it is in vm_state error`);
    expect((await list(id)).body).to.deep.equal({ tags: ['paused', 'stopped', 'suspended'] });
    expect((await check(id, 'paused')).status).to.equal(204);
    // the state check comes before the tag's validation
    expectFault(await add(id, 'a,b'), 409, 'conflictingRequest');
    await app.t.services.instances.update(id, { vmState: 'active', locked: false, lockedBy: null });
  });

  it('microversion 2.26: show, detail and the update reply carry `tags`; 2.25 has no such key', async () => {
    const id = await boot();
    await replace(id, { tags: ['z', 'y'] });
    const show = await app.t.request.get(`${API}/servers/${id}`).set(h());
    expect(show.status, show.text).to.equal(200);
    expect(show.body.server.tags).to.deep.equal(['y', 'z']);
    const detail = await app.t.request.get(`${API}/servers/detail`).set(h());
    expect(detail.body.servers.find((s: { id: string }) => s.id === id).tags).to.deep.equal(['y', 'z']);
    const updated = await app.t.request.put(`${API}/servers/${id}`).set(h()).send({ server: { name: 'renamed' } });
    expect(updated.status, updated.text).to.equal(200);
    expect(updated.body.server.tags).to.deep.equal(['y', 'z']);
    const old = await app.t.request.get(`${API}/servers/${id}`).set(h(undefined, '2.25'));
    expect(old.body.server).to.not.have.property('tags');
    const oldDetail = await app.t.request.get(`${API}/servers/detail`).set(h(undefined, '2.25'));
    expect(oldDetail.body.servers[0]).to.not.have.property('tags');
    // a server without tags shows an empty list
    const bare = await boot();
    expect((await app.t.request.get(`${API}/servers/${bare}`).set(h())).body.server.tags).to.deep.equal([]);
  });

  it('microversion 2.26: GET /servers and /servers/detail filter by tags, tags-any, not-tags, not-tags-any (ignored at 2.25)', async () => {
    // a project of its own so that earlier tests' servers stay out of the lists
    const token = app.t.tokens.alt;
    const mk = async (name: string, tags: string[]) => {
      const sid = await boot(name, token);
      if (tags.length) expect((await replace(sid, { tags }, token)).status).to.equal(200);
      return sid;
    };
    const ab = await mk('ab', ['a', 'b']);
    const a = await mk('a', ['a']);
    const c = await mk('c', ['c']);
    const none = await mk('none', []);
    const ids = async (query: string, path = 'servers', version = '2.26') => {
      const res = await app.t.request.get(`${API}/${path}?${query}`).set(h(token, version));
      expect(res.status, res.text).to.equal(200);
      return res.body.servers.map((s: { id: string }) => s.id).sort();
    };
    const sorted = (...x: string[]) => x.sort();
    expect(await ids('tags=a,b')).to.deep.equal([ab]);
    expect(await ids('tags=a')).to.deep.equal(sorted(ab, a));
    expect(await ids('tags-any=b,c')).to.deep.equal(sorted(ab, c));
    expect(await ids('not-tags=a,b')).to.deep.equal(sorted(a, c, none));
    expect(await ids('not-tags-any=a,c')).to.deep.equal([none]);
    expect(await ids('tags=a&not-tags-any=b', 'servers/detail')).to.deep.equal([a]);
    expect(await ids('tags=x&tags=c')).to.deep.equal([c]); // a repeated parameter: the last one counts
    expect(await ids('tags=a,b', 'servers', '2.25')).to.deep.equal(sorted(ab, a, c, none));
    // with a limit, the filter applies before the page is cut
    const page = await app.t.request.get(`${API}/servers?tags-any=a,c&limit=2`).set(h(token));
    expect(page.body.servers).to.have.length(2);
    expect(page.body.servers.map((s: { id: string }) => s.id)).to.not.include(none);
  });

  it('loads the tags of a listed page in one query, not one per server', async () => {
    for (let n = 0; n < 3; n++) await boot(`many-${n}`);
    const queries: string[] = [];
    const onQuery = (q: { sql: string }) => { if (q.sql.includes('instance_tags')) queries.push(q.sql); };
    app.t.db.on('query', onQuery);
    try {
      const res = await app.t.request.get(`${API}/servers/detail`).set(h());
      expect(res.status).to.equal(200);
      expect(res.body.servers).to.have.length(3);
    } finally {
      app.t.db.removeListener('query', onQuery);
    }
    expect(queries).to.have.length(1);
  });

  it('deleting a server removes its tags', async () => {
    const id = await boot();
    await replace(id, { tags: ['bye'] });
    expect((await app.t.request.delete(`${API}/servers/${id}`).set(h())).status).to.equal(204);
    await app.t.services.tasks.idle();
    expect(await stored(id)).to.deep.equal([]);
    expectFault(await list(id), 404, 'itemNotFound');
  });
});

describe('compute API: tags on create (microversion 2.52)', () => {
  const app = useComputeApp();
  const create = (server: object, version: string) => app.t.request.post(`${API}/servers`)
    .set({ ...as(app.t.tokens.demo), ...mv(version) }).send({ server: { name: 'tagged', imageRef: app.image, flavorRef: '1', networks: 'auto', ...server } });

  it('microversion 2.52: POST /servers takes `tags`; the server shows them', async () => {
    const res = await create({ tags: ['web', 'prod', 'web'] }, '2.52');
    expect(res.status, res.text).to.equal(202);
    await app.t.services.tasks.idle();
    const show = await app.t.request.get(`${API}/servers/${res.body.server.id}`).set({ ...as(app.t.tokens.demo), ...mv('2.52') });
    expect(show.body.server.tags).to.deep.equal(['prod', 'web']);
    const multi = await create({ tags: ['batch'], min_count: 2 }, '2.52');
    expect(multi.status, multi.text).to.equal(202);
    await app.t.services.tasks.idle();
    const batch = await app.t.request.get(`${API}/servers/detail?tags=batch`).set({ ...as(app.t.tokens.demo), ...mv('2.52') });
    expect(batch.body.servers).to.have.length(2);
  });

  it('microversion 2.52: validates the tags of a create (400) — 51 tags, a bad tag', async () => {
    const fiftyOne = Array.from({ length: 51 }, (_, n) => `t${n}`);
    for (const tags of [fiftyOne, ['a/b'], [''], 'web']) {
      const res = await create({ tags }, '2.52');
      expect(res.status, res.text).to.equal(400);
      expect(res.body.badRequest.message).to.match(/^Invalid input for field\/attribute/);
    }
  });

  it('microversion 2.51: `tags` is not a create attribute yet (400)', async () => {
    const res = await create({ tags: ['web'] }, '2.51');
    expect(res.status, res.text).to.equal(400);
    expect(res.body.badRequest.message).to.match(/Additional properties are not allowed \('tags' was unexpected\)/);
  });
});
