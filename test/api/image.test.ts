import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import Ajv from 'ajv';
import { makeTestApp, TestApp } from '../helpers/app';
import { chunkedPut, listen, Listening } from '../helpers/image-http';
import { registerFixtureImages } from '../../src/image/fixtures';
import { silentLogger } from '../../src/log';

const api = '/image/v2';
const PATCH_V21 = 'application/openstack-images-v2.1-json-patch';
const PATCH_V20 = 'application/openstack-images-v2.0-json-patch';
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

describe('image API (Glance v2)', () => {
  let t: TestApp;
  before(async () => { t = await makeTestApp(); });
  after(async () => { await t.close(); });

  const as = (token: string) => ({ 'x-auth-token': token });
  async function create(token: string, body: Record<string, unknown> = {}): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await t.request.post(`${api}/images`).set(as(token)).send({ name: 'img', container_format: 'bare', disk_format: 'raw', ...body });
    expect(res.status, res.text).to.equal(201);
    return res.body;
  }
  const show = (id: string, token = t.tokens.demo) => t.request.get(`${api}/images/${id}`).set(as(token));
  const list = (query: string, token = t.tokens.demo) => t.request.get(`${api}/images${query}`).set(as(token));
  const patch = (id: string, ops: unknown, token = t.tokens.demo, type = PATCH_V21) =>
    t.request.patch(`${api}/images/${id}`).set(as(token)).set('content-type', type).send(JSON.stringify(ops));
  const upload = (id: string, data: Buffer, token = t.tokens.demo) =>
    t.request.put(`${api}/images/${id}/file`).set(as(token)).set('content-type', 'application/octet-stream').send(data);
  const imageCount = async () => Number((await t.db('images').count({ n: '*' }))[0].n);
  const imageFiles = () => (fs.existsSync(t.services.images.dir) ? fs.readdirSync(t.services.images.dir) : []);

  describe('versions and schemas', () => {
    it('answers the unversioned root with 300 and v2 versions linking to /image/v2/', async () => {
      const res = await t.request.get('/image/');
      expect(res.status).to.equal(300);
      const ids = res.body.versions.map((v: { id: string }) => v.id);
      expect(ids).to.include.members(['v2.0', 'v2.7']);
      expect(res.body.versions.filter((v: { status: string }) => v.status === 'CURRENT')).to.have.length(1);
      for (const v of res.body.versions) expect(v.links).to.deep.equal([{ rel: 'self', href: 'http://novashim.test/image/v2/' }]);
      const again = await t.request.get('/image/versions');
      expect(again.status).to.equal(200);
      expect(again.body).to.deep.equal(res.body);
    });

    it('serves the image schema glanceclient builds its model from, behind a token', async () => {
      expect((await t.request.get(`${api}/schemas/image`)).status).to.equal(401);
      const res = await t.request.get(`${api}/schemas/image`).set(as(t.tokens.demo));
      expect(res.status).to.equal(200);
      expect(res.body.name).to.equal('image');
      expect(res.body.additionalProperties).to.deep.equal({ type: 'string' });
      expect(res.body.properties.visibility.enum).to.have.members(['public', 'private', 'shared', 'community']);
      expect(res.body.properties.container_format.enum).to.include('docker');
      expect(res.body.links.map((l: { rel: string }) => l.rel)).to.deep.equal(['self', 'enclosure', 'describedby']);
      const images = await t.request.get(`${api}/schemas/images`).set(as(t.tokens.demo));
      expect(images.status).to.equal(200);
      expect(images.body.properties.images.items.name).to.equal('image');
    });

    it('returns images that validate against the served schema, as warlock checks them', async () => {
      const schema = (await t.request.get(`${api}/schemas/image`).set(as(t.tokens.demo))).body;
      const validate = new Ajv({ strict: false }).compile(schema);
      const image = await create(t.tokens.demo, { os_distro: 'busybox', tags: ['x'] });
      await upload(image.id, Buffer.from('data'));
      const shown = (await show(image.id)).body;
      delete shown.self; // glanceclient drops `self` before building its model
      expect(validate(shown), JSON.stringify(validate.errors)).to.equal(true);
    });
  });

  describe('create', () => {
    it('creates a queued image owned by the caller with Glance defaults and a Location', async () => {
      const res = await t.request.post(`${api}/images`).set(as(t.tokens.demo)).send({ name: 'Ubuntu', container_format: 'bare', disk_format: 'qcow2' });
      expect(res.status).to.equal(201);
      const image = res.body;
      expect(res.headers.location).to.equal(`http://novashim.test/image/v2/images/${image.id}`);
      expect(image).to.include({
        name: 'Ubuntu', status: 'queued', visibility: 'shared', owner: t.projects.demo, protected: false, os_hidden: false,
        size: null, virtual_size: null, checksum: null, os_hash_algo: null, os_hash_value: null, min_ram: 0, min_disk: 0,
        container_format: 'bare', disk_format: 'qcow2', self: `/v2/images/${image.id}`, file: `/v2/images/${image.id}/file`, schema: '/v2/schemas/image',
      });
      expect(image.tags).to.deep.equal([]);
      expect(image.created_at).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    });

    it('takes a client id, tags and additional string properties, and refuses the id twice with 409', async () => {
      const id = randomUUID();
      const image = await create(t.tokens.demo, { id, tags: ['a', 'b', 'a'], min_ram: 64, protected: true, 'owner_specified.openstack.md5': 'abc', hw_arch: 'x86_64' });
      expect(image.id).to.equal(id);
      expect(image.tags).to.have.members(['a', 'b']).and.have.length(2);
      expect(image['owner_specified.openstack.md5']).to.equal('abc');
      expect(image.hw_arch).to.equal('x86_64');
      expect(image).to.include({ min_ram: 64, protected: true });
      const again = await t.request.post(`${api}/images`).set(as(t.tokens.demo)).send({ id, name: 'dup' });
      expect(again.status).to.equal(409);
    });

    it('answers bad input with 400 in text/plain, leaving no row behind', async () => {
      const before = await imageCount();
      const bodies: unknown[] = [
        { container_format: 'wrong', disk_format: 'vhd' }, { container_format: 'bare', disk_format: 'wrong' },
        { name: 'x'.repeat(256) }, { min_ram: -1 }, { min_disk: 'ten' }, { min_ram: 1.5 }, { id: 'not-a-uuid' },
        { protected: 'yes' }, { visibility: 'everyone' }, { tags: 'a' }, { tags: ['x'.repeat(256)] }, { custom: 5 },
        { [`k${'x'.repeat(255)}`]: 'v' }, { '': 'empty key' }, [], 'string',
      ];
      for (const body of bodies) {
        const res = await t.request.post(`${api}/images`).set(as(t.tokens.demo)).set('content-type', 'application/json').send(JSON.stringify(body));
        expect(res.status, JSON.stringify(body).slice(0, 80)).to.equal(400);
        expect(res.headers['content-type']).to.match(/^text\/plain/);
        expect(res.text).to.match(/^400 Bad Request/);
      }
      const malformed = await t.request.post(`${api}/images`).set(as(t.tokens.demo)).set('content-type', 'application/json').send('{"name": ');
      expect(malformed.status).to.equal(400);
      const notJson = await t.request.post(`${api}/images`).set(as(t.tokens.demo)).set('content-type', 'text/plain').send('name=x');
      expect(notJson.status).to.equal(415);
      expect(await imageCount()).to.equal(before);
    });

    it('refuses read-only and reserved attributes with 403, like Glance', async () => {
      for (const body of [{ os_glance_foo: 'bar' }, { status: 'active' }, { self: '/x' }, { checksum: 'abc' }, { locations: [] as unknown[] }, { deleted: 'x' }]) {
        const res = await t.request.post(`${api}/images`).set(as(t.tokens.demo)).send({ name: 'r', ...body });
        expect(res.status, JSON.stringify(body)).to.equal(403);
      }
    });

    it('lets only admins publish, and only admins give images to other projects', async () => {
      expect((await t.request.post(`${api}/images`).set(as(t.tokens.demo)).send({ visibility: 'public' })).status).to.equal(403);
      expect((await t.request.post(`${api}/images`).set(as(t.tokens.demo)).send({ owner: t.projects.alt })).status).to.equal(403);
      expect((await create(t.tokens.demo, { visibility: 'community' })).visibility).to.equal('community');
      expect((await create(t.tokens.demo, { owner: t.projects.demo })).owner).to.equal(t.projects.demo);
      expect((await create(t.tokens.admin, { visibility: 'public' })).visibility).to.equal('public');
      expect((await create(t.tokens.admin, { owner: t.projects.alt })).owner).to.equal(t.projects.alt);
    });

    it('refuses writes to a reader', async () => {
      expect((await t.request.post(`${api}/images`).set(as(t.tokens.reader)).send({ name: 'r' })).status).to.equal(403);
      const image = await create(t.tokens.demo);
      expect((await show(image.id, t.tokens.reader)).status).to.equal(200);
      expect((await patch(image.id, [{ op: 'replace', path: '/name', value: 'n' }], t.tokens.reader)).status).to.equal(403);
      expect((await t.request.delete(`${api}/images/${image.id}`).set(as(t.tokens.reader))).status).to.equal(403);
    });
  });

  describe('show and visibility between projects', () => {
    it('hides another project’s private and shared images (404), shows public and community ones', async () => {
      const priv = await create(t.tokens.alt, { visibility: 'private' });
      const shared = await create(t.tokens.alt);
      const community = await create(t.tokens.alt, { visibility: 'community' });
      const pub = await create(t.tokens.admin, { visibility: 'public' });
      expect((await show(priv.id)).status).to.equal(404);
      expect((await show(shared.id)).status).to.equal(404);
      expect((await show(community.id)).status).to.equal(200);
      expect((await show(pub.id)).status).to.equal(200);
      expect((await show(priv.id, t.tokens.alt)).status).to.equal(200);
      expect((await show(priv.id, t.tokens.admin)).status).to.equal(200);
      expect((await patch(priv.id, [{ op: 'replace', path: '/name', value: 'mine' }])).status).to.equal(404);
      expect((await t.request.delete(`${api}/images/${priv.id}`).set(as(t.tokens.demo))).status).to.equal(404);
      expect((await upload(priv.id, Buffer.from('x'))).status).to.equal(404);
    });

    it('refuses changes to a visible image of another project with 403', async () => {
      const pub = await create(t.tokens.admin, { visibility: 'public' });
      expect((await patch(pub.id, [{ op: 'replace', path: '/name', value: 'mine' }])).status).to.equal(403);
      expect((await t.request.delete(`${api}/images/${pub.id}`).set(as(t.tokens.demo))).status).to.equal(403);
      expect((await upload(pub.id, Buffer.from('x'))).status).to.equal(403);
      expect((await t.request.put(`${api}/images/${pub.id}/tags/t`).set(as(t.tokens.demo))).status).to.equal(403);
      expect((await show(pub.id)).body.status).to.equal('queued');
    });

    it('answers 404 for unknown ids, names used as ids and the empty id', async () => {
      expect((await show(randomUUID())).status).to.equal(404);
      expect((await show('busybox')).status).to.equal(404);
      expect((await show('%00')).status).to.equal(404);
      const empty = await t.request.get(`${api}/images/`).set(as(t.tokens.demo));
      expect(empty.status).to.equal(404);
      expect(empty.text).to.match(/^404 Not Found/);
      expect((await t.request.delete(`${api}/images/`).set(as(t.tokens.demo))).status).to.equal(404);
      expect((await t.request.delete(`${api}/images/${randomUUID()}`).set(as(t.tokens.demo))).status).to.equal(404);
    });

    it('answers a wrong method with 405', async () => {
      const image = await create(t.tokens.demo);
      const res = await t.request.post(`${api}/images/${image.id}`).set(as(t.tokens.demo)).send({});
      expect(res.status).to.equal(405);
      expect(res.text).to.match(/^405 Method Not Allowed/);
      expect((await t.request.put(`${api}/images`).set(as(t.tokens.demo)).send({})).status).to.equal(405);
      const del = await t.request.delete(`${api}/images`).set(as(t.tokens.demo));
      expect(del.status).to.equal(405);
      expect(del.headers.allow).to.equal('GET, POST');
      expect((await t.request.post(`${api}/images/${image.id}/file`).set(as(t.tokens.demo)).send({})).status).to.equal(405);
    });
  });

  describe('list', () => {
    // a property unique to this block keeps other tests' images out of the results
    const batch = randomBytes(4).toString('hex');
    const ids: Record<string, string> = {};
    const names = (res: { body: { images: { name: string }[] } }) => res.body.images.map((i) => i.name);

    before(async () => {
      const specs: [string, string, Record<string, unknown>][] = [
        ['alpha', 'demo', { container_format: 'docker', tags: ['web', 'prod'], arch: 'x86' }],
        ['bravo', 'demo', { disk_format: 'qcow2', tags: ['web'], visibility: 'private' }],
        ['charlie', 'demo', { visibility: 'community', min_ram: 512 }],
        ['delta', 'alt', { visibility: 'community' }],
        ['echo', 'alt', { visibility: 'private' }],
        ['foxtrot', 'admin', { visibility: 'public', protected: true }],
        ['golf', 'demo', { os_hidden: true }],
      ];
      // whole, distinct seconds: the default order (newest first) and time filters do not depend on timing
      const base = Math.floor(Date.now() / 1000) * 1000 - 60_000;
      for (const [i, [name, who, extra]] of specs.entries()) {
        ids[name] = (await create(t.tokens[who as 'demo'], { name, batch, ...extra })).id;
        await t.db('images').where('id', ids[name]).update({ created_at: base + i * 1000 });
      }
      expect((await upload(ids.alpha, Buffer.alloc(100))).status).to.equal(204);
      expect((await upload(ids.foxtrot, Buffer.alloc(2000), t.tokens.admin)).status).to.equal(204);
    });

    it('shows by default public, own, and own community images, newest first; admins see all but others’ community', async () => {
      const demo = await list(`?batch=${batch}`);
      expect(demo.status).to.equal(200);
      expect(names(demo)).to.deep.equal(['foxtrot', 'charlie', 'bravo', 'alpha']);
      expect(demo.body.first).to.equal(`/v2/images?batch=${batch}`);
      expect(demo.body.schema).to.equal('/v2/schemas/images');
      expect(demo.body).to.not.have.property('next');
      expect(names(await list(`?batch=${batch}`, t.tokens.alt))).to.deep.equal(['foxtrot', 'echo', 'delta']);
      expect(names(await list(`?batch=${batch}`, t.tokens.admin))).to.deep.equal(['foxtrot', 'echo', 'bravo', 'alpha']);
    });

    it('filters by visibility, including community and all', async () => {
      expect(names(await list(`?batch=${batch}&visibility=community`))).to.deep.equal(['delta', 'charlie']);
      expect(names(await list(`?batch=${batch}&visibility=private`))).to.deep.equal(['bravo']);
      expect(names(await list(`?batch=${batch}&visibility=public`))).to.deep.equal(['foxtrot']);
      expect(names(await list(`?batch=${batch}&visibility=all&sort=name:asc`))).to.deep.equal(['alpha', 'bravo', 'charlie', 'delta', 'foxtrot']);
      expect(names(await list(`?batch=${batch}&visibility=all&sort=name:asc`, t.tokens.admin))).to.deep.equal(['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot']);
      expect((await list('?visibility=everyone')).status).to.equal(400);
    });

    it('filters by name, status, owner, formats, tags, sizes, min_ram, protected and properties', async () => {
      const q = (s: string) => list(`?batch=${batch}&${s}&sort=name:asc`);
      expect(names(await q('name=alpha'))).to.deep.equal(['alpha']);
      expect(names(await q('name=in:alpha,"bravo",zulu'))).to.deep.equal(['alpha', 'bravo']);
      expect(names(await q('status=active'))).to.deep.equal(['alpha', 'foxtrot']);
      expect(names(await q('status=queued'))).to.deep.equal(['bravo', 'charlie']);
      expect(names(await q(`owner=${t.projects.admin}`))).to.deep.equal(['foxtrot']);
      expect(names(await q('container_format=docker'))).to.deep.equal(['alpha']);
      expect(names(await q('disk_format=qcow2'))).to.deep.equal(['bravo']);
      expect(names(await q('tag=web'))).to.deep.equal(['alpha', 'bravo']);
      expect(names(await q('tag=web&tag=prod'))).to.deep.equal(['alpha']);
      expect(names(await q('size_min=101'))).to.deep.equal(['foxtrot']);
      expect(names(await q('size_max=100'))).to.deep.equal(['alpha']);
      expect(names(await q('min_ram=512'))).to.deep.equal(['charlie']);
      expect(names(await q('protected=true'))).to.deep.equal(['foxtrot']);
      expect(names(await q('arch=x86'))).to.deep.equal(['alpha']);
      expect(names(await q('arch=arm'))).to.deep.equal([]);
      expect(names(await q('member_status=all'))).to.deep.equal(['alpha', 'bravo', 'charlie', 'foxtrot']);
    });

    it('leaves hidden images out unless os_hidden=true', async () => {
      expect(names(await list(`?batch=${batch}&os_hidden=true`))).to.deep.equal(['golf']);
      expect(names(await list(`?batch=${batch}`))).to.not.include('golf');
      expect((await list(`?batch=${batch}&os_hidden=maybe`)).status).to.equal(400);
    });

    it('filters by creation time with Glance operators', async () => {
      const alpha = (await show(ids.alpha)).body;
      expect(names(await list(`?batch=${batch}&created_at=lt:${alpha.created_at}`))).to.deep.equal([]);
      expect(names(await list(`?batch=${batch}&created_at=gte:${alpha.created_at}&sort=name:asc`))).to.include('alpha');
      expect((await list('?created_at=gt:yesterday')).status).to.equal(400);
    });

    it('sorts by one or more keys in both syntaxes', async () => {
      expect(names(await list(`?batch=${batch}&sort_key=name&sort_dir=asc`))).to.deep.equal(['alpha', 'bravo', 'charlie', 'foxtrot']);
      expect(names(await list(`?batch=${batch}&sort=name:desc`))).to.deep.equal(['foxtrot', 'charlie', 'bravo', 'alpha']);
      expect(names(await list(`?batch=${batch}&sort=size:desc,name:asc`))).to.deep.equal(['foxtrot', 'alpha', 'bravo', 'charlie']);
      expect(names(await list(`?batch=${batch}&sort_key=status&sort_key=name&sort_dir=asc&sort_dir=desc`))).to.deep.equal(['foxtrot', 'alpha', 'charlie', 'bravo']);
    });

    it('pages with limit and next links until the last page, in a stable order', async () => {
      const seen: string[] = [];
      let url = `/v2/images?batch=${batch}&visibility=all&limit=2&sort_key=name&sort_dir=asc`;
      for (let pages = 0; pages < 10; pages++) {
        const res = await t.request.get(`/image${url}`).set(as(t.tokens.demo));
        expect(res.status).to.equal(200);
        expect(res.body.first).to.equal(`/v2/images?batch=${batch}&visibility=all&limit=2&sort_key=name&sort_dir=asc`);
        seen.push(...names(res));
        if (!res.body.next) break;
        expect(res.body.next).to.match(new RegExp(`marker=${res.body.images[1].id}$`));
        url = res.body.next;
      }
      expect(seen).to.deep.equal(['alpha', 'bravo', 'charlie', 'delta', 'foxtrot']);
    });

    it('pages over equal and null sort values, both ways, without losing or repeating images', async () => {
      async function walk(sort: string): Promise<string[]> {
        const seen: string[] = [];
        let url = `/v2/images?batch=${batch}&visibility=all&limit=1&sort=${sort}`;
        for (let pages = 0; pages < 10 && url; pages++) {
          const res = await t.request.get(`/image${url}`).set(as(t.tokens.demo));
          seen.push(...names(res));
          url = res.body.next;
        }
        return seen;
      }
      const everything = ['alpha', 'bravo', 'charlie', 'delta', 'foxtrot'];
      const up = await walk('size:asc');
      expect(up.slice(3)).to.deep.equal(['alpha', 'foxtrot']);
      expect([...up].sort()).to.deep.equal(everything);
      const down = await walk('size:desc');
      expect(down.slice(0, 2)).to.deep.equal(['foxtrot', 'alpha']);
      expect([...down].sort()).to.deep.equal(everything);
    });

    it('answers limit=0 with an empty page and caps the limit at 1000', async () => {
      const none = await list(`?batch=${batch}&limit=0`);
      expect(none.body.images).to.deep.equal([]);
      expect(none.body).to.not.have.property('next');
      expect((await list(`?batch=${batch}&limit=5000`)).status).to.equal(200);
    });

    it('answers bad paging and sorting parameters with 400', async () => {
      const alienMarker = ids.echo; // alt's private image: invisible to demo
      for (const query of [
        '?limit=abc', '?limit=-1', '?limit=1.5', `?marker=${randomUUID()}`, '?marker=junk', `?marker=${alienMarker}`,
        '?sort_key=owner', '?sort_dir=up', '?sort=name:up', '?sort=bogus', '?sort=name&sort_key=name',
        '?sort_key=name&sort_key=size&sort_dir=asc&sort_dir=desc&sort_dir=asc', '?member_status=maybe',
        '?name=like:foo', '?size_min=big', '?changes-since=2020-01-01', '?protected=1', '?min_ram=lots',
      ]) {
        const res = await list(query);
        expect(res.status, query).to.equal(400);
        expect(res.text, query).to.match(/^400 Bad Request/);
      }
    });
  });

  describe('update (JSON patch)', () => {
    it('replaces, adds and removes attributes and properties with the v2.1 dialect', async () => {
      const image = await create(t.tokens.demo, { color: 'red' });
      const res = await patch(image.id, [
        { op: 'replace', path: '/name', value: 'Fedora 17' },
        { op: 'replace', path: '/tags', value: ['fedora', 'beefy'] },
        { op: 'add', path: '/min_ram', value: 512 },
        { op: 'add', path: '/flavor', value: 'vanilla' },
        { op: 'add', path: '/color', value: 'blue' },
        { op: 'remove', path: '/flavor' },
        { op: 'replace', path: '/visibility', value: 'private' },
        { op: 'replace', path: '/container_format', value: 'docker' },
        { op: 'replace', path: '/os_hidden', value: true },
      ]);
      expect(res.status, res.text).to.equal(200);
      expect(res.body).to.include({ name: 'Fedora 17', min_ram: 512, color: 'blue', visibility: 'private', container_format: 'docker', os_hidden: true });
      expect(res.body.tags).to.have.members(['fedora', 'beefy']);
      expect(res.body).to.not.have.property('flavor');
      expect((await show(image.id)).body).to.include({ name: 'Fedora 17', color: 'blue' });
    });

    it('speaks the v2.0 dialect tempest uses, where add refuses an existing property', async () => {
      const image = await create(t.tokens.demo, { protected: true, color: 'red' });
      const res = await patch(image.id, [{ replace: '/protected', value: false }, { add: '/size_hint', value: 'big' }], t.tokens.demo, PATCH_V20);
      expect(res.status, res.text).to.equal(200);
      expect(res.body).to.include({ protected: false, size_hint: 'big' });
      expect((await patch(image.id, [{ add: '/color', value: 'blue' }], t.tokens.demo, PATCH_V20)).status).to.equal(409);
      expect((await patch(image.id, [{ op: 'add', path: '/color', value: 'blue' }])).status).to.equal(200);
    });

    it('answers other media types with 415 and Accept-Patch', async () => {
      const image = await create(t.tokens.demo);
      const res = await patch(image.id, [{ op: 'replace', path: '/name', value: 'x' }], t.tokens.demo, 'application/json');
      expect(res.status).to.equal(415);
      expect(res.headers['accept-patch']).to.equal(`${PATCH_V20}, ${PATCH_V21}`);
    });

    it('answers malformed patches with 400 and changes nothing', async () => {
      const image = await create(t.tokens.demo, { name: 'steady' });
      for (const body of [
        '{"op": "replace"}', '[1]', '[{"op": "move", "path": "/name", "value": "x"}]', '[{"path": "/name", "value": "x"}]',
        '[{"op": "replace", "value": "x"}]', '[{"op": "replace", "path": "/name"}]', '[{"op": "replace", "path": "name", "value": "x"}]',
        '[{"op": "replace", "path": "/tags/0", "value": "x"}]', '[{"op": "replace", "path": "/name/", "value": "x"}]',
        '[{"op": "replace", "path": "/", "value": "x"}]', '[{"op": "replace", "path": "/a~2b", "value": "x"}]',
        '[{"op": "replace", "path": "/min_ram", "value": "512"}]', '[{"op": "replace", "path": "/name", "value": 7}]',
        '[{"op": "add", "path": "/custom", "value": 1}]', '[{"op": "replace", "path": "/disk_format", "value": "floppy"}]',
        '[{"op": "replace", "path": "/name", "value": "ok"}, {"op": "replace", "path": "/protected", "value": "no"}]',
        '[{"op": "replace", "path": "/name", "value": "x"', '',
      ]) {
        const res = await t.request.patch(`${api}/images/${image.id}`).set(as(t.tokens.demo)).set('content-type', PATCH_V21).send(body);
        expect(res.status, body).to.equal(400);
      }
      expect((await show(image.id)).body.name).to.equal('steady');
    });

    it('refuses read-only, reserved and base attribute removal with 403, unknown properties with 409', async () => {
      const image = await create(t.tokens.demo);
      for (const op of [
        { op: 'replace', path: '/status', value: 'active' }, { op: 'replace', path: '/id', value: randomUUID() },
        { op: 'add', path: '/os_glance_foo', value: 'bar' }, { op: 'add', path: '/locations', value: [] },
        { op: 'remove', path: '/name' }, { op: 'replace', path: '/owner', value: t.projects.alt },
        { op: 'replace', path: '/visibility', value: 'public' },
      ]) {
        expect((await patch(image.id, [op])).status, JSON.stringify(op)).to.equal(403);
      }
      expect((await patch(image.id, [{ op: 'replace', path: '/nothing', value: 'x' }])).status).to.equal(409);
      expect((await patch(image.id, [{ op: 'remove', path: '/nothing' }])).status).to.equal(409);
      const admin = await patch(image.id, [{ op: 'replace', path: '/visibility', value: 'public' }, { op: 'replace', path: '/owner', value: t.projects.admin }], t.tokens.admin);
      expect(admin.status).to.equal(200);
      expect(admin.body).to.include({ visibility: 'public', owner: t.projects.admin });
    });

    it('fixes the formats once data has arrived', async () => {
      const image = await create(t.tokens.demo);
      await upload(image.id, Buffer.from('abc'));
      expect((await patch(image.id, [{ op: 'replace', path: '/disk_format', value: 'qcow2' }])).status).to.equal(403);
      expect((await patch(image.id, [{ op: 'replace', path: '/name', value: 'renamed' }])).status).to.equal(200);
    });

    it('enforces the tag and property quotas with 413', async () => {
      const image = await create(t.tokens.demo);
      const tags = Array.from({ length: 129 }, (_, i) => `t${i}`);
      expect((await patch(image.id, [{ op: 'replace', path: '/tags', value: tags }])).status).to.equal(413);
      const props = Array.from({ length: 129 }, (_, i) => ({ op: 'add', path: `/p${i}`, value: 'v' }));
      expect((await patch(image.id, props)).status).to.equal(413);
      expect((await show(image.id)).body.tags).to.deep.equal([]);
    });
  });

  describe('tags', () => {
    it('adds tags idempotently and removes them; 404 for a tag the image does not have', async () => {
      const image = await create(t.tokens.demo);
      expect((await t.request.put(`${api}/images/${image.id}/tags/blue%20sky`).set(as(t.tokens.demo))).status).to.equal(204);
      expect((await t.request.put(`${api}/images/${image.id}/tags/blue%20sky`).set(as(t.tokens.demo))).status).to.equal(204);
      expect((await show(image.id)).body.tags).to.deep.equal(['blue sky']);
      expect((await t.request.delete(`${api}/images/${image.id}/tags/blue%20sky`).set(as(t.tokens.demo))).status).to.equal(204);
      expect((await show(image.id)).body.tags).to.deep.equal([]);
      expect((await t.request.delete(`${api}/images/${image.id}/tags/blue%20sky`).set(as(t.tokens.demo))).status).to.equal(404);
      expect((await t.request.put(`${api}/images/${randomUUID()}/tags/x`).set(as(t.tokens.demo))).status).to.equal(404);
      expect((await t.request.put(`${api}/images/${image.id}/tags/${'x'.repeat(256)}`).set(as(t.tokens.demo))).status).to.equal(400);
    });
  });

  describe('delete', () => {
    it('refuses a protected image with 403, then deletes it with its file once unprotected', async () => {
      const image = await create(t.tokens.demo, { protected: true });
      await upload(image.id, Buffer.from('payload'));
      expect(fs.existsSync(t.services.images.dataPath(image.id))).to.equal(true);
      expect((await t.request.delete(`${api}/images/${image.id}`).set(as(t.tokens.demo))).status).to.equal(403);
      await patch(image.id, [{ op: 'replace', path: '/protected', value: false }]);
      expect((await t.request.delete(`${api}/images/${image.id}`).set(as(t.tokens.demo))).status).to.equal(204);
      expect((await show(image.id)).status).to.equal(404);
      expect(fs.existsSync(t.services.images.dataPath(image.id))).to.equal(false);
      expect((await t.request.delete(`${api}/images/${image.id}`).set(as(t.tokens.demo))).status).to.equal(404);
      expect(await t.db('image_tags').where('image_id', image.id)).to.deep.equal([]);
    });
  });

  describe('data upload and download', () => {
    let server: Listening;
    before(async () => { server = await listen(t); });
    after(async () => { await server.close(); });

    it('takes a chunked upload, activates the image with size and hashes, and serves the same bytes back', async () => {
      const image = await create(t.tokens.demo);
      const chunks = [randomBytes(70_000), randomBytes(1), randomBytes(65_536)];
      const data = Buffer.concat(chunks);
      const put = chunkedPut(server.port, `${api}/images/${image.id}/file`, t.tokens.demo);
      for (const chunk of chunks) await put.write(chunk);
      const res = await put.finish();
      expect(res.status, res.body).to.equal(204);
      const shown = (await show(image.id)).body;
      expect(shown).to.include({ status: 'active', size: data.length, checksum: md5(data), os_hash_algo: 'sha512', os_hash_value: sha512(data) });
      const download = await t.request.get(`${api}/images/${image.id}/file`).set(as(t.tokens.demo)).buffer(true)
        .parse((r, done) => { const parts: Buffer[] = []; r.on('data', (c: Buffer) => parts.push(c)); r.on('end', () => done(null, Buffer.concat(parts))); });
      expect(download.status).to.equal(200);
      expect(download.headers['content-type']).to.equal('application/octet-stream');
      expect(download.headers['content-length']).to.equal(String(data.length));
      expect(download.headers['content-md5']).to.equal(md5(data));
      expect(Buffer.compare(download.body, data)).to.equal(0);
    });

    it('gives the driver the stored data', async () => {
      const image = await create(t.tokens.demo);
      await upload(image.id, Buffer.from('tarball bytes'));
      const record = await t.services.images.getVisible(image.id, await t.services.identity.validate(t.tokens.demo));
      const parts: Buffer[] = [];
      for await (const chunk of t.services.images.driverImage(record).openData() as Readable) parts.push(chunk as Buffer);
      expect(Buffer.concat(parts).toString()).to.equal('tarball bytes');
    });

    it('answers 204 for an image without data, and 409 for a second upload', async () => {
      const image = await create(t.tokens.demo);
      const empty = await t.request.get(`${api}/images/${image.id}/file`).set(as(t.tokens.demo));
      expect(empty.status).to.equal(204);
      expect((await upload(image.id, Buffer.from('one'))).status).to.equal(204);
      const second = await upload(image.id, Buffer.from('two'));
      expect(second.status).to.equal(409);
      expect((await show(image.id)).body.checksum).to.equal(md5(Buffer.from('one')));
    });

    it('accepts an empty upload as a zero-byte image', async () => {
      const image = await create(t.tokens.demo);
      expect((await upload(image.id, Buffer.alloc(0))).status).to.equal(204);
      expect((await show(image.id)).body).to.include({ status: 'active', size: 0, checksum: md5(Buffer.alloc(0)) });
    });

    it('refuses other content types (415) and images without formats (400), leaving them queued', async () => {
      const image = await create(t.tokens.demo);
      const wrongType = await t.request.put(`${api}/images/${image.id}/file`).set(as(t.tokens.demo)).set('content-type', 'text/plain').send('abc');
      expect(wrongType.status).to.equal(415);
      const bare = await t.request.post(`${api}/images`).set(as(t.tokens.demo)).send({ name: 'no formats' });
      const res = await upload(bare.body.id, Buffer.from('abc'));
      expect(res.status).to.equal(400);
      expect(res.text).to.match(/container_format, disk_format must be set/);
      expect((await show(bare.body.id)).body.status).to.equal('queued');
      expect((await show(image.id)).body.status).to.equal('queued');
    });

    it('puts an image back to queued, without any file, when the client dies half-way', async () => {
      const image = await create(t.tokens.demo);
      const before = imageFiles();
      const put = chunkedPut(server.port, `${api}/images/${image.id}/file`, t.tokens.demo);
      await put.write(randomBytes(50_000));
      await waitFor(async () => imageFiles().some((f) => f.startsWith('.upload-')));
      expect((await show(image.id)).body.status).to.equal('saving');
      put.abort();
      await waitFor(async () => (await show(image.id)).body.status === 'queued');
      await waitFor(async () => imageFiles().length === before.length);
      expect(imageFiles()).to.deep.equal(before);
      expect((await upload(image.id, Buffer.from('retry'))).status).to.equal(204);
    });

    it('answers 410 and keeps no data when the image is deleted during its upload', async () => {
      const image = await create(t.tokens.demo);
      const before = imageFiles();
      const put = chunkedPut(server.port, `${api}/images/${image.id}/file`, t.tokens.demo);
      await put.write(randomBytes(10_000));
      await waitFor(async () => (await show(image.id)).body.status === 'saving');
      expect((await t.request.delete(`${api}/images/${image.id}`).set(as(t.tokens.demo))).status).to.equal(204);
      const res = await put.finish();
      expect(res.status).to.equal(410);
      expect(imageFiles()).to.deep.equal(before);
    });
  });

  describe('size cap', () => {
    let capped: TestApp;
    let server: Listening;
    before(async () => {
      capped = await makeTestApp({ config: { maxImageBytes: 1000 } });
      server = await listen(capped);
    });
    after(async () => {
      await server.close();
      await capped.close();
    });

    async function newImage(): Promise<string> {
      const res = await capped.request.post(`${api}/images`).set(as(capped.tokens.demo)).send({ name: 'c', container_format: 'bare', disk_format: 'raw' });
      return res.body.id;
    }
    const files = () => (fs.existsSync(capped.services.images.dir) ? fs.readdirSync(capped.services.images.dir) : []);
    const statusOf = async (id: string) => (await capped.request.get(`${api}/images/${id}`).set(as(capped.tokens.demo))).body.status;

    it('answers 413 to a chunked upload past maxImageBytes and leaves the image queued with no file', async () => {
      const id = await newImage();
      const put = chunkedPut(server.port, `${api}/images/${id}/file`, capped.tokens.demo);
      for (let i = 0; i < 4; i++) await put.write(randomBytes(500));
      const res = await put.finish();
      expect(res.status).to.equal(413);
      expect(res.body).to.match(/^413 Request Entity Too Large/);
      expect(await statusOf(id)).to.equal('queued');
      expect(files()).to.deep.equal([]);
    });

    it('answers 413 at once to a declared Content-Length past the cap, and takes exactly the cap', async () => {
      const id = await newImage();
      const res = await capped.request.put(`${api}/images/${id}/file`).set(as(capped.tokens.demo)).set('content-type', 'application/octet-stream').send(Buffer.alloc(1001));
      expect(res.status).to.equal(413);
      expect(await statusOf(id)).to.equal('queued');
      const ok = await capped.request.put(`${api}/images/${id}/file`).set(as(capped.tokens.demo)).set('content-type', 'application/octet-stream').send(Buffer.alloc(1000));
      expect(ok.status).to.equal(204);
      expect(await statusOf(id)).to.equal('active');
    });
  });

  describe('fixtures and recovery', () => {
    let dir: string;
    const tarA = randomBytes(3000);
    const tarB = randomBytes(10);
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'novashim-fixtures-'));
      fs.writeFileSync(path.join(dir, 'fixture-a.tar'), tarA);
      fs.writeFileSync(path.join(dir, 'fixture-b.tar'), tarB);
      fs.writeFileSync(path.join(dir, 'README.md'), 'not an image');
    });
    after(() => { fs.rmSync(dir, { recursive: true, force: true }); });

    const fixtureImages = async () => (await list('?name=in:fixture-a,fixture-b,README&sort=name:asc', t.tokens.demo)).body.images;

    it('registers each tarball once as a public docker image of the admin project, with its checksum', async () => {
      const first = await registerFixtureImages(t.services.images, t.projects.admin, silentLogger(), dir);
      expect(first.map((i) => i.name)).to.deep.equal(['fixture-a', 'fixture-b']);
      const again = await registerFixtureImages(t.services.images, t.projects.admin, silentLogger(), dir);
      expect(again).to.deep.equal([]);
      const images = await fixtureImages();
      expect(images.map((i: { name: string }) => i.name)).to.deep.equal(['fixture-a', 'fixture-b']);
      expect(images[0]).to.include({
        visibility: 'public', owner: t.projects.admin, container_format: 'docker', disk_format: 'raw', status: 'active',
        size: tarA.length, checksum: md5(tarA), os_hash_value: sha512(tarA),
      });
      expect(images[1].checksum).to.equal(md5(tarB));
    });

    it('reads NOVASHIM_FIXTURES_DIR and gives data to a fixture image left queued', async () => {
      const other = fs.mkdtempSync(path.join(os.tmpdir(), 'novashim-fixtures-'));
      fs.writeFileSync(path.join(other, 'fixture-c.tar'), tarB);
      const left = await t.services.images.register({ name: 'fixture-c', owner: t.projects.admin, visibility: 'public', containerFormat: 'docker', diskFormat: 'raw' });
      process.env.NOVASHIM_FIXTURES_DIR = other;
      try {
        const registered = await registerFixtureImages(t.services.images, t.projects.admin, silentLogger());
        expect(registered.map((i) => [i.id, i.status])).to.deep.equal([[left.id, 'active']]);
      } finally {
        delete process.env.NOVASHIM_FIXTURES_DIR;
        fs.rmSync(other, { recursive: true, force: true });
      }
      expect(await registerFixtureImages(t.services.images, t.projects.admin, silentLogger(), path.join(dir, 'missing'))).to.deep.equal([]);
    });

    it('puts uploads cut short by a crash back to queued and sweeps stray files at start', async () => {
      const image = await create(t.tokens.demo);
      await t.db('images').where('id', image.id).update({ status: 'saving' });
      fs.mkdirSync(t.services.images.dir, { recursive: true });
      fs.writeFileSync(path.join(t.services.images.dir, '.upload-deadbeef'), 'partial');
      fs.writeFileSync(t.services.images.dataPath(image.id), 'half');
      const orphan = randomUUID();
      fs.writeFileSync(t.services.images.dataPath(orphan), 'orphan');
      const kept = await create(t.tokens.demo);
      await upload(kept.id, Buffer.from('keep me'));
      const result = await t.services.images.recoverInterruptedUploads();
      expect(result.requeued).to.deep.equal([image.id]);
      expect(result.removedFiles).to.have.members(['.upload-deadbeef', orphan]);
      expect((await show(image.id)).body.status).to.equal('queued');
      expect(imageFiles().every((f) => !f.startsWith('.upload-'))).to.equal(true);
      expect(fs.readFileSync(t.services.images.dataPath(kept.id), 'utf8')).to.equal('keep me');
    });
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
