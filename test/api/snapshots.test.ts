import fs from 'node:fs';
import { expect } from 'chai';
import * as tar from 'tar-stream';
import { makeTestApp } from '../helpers/app';
import { insertImage } from '../helpers/images';
import { API as api, as, bootServer, expectFault, useComputeApp } from '../helpers/compute-app';
import { FakeDriver } from '../../src/drivers/fake/driver';
import { DriverCapabilities, DriverFlavor, DriverImage, DriverInstance, DriverState } from '../../src/drivers/driver';

/** A fake whose snapshots can be held (to see the states in between) or made to fail. */
class GatedSnapshotDriver extends FakeDriver {
  private gate: Promise<void> | null = null;
  failWith: Error | null = null;
  snapshots = 0;

  private release: () => void = () => undefined;

  /** holds every snapshot until the returned function (or releaseAll) is called */
  hold(): () => void {
    let release!: () => void;
    this.gate = new Promise((resolve) => { release = resolve; });
    this.release = () => { this.gate = null; release(); };
    return this.release;
  }

  releaseAll(): void {
    this.release();
  }

  override async snapshot(instance: DriverInstance): Promise<NodeJS.ReadableStream> {
    this.snapshots += 1;
    if (this.gate) await this.gate;
    if (this.failWith) throw this.failWith;
    return super.snapshot(instance);
  }

  override async spawn(instance: DriverInstance, image: DriverImage, flavor: DriverFlavor): Promise<DriverState> {
    if (instance.hostname === 'doomed') throw new Error('engine said no');
    return super.spawn(instance, image, flavor);
  }
}

class NoSnapshotDriver extends FakeDriver {
  override readonly capabilities: DriverCapabilities = Object.freeze({ ...new FakeDriver().capabilities, snapshot: false });
}

