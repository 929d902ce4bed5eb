import { expect } from 'chai';
import { API, as, useComputeApp } from '../helpers/compute-app';

/**
 * GET /servers/detail renders each server once and reuses its JSON while the server's row and tags
 * are unchanged (db/stores/instance-rows.ts, api/compute/views/server-list-cache.ts). These tests
 * warm the cache with a list, change one thing by every path that can change a server, and check
 * the very next list shows it — including writes that leave updated_at alone.
 */
describe('compute API: server list cache (GET /servers/detail)', () => {
  const app = useComputeApp();
  const at = (version: string) => ({ 'OpenStack-API-Version': `compute ${version}` });
  const detail = async (version = '2.79', token = app.t.tokens.demo) => {
    const res = await app.t.request.get(`${API}/servers/detail${token === app.t.tokens.admin ? '?all_tenants=1' : ''}`).set(as(token)).set(at(version));
    expect(res.status, res.text).to.equal(200);
    expect(res.headers['content-type']).to.match(/^application\/json/);
    return res;
  };
  const serverIn = (res: { body: { servers: { id: string }[] } }, id: string) => res.body.servers.find((x) => x.id === id) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const call = async (method: 'post' | 'put' | 'delete', path: string, body?: object, token = app.t.tokens.demo, version = '2.79') => {
    const res = await app.t.request[method](`${API}${path}`).set(as(token)).set(at(version)).send(body);
    expect(res.status, res.text).to.be.lessThan(300);
    await app.t.services.tasks.idle();
    return res;
  };

  let a: string;
  let b: string;
  before(async () => {
    a = await app.boot('cache-a');
    b = await app.boot('cache-b');
  });

  it('answers the same bytes twice for unchanged servers, and the store the same frozen records', async () => {
    const first = await detail();
    const second = await detail();
    expect(second.text).to.equal(first.text);
    expect(first.text).to.equal(JSON.stringify(first.body)); // compact JSON, as JSON.stringify of the body
    const project = app.t.projects.demo;
    const [x, y] = [await app.t.services.instances.list({ projectId: project }), await app.t.services.instances.list({ projectId: project })];
    expect(x.length).to.equal(2);
    expect(y[0]).to.equal(x[0]); // the same object: the view cache keys on it
    expect(Object.isFrozen(x[0]) && Object.isFrozen(x[0].metadata) && Object.isFrozen(x[0].addresses)).to.equal(true);
    expect(() => { (x[0] as any).displayName = 'x'; }).to.throw(TypeError); // eslint-disable-line @typescript-eslint/no-explicit-any
  });

  it('shows a metadata change, a tag, a rename and a stop in the next list', async () => {
    await detail();
    await call('post', `/servers/${a}/metadata`, { metadata: { color: 'blue' } });
    expect(serverIn(await detail(), a).metadata).to.deep.equal({ color: 'blue' });
    await call('put', `/servers/${a}/tags/fresh`);
    expect(serverIn(await detail(), a).tags).to.deep.equal(['fresh']);
    await call('delete', `/servers/${a}/tags/fresh`);
    expect(serverIn(await detail(), a).tags).to.deep.equal([]);
    await call('put', `/servers/${a}`, { server: { name: 'renamed', description: 'd1' } });
    await call('put', `/servers/${a}`, { server: { description: 'd2' } }); // possibly within the same millisecond
    const renamed = serverIn(await detail(), a);
    expect([renamed.name, renamed.description]).to.deep.equal(['renamed', 'd2']);
    await call('post', `/servers/${b}/action`, { 'os-stop': null });
    const listed = await detail('2.1');
    expect(serverIn(listed, b).status).to.equal('SHUTOFF');
    expect(serverIn(listed, a).status).to.equal('ACTIVE');
  });

  it('shows writes that leave updated_at alone: an out-of-band row change and a new fault', async () => {
    await detail('2.1', app.t.tokens.admin);
    await detail('2.1');
    await app.t.db('instances').where({ uuid: a }).update({ display_name: 'behind-the-back' }); // updated_at unchanged
    expect(serverIn(await detail('2.1'), a).name).to.equal('behind-the-back');
    await call('post', `/servers/${a}/action`, { 'os-resetState': { state: 'error' } }, app.t.tokens.admin);
    expect(serverIn(await detail('2.1'), a).fault).to.equal(undefined);
    await app.t.services.instances.setFault(a, { code: 500, message: 'first', details: 'trace', createdAt: new Date() });
    expect(serverIn(await detail('2.1'), a).fault.message).to.equal('first');
    expect(serverIn(await detail('2.1', app.t.tokens.admin), a).fault.details).to.equal('trace'); // admins see details
    await app.t.services.instances.setFault(a, { code: 500, message: 'second', details: 'trace', createdAt: new Date() });
    expect(serverIn(await detail('2.1'), a).fault.message).to.equal('second');
    expect(serverIn(await detail('2.1'), a).fault).to.not.have.property('details');
  });

  it('renders per context: version, admin view and flavor extra specs changes (2.47)', async () => {
    const demo = serverIn(await detail('2.79'), b);
    const admin = serverIn(await detail('2.79', app.t.tokens.admin), b);
    expect(demo).to.not.have.property('OS-EXT-SRV-ATTR:host');
    expect(admin).to.have.property('OS-EXT-SRV-ATTR:host');
    expect(serverIn(await detail('2.46'), b).flavor).to.have.property('links');
    expect(demo.flavor.extra_specs).to.deep.equal({});
    await call('post', '/flavors/1/os-extra_specs', { extra_specs: { 'hw:cpu_policy': 'shared' } }, app.t.tokens.admin);
    expect(serverIn(await detail('2.79'), b).flavor.extra_specs).to.deep.equal({ 'hw:cpu_policy': 'shared' });
    await call('delete', '/flavors/1/os-extra_specs/hw:cpu_policy', undefined, app.t.tokens.admin);
    expect(serverIn(await detail('2.79'), b).flavor.extra_specs).to.deep.equal({});
  });

  it('lists records equal to those find() reads (the packed JSON rows parse as the plain ones)', async () => {
    await call('post', `/servers/${b}/metadata`, { metadata: { key: 'значение 😀', quote: '"\\\u0001' } });
    await call('put', `/servers/${b}/tags`, { tags: ['z', 'a', 'é'] });
    await app.t.services.instances.setFault(b, { code: 404, message: 'ünïcode', details: '', createdAt: new Date(1_700_000_000_123) });
    await app.t.db('instances').where({ uuid: b }).update({ user_data: 'dXNlcg==', progress: 42, locked: 1, locked_reason: 'r' });
    const listed = await app.t.services.instances.list({ projectId: app.t.projects.demo });
    expect(listed.length).to.equal(2);
    for (const r of listed) expect(r).to.deep.equal(await app.t.services.instances.find(r.uuid));
  });

  it('keeps paging and the next link (limit/marker) over cached servers', async () => {
    const all = (await detail('2.1')).body.servers.map((x: { id: string }) => x.id);
    const res = await app.t.request.get(`${API}/servers/detail?limit=1`).set(as(app.t.tokens.demo));
    expect(res.status, res.text).to.equal(200);
    expect(res.body.servers.map((x: { id: string }) => x.id)).to.deep.equal([all[0]]);
    expect(res.body.servers_links[0].href).to.contain(`marker=${all[0]}`);
    expect(res.text).to.equal(JSON.stringify(res.body));
    const next = await app.t.request.get(`${API}/servers/detail?limit=1&marker=${all[0]}`).set(as(app.t.tokens.demo));
    expect(next.body.servers.map((x: { id: string }) => x.id)).to.deep.equal([all[1]]);
  });
});
