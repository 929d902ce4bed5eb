import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { API, as, expectFault, useComputeApp } from '../helpers/compute-app';
import { DEFAULT_LIMITS } from '../../src/compute/limits';

describe('compute API: server metadata (/servers/{id}/metadata)', () => {
  const app = useComputeApp();
  const url = (id: string, key?: string) => `${API}/servers/${id}/metadata${key === undefined ? '' : `/${encodeURIComponent(key)}`}`;
  const token = () => app.t.tokens.demo;
  const get = (id: string, key?: string, t = token()) => app.t.request.get(url(id, key)).set(as(t));
  const post = (id: string, body: unknown, t = token()) => app.t.request.post(url(id)).set(as(t)).send(body as object);
  const putAll = (id: string, body: unknown, t = token()) => app.t.request.put(url(id)).set(as(t)).send(body as object);
  const putItem = (id: string, key: string, body: unknown, t = token()) => app.t.request.put(url(id, key)).set(as(t)).send(body as object);
  const del = (id: string, key: string, t = token()) => app.t.request.delete(url(id, key)).set(as(t));
  const stored = async (id: string) => ({ ...(await app.t.services.instances.find(id)).metadata });

  const bootWith = async (metadata: Record<string, string>) => {
    const res = await app.t.request.post(`${API}/servers`).set(as(token()))
      .send({ server: { name: 'meta', imageRef: app.image, flavorRef: '1', metadata } });
    expect(res.status, res.text).to.equal(202);
    await app.t.services.tasks.idle();
    return res.body.server.id as string;
  };

  it('lists, shows, merges (POST), replaces (PUT), sets one item and deletes one item', async () => {
    const id = await bootWith({ a: '1', b: '2' });
    expect((await get(id)).body).to.deep.equal({ metadata: { a: '1', b: '2' } });
    expect((await get(id, 'a')).body).to.deep.equal({ meta: { a: '1' } });

    const merged = await post(id, { metadata: { b: 'two', c: '3' } });
    expect(merged.status, merged.text).to.equal(200); // Nova: 200, not 201
    expect(merged.body).to.deep.equal({ metadata: { a: '1', b: 'two', c: '3' } });
    expect(await stored(id)).to.deep.equal({ a: '1', b: 'two', c: '3' });
    // merging nothing keeps everything (tempest's test_update_metadata_empty_body)
    expect((await post(id, { metadata: {} })).body).to.deep.equal({ metadata: { a: '1', b: 'two', c: '3' } });

    const replaced = await putAll(id, { metadata: { only: 'this', 'key with:dots.and-dash_': '' } });
    expect(replaced.status, replaced.text).to.equal(200);
    expect(replaced.body).to.deep.equal({ metadata: { only: 'this', 'key with:dots.and-dash_': '' } });
    expect(await stored(id)).to.deep.equal({ only: 'this', 'key with:dots.and-dash_': '' });

    const item = await putItem(id, 'new', { meta: { new: 'v' } });
    expect(item.status, item.text).to.equal(200);
    expect(item.body).to.deep.equal({ meta: { new: 'v' } });
    expect(await stored(id)).to.deep.equal({ only: 'this', 'key with:dots.and-dash_': '', new: 'v' });

    const gone = await del(id, 'only');
    expect(gone.status, gone.text).to.equal(204);
    expect(gone.text).to.equal('');
    expect(await stored(id)).to.deep.equal({ 'key with:dots.and-dash_': '', new: 'v' });

    const cleared = await putAll(id, { metadata: {} });
    expect(cleared.body).to.deep.equal({ metadata: {} });
    // the server view shows the same metadata
    expect((await app.t.request.get(`${API}/servers/${id}`).set(as(token()))).body.server.metadata).to.deep.equal({});
  });

  it('answers 404 for an unknown server, another project\'s server and an unknown key', async () => {
    const id = await bootWith({ k: 'v' });
    const unknown = randomUUID();
    expectFault(await get(unknown), 404, 'itemNotFound', `Instance ${unknown} could not be found.`);
    expectFault(await post(unknown, { metadata: { a: 'b' } }), 404, 'itemNotFound');
    expectFault(await putAll(unknown, { metadata: { a: 'b' } }), 404, 'itemNotFound');
    expectFault(await putItem(unknown, 'a', { meta: { a: 'b' } }), 404, 'itemNotFound');
    expectFault(await del(unknown, 'a'), 404, 'itemNotFound');
    expectFault(await get(unknown, 'a'), 404, 'itemNotFound');
    // another project cannot see the server at all
    expectFault(await get(id, undefined, app.t.tokens.alt), 404, 'itemNotFound');
    expectFault(await post(id, { metadata: { a: 'b' } }, app.t.tokens.alt), 404, 'itemNotFound');
    expectFault(await get(id, 'missing'), 404, 'itemNotFound', 'Metadata item was not found');
    expectFault(await del(id, 'missing'), 404, 'itemNotFound', 'Metadata item was not found');
    // an admin sees it
    expect((await get(id, 'k', app.t.tokens.admin)).body).to.deep.equal({ meta: { k: 'v' } });
  });

  it('validates keys (1-255 of [a-zA-Z0-9-_:. ]) and values (at most 255) with 400', async () => {
    const id = await bootWith({});
    const bad = [
      { metadata: { ['k'.repeat(256)]: 'v' } },
      { metadata: { '': 'v' } },
      { metadata: { 'bad/key': 'v' } },
      { metadata: { k: 'v'.repeat(256) } },
      { metadata: { k: 1 } },
      { metadata: 'not an object' },
      { meta: { k: 'v' } },
      {},
    ];
    for (const body of bad) {
      expectFault(await post(id, body), 400, 'badRequest', /^Invalid input for field\/attribute/);
      expectFault(await putAll(id, body), 400, 'badRequest', /^Invalid input for field\/attribute/);
    }
    // an empty body (tempest's set_server_metadata no_metadata_field)
    expectFault(await app.t.request.put(url(id)).set(as(token())).set('content-type', 'application/json').send(''), 400, 'badRequest');
    // limits are inclusive
    const edge = { ['k'.repeat(255)]: 'v'.repeat(255) };
    expect((await post(id, { metadata: edge })).body).to.deep.equal({ metadata: edge });
    expect(await stored(id)).to.deep.equal(edge);
  });

  it('PUT /metadata/{key}: exactly one item whose key matches the URI, else 400', async () => {
    const id = await bootWith({ k: 'v' });
    expectFault(await putItem(id, 'k', { meta: { other: 'v' } }), 400, 'badRequest', 'Request body and URI mismatch');
    expectFault(await putItem(id, 'k', { meta: { k: 'v', other: 'w' } }), 400, 'badRequest', /too many properties|more than 1/);
    expectFault(await putItem(id, 'k', { meta: {} }), 400, 'badRequest');
    expectFault(await putItem(id, 'k', { metadata: { k: 'v' } }), 400, 'badRequest');
    expectFault(await putItem(id, 'k', { meta: { k: 'v'.repeat(256) } }), 400, 'badRequest');
    expect(await stored(id)).to.deep.equal({ k: 'v' });
  });

  it('answers 403 over the metadata_items quota, counting the merged result', async () => {
    const max = DEFAULT_LIMITS.metadataItems;
    const many = (n: number, prefix: string) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 'v']));
    const id = await bootWith(many(max - 1, 'old'));
    const quota = new RegExp(`Maximum number of metadata items exceeds ${max}$`);
    expectFault(await post(id, { metadata: many(2, 'new') }), 403, 'forbidden', quota);
    expectFault(await putAll(id, { metadata: many(max + 1, 'all') }), 403, 'forbidden', quota);
    // up to the quota is fine; then one more item is not
    expect((await post(id, { metadata: many(1, 'new') })).status).to.equal(200);
    expectFault(await putItem(id, 'extra', { meta: { extra: 'v' } }), 403, 'forbidden', quota);
    // replacing an existing key keeps the count
    expect((await putItem(id, 'new0', { meta: { new0: 'w' } })).status).to.equal(200);
    expect(Object.keys(await stored(id))).to.have.length(max);
    expect((await putAll(id, { metadata: many(max, 'all') })).status).to.equal(200);
  });

  it('refuses writes on a locked server with 409 for its owner, not for an admin; reads stay allowed', async () => {
    const id = await bootWith({ k: 'v' });
    await app.t.services.instances.update(id, { locked: true, lockedBy: 'owner' });
    const locked = `Instance ${id} is locked`;
    expectFault(await post(id, { metadata: { a: 'b' } }), 409, 'conflictingRequest', locked);
    expectFault(await putAll(id, { metadata: { a: 'b' } }), 409, 'conflictingRequest', locked);
    expectFault(await putItem(id, 'a', { meta: { a: 'b' } }), 409, 'conflictingRequest', locked);
    expectFault(await del(id, 'k'), 409, 'conflictingRequest', locked);
    expect((await get(id)).status).to.equal(200);
    expect((await post(id, { metadata: { a: 'b' } }, app.t.tokens.admin)).status).to.equal(200);
    expect((await del(id, 'k', app.t.tokens.admin)).status).to.equal(204);
    expect(await stored(id)).to.deep.equal({ a: 'b' });
  });

  it('allows writes in ACTIVE, PAUSED, SUSPENDED and SHUTOFF (any task_state); 409 in other vm_states or before launch', async () => {
    const id = await bootWith({ k: 'v' });
    for (const vmState of ['paused', 'suspended', 'stopped', 'active'] as const) {
      await app.t.services.instances.update(id, { vmState });
      expect((await post(id, { metadata: { [vmState]: 'ok' } })).status, vmState).to.equal(200);
    }
    // Nova's task_state=None in check_instance_state: no task_state check at all
    await app.t.services.instances.update(id, { taskState: 'powering-off' });
    expect((await post(id, { metadata: { busy: 'ok' } })).status).to.equal(200);
    await app.t.services.instances.update(id, { taskState: null, vmState: 'error' });
    expectFault(await post(id, { metadata: { a: 'b' } }), 409, 'conflictingRequest', `Cannot 'update metadata' instance ${id} while it is in vm_state error`);
    expectFault(await putAll(id, { metadata: {} }), 409, 'conflictingRequest', `Cannot 'update metadata' instance ${id} while it is in vm_state error`);
    expectFault(await putItem(id, 'a', { meta: { a: 'b' } }), 409, 'conflictingRequest', `Cannot 'update metadata' instance ${id} while it is in vm_state error`);
    expectFault(await del(id, 'k'), 409, 'conflictingRequest', `Cannot 'delete metadata' instance ${id} while it is in vm_state error`);
    // an unknown key is still 404 first (Nova reads the metadata before the state check)
    expectFault(await del(id, 'missing'), 404, 'itemNotFound');
    await app.t.services.instances.update(id, { vmState: 'active', launchedAt: null });
    expectFault(await post(id, { metadata: { a: 'b' } }), 409, 'conflictingRequest', `Cannot 'update metadata' instance ${id} while it is in launched_at None`);
    await app.t.services.instances.update(id, { launchedAt: new Date() });
    expect(Object.keys(await stored(id)).sort()).to.deep.equal(['active', 'busy', 'k', 'paused', 'stopped', 'suspended']);
  });

  it('lets a reader read but not write (403)', async () => {
    const id = await bootWith({ k: 'v' });
    expect((await get(id, undefined, app.t.tokens.reader)).status).to.equal(200);
    expect((await get(id, 'k', app.t.tokens.reader)).status).to.equal(200);
    expectFault(await post(id, { metadata: { a: 'b' } }, app.t.tokens.reader), 403, 'forbidden');
    expectFault(await putAll(id, { metadata: {} }, app.t.tokens.reader), 403, 'forbidden');
    expectFault(await putItem(id, 'k', { meta: { k: 'x' } }, app.t.tokens.reader), 403, 'forbidden');
    expectFault(await del(id, 'k', app.t.tokens.reader), 403, 'forbidden');
    expect(await stored(id)).to.deep.equal({ k: 'v' });
  });

  it('keeps concurrent merges from losing each other\'s items', async () => {
    const id = await bootWith({});
    const replies = await Promise.all(Array.from({ length: 10 }, (_, n) => post(id, { metadata: { [`k${n}`]: `${n}` } })));
    for (const r of replies) expect(r.status, r.text).to.equal(200);
    expect(Object.keys(await stored(id))).to.have.length(10);
  });
});