describe('compute API: createImage, createBackup and the /images proxy', () => {
  const driver = new GatedSnapshotDriver();
  // the image servers boot from (c.image) has min_ram 64, which a snapshot inherits
  const c = useComputeApp({ driver, image: { min_ram: 64, min_disk: 0 } });
  const { boot } = c;
  let demoUser: string;

  const act = (id: string, body: object, token = c.t.tokens.demo) => c.t.request.post(`${api}/servers/${id}/action`).set(as(token)).send(body);
  const server = async (id: string) => (await c.t.request.get(`${api}/servers/${id}`).set(as(c.t.tokens.demo))).body.server;
  const proxyImage = (id: string, token = c.t.tokens.demo) => c.t.request.get(`${api}/images/${id}`).set(as(token));
  const glanceImage = (id: string, token = c.t.tokens.demo) => c.t.request.get(`/image/v2/images/${id}`).set(as(token));
  const idOf = (location: string) => location.slice(location.lastIndexOf('/') + 1);

  async function snapshot(id: string, body: object = { name: 'snap' }): Promise<string> {
    const res = await act(id, { createImage: body });
    expect(res.status, res.text).to.equal(202);
    return idOf(res.headers.location);
  }

  before(async () => {
    await c.t.db('image_properties').insert([
      { image_id: c.image, name: 'os_distro', value: 'busybox' },
      { image_id: c.image, name: 'img_signature', value: 'sig' },
      { image_id: c.image, name: 'os_glance_importer', value: 'x' },
    ]);
    demoUser = (await c.t.services.identity.validate(c.t.tokens.demo)).userId;
  });
  // a failed assertion must not leave a snapshot held (the next idle() would wait for ever)
  afterEach(() => { driver.failWith = null; driver.releaseAll(); });

  describe('createImage', () => {
    it("answers 202 with an empty body and a Location; the image goes SAVING → ACTIVE with Nova's properties; the server walks Nova's task states back to none", async () => {
      const id = await boot();
      const release = driver.hold();
      const res = await act(id, { createImage: { name: 'snap one', metadata: { purpose: 'test' } } });
      expect(res.status, res.text).to.equal(202);
      expect(res.text).to.equal('');
      expect(res.headers.location).to.match(/^http:\/\/novashim\.test\/image\/v2\/images\/[0-9a-f-]{36}$/);
      const imageId = idOf(res.headers.location);
      await new Promise((r) => setTimeout(r, 20));

      const busy = await server(id);
      expect(busy.status).to.equal('ACTIVE');
      expect(busy['OS-EXT-STS:task_state']).to.equal('image_pending_upload');
      const saving = (await proxyImage(imageId)).body.image;
      expect(saving.status).to.equal('SAVING');
      expect(saving.progress).to.equal(25);
      expect(saving.name).to.equal('snap one');

      release();
      await c.t.services.tasks.idle();
      const done = await server(id);
      expect(done.status).to.equal('ACTIVE');
      expect(done['OS-EXT-STS:task_state']).to.equal(null);

      const image = (await proxyImage(imageId)).body.image;
      expect(image.status).to.equal('ACTIVE');
      expect(image.progress).to.equal(100);
      expect(image['OS-EXT-IMG-SIZE:size']).to.be.above(0);
      expect(image.minRam).to.equal(64);
      expect(image.minDisk).to.equal(1); // the flavor's root disk, as Nova's max(image, flavor)
      expect(image.metadata).to.deep.equal({
        os_distro: 'busybox', base_image_ref: c.image, instance_uuid: id, user_id: demoUser, image_type: 'snapshot', purpose: 'test',
      });
      expect(image.server.id).to.equal(id);
      expect(image.server.links[0].href).to.equal(`http://novashim.test/compute/v2.1/servers/${id}`);

      const glance = (await glanceImage(imageId)).body;
      expect(glance).to.include({ owner: c.t.projects.demo, visibility: 'private', container_format: 'docker', disk_format: 'raw', status: 'active' });
      expect(glance.checksum).to.match(/^[0-9a-f]{32}$/);
    });

    it('stores a docker save tarball that boots a new server', async () => {
      const id = await boot();
      const imageId = await snapshot(id);
      await c.t.services.tasks.idle();
      const names = await tarEntries(c.t.services.images.dataPath(imageId));
      expect(names).to.include('manifest.json');
      expect(names.some((n) => n.endsWith('/layer.tar'))).to.equal(true);
      const child = await bootServer(c.t, imageId, 'child');
      expect((await server(child)).status).to.equal('ACTIVE');
      expect(driver.peek(child)!.imageId).to.equal(imageId);
    });

    it('snapshots SHUTOFF, PAUSED and SUSPENDED servers and puts them back in that state', async () => {
      const id = await boot();
      for (const [action, status] of [['os-stop', 'SHUTOFF'], ['os-start', 'ACTIVE'], ['pause', 'PAUSED'], ['unpause', 'ACTIVE'], ['suspend', 'SUSPENDED']] as const) {
        expect((await act(id, { [action]: null })).status, action).to.equal(202);
        await c.t.services.tasks.idle();
        if (status === 'ACTIVE') continue;
        const imageId = await snapshot(id);
        await c.t.services.tasks.idle();
        const s = await server(id);
        expect(s.status, action).to.equal(status);
        expect(s['OS-EXT-STS:task_state']).to.equal(null);
        expect((await proxyImage(imageId)).body.image.status).to.equal('ACTIVE');
      }
    });

    it("answers 409 for a second snapshot while the first is under way, with Nova's message", async () => {
      const id = await boot();
      const release = driver.hold();
      const first = await snapshot(id);
      const before = (await c.t.request.get(`${api}/images`).set(as(c.t.tokens.demo))).body.images.length;
      const res = await act(id, { createImage: { name: 'again' } });
      expectFault(res, 409, 'conflictingRequest', new RegExp(`^Cannot 'createImage' instance ${id} while it is in task_state image_`));
      // the refused request left no image behind
      expect((await c.t.request.get(`${api}/images`).set(as(c.t.tokens.demo))).body.images.length).to.equal(before);
      release();
      await c.t.services.tasks.idle();
      expect((await proxyImage(first)).body.image.status).to.equal('ACTIVE');
    });

    it('answers 409 for a server in ERROR, and 404 for a server of another project or none', async () => {
      const broken = await boot('doomed');
      expect((await server(broken)).status).to.equal('ERROR');
      const res = await act(broken, { createImage: { name: 'x' } });
      expectFault(res, 409, 'conflictingRequest', `Cannot 'createImage' instance ${broken} while it is in vm_state error`);
      const id = await boot();
      const other = await act(id, { createImage: { name: 'x' } }, c.t.tokens.alt);
      expectFault(other, 404, 'itemNotFound', `Instance ${id} could not be found.`);
      expect((await act('a'.repeat(35), { createImage: { name: 'x' } })).status).to.equal(404);
      expect((await act(id, { createImage: { name: 'x' } }, c.t.tokens.reader)).status).to.equal(403);
    });

    it('answers 400 for a bad name or metadata and 403 past the metadata quota', async () => {
      const id = await boot();
      for (const body of [{}, { name: '' }, { name: 'a'.repeat(256) }, { name: ' lead' }, { name: 'x', metadata: { '': '' } },
        { name: 'x', metadata: { ['a'.repeat(256)]: 'b' } }, { name: 'x', metadata: { k: 'v'.repeat(256) } }, { name: 'x', extra: 1 }]) {
        expect((await act(id, { createImage: body })).status, JSON.stringify(body).slice(0, 60)).to.equal(400);
      }
      const many = Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`k${i}`, 'v']));
      const res = await act(id, { createImage: { name: 'x', metadata: many } });
      expectFault(res, 403, 'forbidden', 'Image metadata limit exceeded');
      expect(driver.snapshots).to.be.a('number');
      expect((await server(id))['OS-EXT-STS:task_state']).to.equal(null);
    });

    it('deletes the image and puts the server back when the driver fails', async () => {
      const id = await boot();
      driver.failWith = new Error('commit failed');
      const imageId = await snapshot(id);
      await c.t.services.tasks.idle();
      expect((await proxyImage(imageId)).status).to.equal(404);
      const s = await server(id);
      expect(s.status).to.equal('ACTIVE');
      expect(s['OS-EXT-STS:task_state']).to.equal(null);
    });

    it('lets the owner delete a SAVING image; the snapshot then ends quietly', async () => {
      const id = await boot();
      const release = driver.hold();
      const imageId = await snapshot(id);
      expect((await proxyImage(imageId)).body.image.status).to.equal('SAVING');
      expect((await c.t.request.delete(`${api}/images/${imageId}`).set(as(c.t.tokens.demo))).status).to.equal(204);
      release();
      await c.t.services.tasks.idle();
      expect((await proxyImage(imageId)).status).to.equal(404);
      expect(fs.existsSync(c.t.services.images.dataPath(imageId))).to.equal(false);
      const s = await server(id);
      expect(s.status).to.equal('ACTIVE');
      expect(s['OS-EXT-STS:task_state']).to.equal(null);
    });

    it('answers 501 when the driver cannot snapshot', async () => {
      const app = await makeTestApp({ driver: new NoSnapshotDriver() });
      try {
        const id = await bootServer(app, await insertImage(app.db, app.projects.admin));
        const res = await app.request.post(`${api}/servers/${id}/action`).set(as(app.tokens.demo)).send({ createImage: { name: 'x' } });
        expect(res.status).to.equal(501);
        expect((await app.request.get(`${api}/images`).set(as(app.tokens.demo))).body.images).to.have.length(1);
      } finally {
        await app.close();
      }
    });
  });

  describe('createBackup', () => {
    const backup = (id: string, name: string, rotation: number | string, backupType = 'daily') =>
      act(id, { createBackup: { name, backup_type: backupType, rotation } });

    async function backupsOf(id: string, type = 'daily'): Promise<string[]> {
      const res = await c.t.request.get(`${api}/images/detail?type=backup&server=${id}`).set(as(c.t.tokens.demo));
      return res.body.images.filter((i: { metadata: { backup_type: string } }) => i.metadata.backup_type === type)
        .map((i: { name: string }) => i.name).sort();
    }

    it('answers 202 with a Location on the compute API, tags the image as a backup, and rotates out the oldest beyond `rotation`', async () => {
      const id = await boot();
      const first = await backup(id, 'b1', 2);
      expect(first.status, first.text).to.equal(202);
      expect(first.headers.location).to.match(/^http:\/\/novashim\.test\/compute\/v2\.1\/images\/[0-9a-f-]{36}$/);
      await c.t.services.tasks.idle();
      const image = (await proxyImage(idOf(first.headers.location))).body.image;
      expect(image.metadata).to.include({ image_type: 'backup', backup_type: 'daily', instance_uuid: id });
      await sleep(5);
      expect((await backup(id, 'b2', '2')).status).to.equal(202);
      await c.t.services.tasks.idle();
      await sleep(5);
      expect((await backup(id, 'w1', 1, 'weekly')).status).to.equal(202);
      await c.t.services.tasks.idle();
      expect(await backupsOf(id)).to.deep.equal(['b1', 'b2']);
      await sleep(5);
      expect((await backup(id, 'b3', 2)).status).to.equal(202);
      await c.t.services.tasks.idle();
      expect(await backupsOf(id)).to.deep.equal(['b2', 'b3']);
      expect((await proxyImage(idOf(first.headers.location))).status).to.equal(404);
      expect(await backupsOf(id, 'weekly')).to.deep.equal(['w1']);
      expect((await server(id))['OS-EXT-STS:task_state']).to.equal(null);
    });

    it('with rotation 0 keeps no backup (not even the new one) and sends no Location; snapshots are never rotated', async () => {
      const id = await boot();
      const snap = await snapshot(id);
      await c.t.services.tasks.idle();
      expect((await backup(id, 'c1', 3)).status).to.equal(202);
      await c.t.services.tasks.idle();
      const res = await backup(id, 'c2', 0);
      expect(res.status).to.equal(202);
      expect(res.headers.location).to.equal(undefined);
      await c.t.services.tasks.idle();
      expect(await backupsOf(id)).to.deep.equal([]);
      expect((await proxyImage(snap)).body.image.status).to.equal('ACTIVE');
    });

    it("answers 400 for a bad body and 409 in the wrong state, with Nova's method name", async () => {
      const id = await boot();
      for (const body of [{ name: 'x', backup_type: 'daily' }, { name: 'x', rotation: 1 }, { name: 'x', backup_type: 'daily', rotation: -1 },
        { name: 'x', backup_type: 'daily', rotation: 'one' }, { name: 'x', backup_type: 'daily', rotation: 1, extra: true }]) {
        expect((await act(id, { createBackup: body })).status, JSON.stringify(body)).to.equal(400);
      }
      const broken = await boot('doomed');
      const res = await backup(broken, 'x', 1);
      expectFault(res, 409, 'conflictingRequest', `Cannot 'createBackup' instance ${broken} while it is in vm_state error`);
      expect((await backup(id, 'x', 1, 'daily')).status).to.equal(202);
      expect((await act(id, { createBackup: { name: 'y', backup_type: 'daily', rotation: 1 } }, c.t.tokens.alt)).status).to.equal(404);
      await c.t.services.tasks.idle();
    });
  });

  describe('/images proxy', () => {
    let snap: string;
    let snapServer: string;

    before(async () => {
      snapServer = await boot();
      snap = await snapshot(snapServer, { name: 'proxy-snap', metadata: { color: 'blue' } });
      await c.t.services.tasks.idle();
    });

    it('lists images (id, name, links with the alternate image service link) and details in Nova\'s shape', async () => {
      const list = await c.t.request.get(`${api}/images`).set(as(c.t.tokens.demo));
      expect(list.status).to.equal(200);
      const entry = list.body.images.find((i: { id: string }) => i.id === snap);
      expect(entry).to.have.all.keys('id', 'name', 'links');
      expect(entry.links.map((l: { rel: string }) => l.rel)).to.deep.equal(['self', 'bookmark', 'alternate']);
      expect(entry.links[2]).to.deep.equal({ rel: 'alternate', type: 'application/vnd.openstack.image', href: `http://novashim.test/image/v2/images/${snap}` });
      const detail = await c.t.request.get(`${api}/images/detail`).set(as(c.t.tokens.demo));
      const full = detail.body.images.find((i: { id: string }) => i.id === snap);
      expect(full).to.include({ status: 'ACTIVE', name: 'proxy-snap', progress: 100 });
      expect(full.created).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(detail.body.images.map((i: { id: string }) => i.id)).to.include(c.image);
      // another project sees the public image, not the private snapshot
      const alt = await c.t.request.get(`${api}/images`).set(as(c.t.tokens.alt));
      const ids = alt.body.images.map((i: { id: string }) => i.id);
      expect(ids).to.include(c.image);
      expect(ids).not.to.include(snap);
      expect((await proxyImage(snap, c.t.tokens.alt)).status).to.equal(404);
    });

    it('filters by name, status, server (id or URL), type, changes-since and property-*', async () => {
      const ids = async (query: string) => (await c.t.request.get(`${api}/images/detail?${query}`).set(as(c.t.tokens.demo))).body.images.map((i: { id: string }) => i.id);
      expect(await ids('name=proxy-snap')).to.deep.equal([snap]);
      expect(await ids('status=ACTIVE')).to.include(snap);
      expect(await ids('status=SAVING')).not.to.include(snap);
      expect(await ids(`server=${snapServer}`)).to.deep.equal([snap]);
      expect(await ids(`server=http://novashim.test/compute/v2.1/servers/${snapServer}`)).to.deep.equal([snap]);
      expect(await ids('type=snapshot')).to.include(snap);
      expect(await ids('type=snapshot')).not.to.include(c.image);
      expect(await ids('property-color=blue')).to.deep.equal([snap]);
      expect(await ids(`changes-since=${new Date(Date.now() + 60_000).toISOString()}`)).to.deep.equal([]);
      expect(await ids('changes-since=2000-01-01T00:00:00Z')).to.include(snap);
      expect((await c.t.request.get(`${api}/images?changes-since=yesterday`).set(as(c.t.tokens.demo))).status).to.equal(400);
      expect((await c.t.request.get(`${api}/images?status=bogus`).set(as(c.t.tokens.demo))).status).to.equal(400);
    });

    it('pages with limit and marker, with a next link when a page is full', async () => {
      const all = (await c.t.request.get(`${api}/images`).set(as(c.t.tokens.demo))).body.images.map((i: { id: string }) => i.id);
      expect(all.length).to.be.above(2);
      const page = await c.t.request.get(`${api}/images?limit=2`).set(as(c.t.tokens.demo));
      expect(page.body.images.map((i: { id: string }) => i.id)).to.deep.equal(all.slice(0, 2));
      expect(page.body.images_links[0].rel).to.equal('next');
      expect(page.body.images_links[0].href).to.include(`marker=${all[1]}`);
      const next = await c.t.request.get(`${api}/images?limit=2&marker=${all[1]}`).set(as(c.t.tokens.demo));
      expect(next.body.images.map((i: { id: string }) => i.id)).to.deep.equal(all.slice(2, 4));
      for (const bad of ['limit=-1', 'limit=abc', 'marker=nope']) {
        expect((await c.t.request.get(`${api}/images?${bad}`).set(as(c.t.tokens.demo))).status, bad).to.equal(400);
      }
    });

    it("answers 404 'Image not found.' for unknown images, and deletes only what the caller owns", async () => {
      for (const path of ['/images/nope', '/images/-1', '/images/nope/metadata', '/images/nope/metadata/k']) {
        const res = await c.t.request.get(`${api}${path}`).set(as(c.t.tokens.demo));
        expect(res.status, path).to.equal(404);
      }
      expect((await c.t.request.get(`${api}/images/nope`).set(as(c.t.tokens.demo))).body.itemNotFound.message).to.equal('Image not found.');
      expect((await c.t.request.delete(`${api}/images/nope`).set(as(c.t.tokens.demo))).status).to.equal(404);
      expect((await c.t.request.delete(`${api}/images/`).set(as(c.t.tokens.demo))).status, 'a blank id').to.equal(404);
      const forbidden = await c.t.request.delete(`${api}/images/${c.image}`).set(as(c.t.tokens.demo));
      expectFault(forbidden, 403, 'forbidden', 'You are not allowed to delete the image.');
      expect((await c.t.request.delete(`${api}/images/${snap}`).set(as(c.t.tokens.alt))).status).to.equal(404);
      const mine = await snapshot(snapServer, { name: 'to-delete' });
      await c.t.services.tasks.idle();
      const res = await c.t.request.delete(`${api}/images/${mine}`).set(as(c.t.tokens.demo));
      expect(res.status).to.equal(204);
      expect((await proxyImage(mine)).status).to.equal(404);
    });

    it('reads and writes image metadata (the image properties) as Nova does', async () => {
      const meta = `${api}/images/${snap}/metadata`;
      const got = await c.t.request.get(meta).set(as(c.t.tokens.demo));
      expect(got.status).to.equal(200);
      expect(got.body.metadata).to.include({ color: 'blue', image_type: 'snapshot' });

      const created = await c.t.request.post(meta).set(as(c.t.tokens.demo)).send({ metadata: { size_hint: 'small', color: 'red' } });
      expect(created.status).to.equal(200);
      expect(created.body.metadata).to.include({ size_hint: 'small', color: 'red', image_type: 'snapshot' });

      const item = await c.t.request.get(`${meta}/color`).set(as(c.t.tokens.demo));
      expect(item.body).to.deep.equal({ meta: { color: 'red' } });
      const put = await c.t.request.put(`${meta}/color`).set(as(c.t.tokens.demo)).send({ meta: { color: 'green' } });
      expect(put.status).to.equal(200);
      expect(put.body).to.deep.equal({ meta: { color: 'green' } });
      const mismatch = await c.t.request.put(`${meta}/color`).set(as(c.t.tokens.demo)).send({ meta: { shade: 'green' } });
      expectFault(mismatch, 400, 'badRequest', 'Request body and URI mismatch');
      expect((await c.t.request.put(`${meta}/color`).set(as(c.t.tokens.demo)).send({ meta: { color: 'a', shade: 'b' } })).status).to.equal(400);

      const del = await c.t.request.delete(`${meta}/size_hint`).set(as(c.t.tokens.demo));
      expect(del.status).to.equal(204);
      const missing = await c.t.request.delete(`${meta}/size_hint`).set(as(c.t.tokens.demo));
      expectFault(missing, 404, 'itemNotFound', 'Invalid metadata key');
      expect((await c.t.request.get(`${meta}/size_hint`).set(as(c.t.tokens.demo))).status).to.equal(404);

      const replaced = await c.t.request.put(meta).set(as(c.t.tokens.demo)).send({ metadata: { only: 'this' } });
      expect(replaced.status).to.equal(200);
      expect(replaced.body).to.deep.equal({ metadata: { only: 'this' } });
      expect((await c.t.request.get(meta).set(as(c.t.tokens.demo))).body.metadata).to.deep.equal({ only: 'this' });

      for (const body of [{ metadata: { '': 'x' } }, { metadata: 'x' }, { meta: {} }, {}]) {
        expect((await c.t.request.post(meta).set(as(c.t.tokens.demo)).send(body)).status, JSON.stringify(body)).to.equal(400);
      }
      const many = Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`k${i}`, 'v']));
      expect((await c.t.request.put(meta).set(as(c.t.tokens.demo)).send({ metadata: many })).status).to.equal(403);
      // not the caller's image: Glance refuses the change
      expect((await c.t.request.post(`${api}/images/${c.image}/metadata`).set(as(c.t.tokens.demo)).send({ metadata: { a: 'b' } })).status).to.equal(403);
      for (const [method, path, body] of [['post', '/images/nope/metadata', { metadata: { a: 'b' } }], ['put', '/images/nope/metadata', { metadata: {} }],
        ['put', '/images/nope/metadata/a', { meta: { a: 'b' } }], ['delete', '/images/nope/metadata/a', undefined]] as const) {
        const res = await c.t.request[method](`${api}${path}`).set(as(c.t.tokens.demo)).send(body);
        expect(res.status, `${method} ${path}`).to.equal(404);
      }
    });
  });
});

async function tarEntries(file: string): Promise<string[]> {
  const extract = tar.extract();
  fs.createReadStream(file).pipe(extract);
  const names: string[] = [];
  for await (const entry of extract) {
    names.push(entry.header.name);
    entry.resume();
  }
  return names;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
