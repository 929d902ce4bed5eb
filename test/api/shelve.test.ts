import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { TestApp } from '../helpers/app';
import { API as api, as, serverState, useComputeApp } from '../helpers/compute-app';
import { FakeDriver } from '../../src/drivers/fake/driver';
import { DriverInstance, PowerState } from '../../src/drivers/driver';
import { TaskState, VmState } from '../../src/compute/states';

/** The fake, with a gate that holds the snapshot (to see the task_state) and a way to make the next snapshot or spawn fail. */
class GatedDriver extends FakeDriver {
  gate: Promise<void> | null = null;
  failNext: 'snapshot' | 'spawn' | null = null;
  spawns = 0;

  override async snapshot(instance: DriverInstance): Promise<NodeJS.ReadableStream> {
    if (this.gate) await this.gate;
    if (this.failNext === 'snapshot') {
      this.failNext = null;
      throw new Error('engine refused to commit');
    }
    return super.snapshot(instance);
  }

  override async spawn(...args: Parameters<FakeDriver['spawn']>) {
    this.spawns++;
    if (this.failNext === 'spawn') {
      this.failNext = null;
      throw new Error('engine refused to create');
    }
    return super.spawn(...args);
  }
}

describe('compute API: shelve, shelveOffload, unshelve', () => {
  /** one app per offload time: 0 (Nova's default), -1 (never), 1 second */
  function suite(offloadTime: number) {
    const driver = new GatedDriver();
    const app = useComputeApp({ driver, config: { shelvedOffloadTimeSec: offloadTime } });
    afterEach(() => { driver.gate = null; driver.failNext = null; });
    return { driver, app, get t(): TestApp { return app.t; }, get image(): string { return app.image; } };
  }

  function helpers(ctx: ReturnType<typeof suite>) {
    const act = (server: string, body: object, token = ctx.t.tokens.demo) =>
      ctx.t.request.post(`${api}/servers/${server}/action`).set(as(token)).send(body);
    const boot = (name = 'vm', extra: object = {}) => ctx.app.boot({ name, metadata: { role: 'db' }, ...extra });
    async function show(server: string, token = ctx.t.tokens.admin) {
      const res = await ctx.t.request.get(`${api}/servers/${server}`).set(as(token));
      expect(res.status, res.text).to.equal(200);
      return res.body.server;
    }
    async function settled(server: string, body: object, token = ctx.t.tokens.demo) {
      const res = await act(server, body, token);
      expect(res.status, `${JSON.stringify(body)}: ${res.text}`).to.equal(202);
      expect(res.text).to.equal('');
      await ctx.t.services.tasks.idle();
      return show(server);
    }
    async function shelveImages(name: string, token = ctx.t.tokens.demo) {
      const res = await ctx.t.request.get(`/image/v2/images?name=${encodeURIComponent(`${name}-shelved`)}`).set(as(token));
      expect(res.status, res.text).to.equal(200);
      return res.body.images as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
    }
    async function expectConflict(server: string, body: object, message: string, token = ctx.t.tokens.demo) {
      const res = await act(server, body, token);
      expect(res.status, res.text).to.equal(409);
      expect(res.body).to.deep.equal({ conflictingRequest: { code: 409, message } });
    }
    return { act, boot, show, settled, state: serverState, shelveImages, expectConflict };
  }

  describe('with shelved_offload_time 0 (offloaded at once)', () => {
    const ctx = suite(0);
    const h = helpers(ctx);

    it('shelve: ACTIVE → SHELVED_OFFLOADED, the container removed, no host, a `<name>-shelved` snapshot image in the project', async () => {
      const id = await h.boot('keeper');
      const before = await h.show(id);
      expect(ctx.driver.peek(id)).to.not.equal(undefined);
      const shelved = await h.settled(id, { shelve: null });
      expect(h.state(shelved)).to.deep.equal(['SHELVED_OFFLOADED', 'shelved_offloaded', null, PowerState.SHUTDOWN]);
      expect(shelved['OS-EXT-SRV-ATTR:host']).to.equal(null);
      expect(shelved['OS-EXT-SRV-ATTR:hypervisor_hostname']).to.equal(null);
      expect(shelved.hostId).to.equal('');
      expect(shelved.addresses).to.deep.equal({});
      expect(shelved.image.id, 'the server keeps its image').to.equal(ctx.image);
      expect(ctx.driver.peek(id), 'the container is gone').to.equal(undefined);

      const images = await h.shelveImages('keeper');
      expect(images).to.have.length(1);
      const snap = images[0];
      expect(snap).to.include({ name: 'keeper-shelved', status: 'active', owner: ctx.t.projects.demo, visibility: 'private', container_format: 'docker' });
      expect(snap).to.include({ image_type: 'snapshot', instance_uuid: id, base_image_ref: ctx.image });
      expect((await ctx.t.services.instances.find(id)).shelved).to.include({ imageId: snap.id, host: before['OS-EXT-SRV-ATTR:host'] });

      const actions = await ctx.t.request.get(`${api}/servers/${id}/os-instance-actions`).set(as(ctx.t.tokens.demo));
      expect(actions.body.instanceActions.map((a: { action: string }) => a.action)).to.include('shelve');

      // unshelve: a new container from the snapshot, same id, name, hostname, metadata
      const spawnsBefore = ctx.driver.spawns;
      const back = await h.settled(id, { unshelve: null });
      expect(h.state(back)).to.deep.equal(['ACTIVE', 'active', null, PowerState.RUNNING]);
      expect(ctx.driver.spawns).to.equal(spawnsBefore + 1);
      const fake = ctx.driver.peek(id)!;
      expect(fake.imageId, 'spawned from the shelve snapshot').to.equal(snap.id);
      expect(fake.hostname).to.equal('keeper');
      expect(fake.metadata).to.deep.equal({ role: 'db' });
      expect(back['OS-EXT-SRV-ATTR:host']).to.equal(before['OS-EXT-SRV-ATTR:host']);
      expect(back.name).to.equal('keeper');
      expect(back.metadata).to.deep.equal({ role: 'db' });
      expect(back.image.id, 'the server still shows its own image').to.equal(ctx.image);
      expect(back.addresses.private).to.have.length(1);
      expect(back.addresses.private[0].addr, 'the fixed IP is kept, as Nova keeps the port').to.equal(before.addresses.private[0].addr);
      expect(await h.shelveImages('keeper'), 'the snapshot is deleted after the unshelve').to.deep.equal([]);
      expect((await ctx.t.request.get(`/image/v2/images/${snap.id}`).set(as(ctx.t.tokens.admin))).status).to.equal(404);
      expect((await ctx.t.services.instances.find(id)).shelved).to.equal(null);
    });

    it('shelves a stopped, a paused and a suspended server', async () => {
      for (const [name, prep, from] of [['off', 'os-stop', 'SHUTOFF'], ['frozen', 'pause', 'PAUSED'], ['asleep', 'suspend', 'SUSPENDED']] as const) {
        const id = await h.boot(name);
        expect((await h.settled(id, { [prep]: null })).status).to.equal(from);
        expect(h.state(await h.settled(id, { shelve: {} }))[0], name).to.equal('SHELVED_OFFLOADED');
        expect(ctx.driver.peek(id)).to.equal(undefined);
        expect(h.state(await h.settled(id, { unshelve: null }))[0], name).to.equal('ACTIVE');
      }
    });

    it('walks Nova\'s task states: shelving_image_pending_upload while the snapshot is taken', async () => {
      const id = await h.boot('slow');
      let release!: () => void;
      ctx.driver.gate = new Promise((resolve) => { release = resolve; });
      expect((await h.act(id, { shelve: null })).status).to.equal(202);
      // the container is powered off before the snapshot
      for (let i = 0; i < 50 && (await h.show(id))['OS-EXT-STS:task_state'] === 'shelving'; i++) await new Promise((r) => setTimeout(r, 5));
      const during = await h.show(id);
      expect(h.state(during)).to.deep.equal(['ACTIVE', 'active', 'shelving_image_pending_upload', PowerState.RUNNING]);
      expect(ctx.driver.peek(id)!.powerState).to.equal(PowerState.SHUTDOWN);
      await h.expectConflict(id, { shelve: null }, `Cannot 'shelve' instance ${id} while it is in task_state shelving_image_pending_upload`);
      await h.expectConflict(id, { unshelve: null }, `Cannot 'unshelve' instance ${id} while it is in vm_state active`);
      const queued = await h.shelveImages('slow');
      expect(queued.map((i) => i.status)).to.deep.equal(['queued']);
      release();
      await ctx.t.services.tasks.idle();
      expect(h.state(await h.show(id))[0]).to.equal('SHELVED_OFFLOADED');
    });

    it("answers Nova's 409 for the wrong states, 404 for servers the caller cannot see, 403 for shelveOffload by a non-admin", async () => {
      const id = await h.boot('states');
      await h.expectConflict(id, { unshelve: null }, `Cannot 'unshelve' instance ${id} while it is in vm_state active`);
      await h.expectConflict(id, { shelveOffload: null }, `Cannot 'shelveOffload' instance ${id} while it is in vm_state active`, ctx.t.tokens.admin);
      expect((await h.act(id, { shelveOffload: null })).status).to.equal(403);
      expect((await h.act(id, { shelveOffload: null })).body.forbidden.message)
        .to.equal("Policy doesn't allow os_compute_api:os-shelve:shelve_offload to be performed.");
      for (const body of [{ shelve: null }, { unshelve: null }, { shelveOffload: null }]) {
        expect((await h.act(id, body, ctx.t.tokens.alt)).status, JSON.stringify(body)).to.equal(404);
        expect((await h.act(randomUUID(), body, ctx.t.tokens.admin)).status, JSON.stringify(body)).to.equal(404);
        expect((await h.act(id, body, ctx.t.tokens.reader)).status, JSON.stringify(body)).to.equal(403);
      }
      expect((await h.act(id, { shelve: null, extra: 1 })).status).to.equal(400);
      await h.settled(id, { shelve: null });
      await h.expectConflict(id, { shelve: null }, `Cannot 'shelve' instance ${id} while it is in vm_state shelved_offloaded`);
      await h.expectConflict(id, { shelveOffload: null }, `Cannot 'shelveOffload' instance ${id} while it is in vm_state shelved_offloaded`, ctx.t.tokens.admin);
      for (const other of [{ 'os-start': null }, { 'os-stop': null }, { pause: null }, { createImage: { name: 'x' } }]) {
        expect((await h.act(id, other)).status, JSON.stringify(other)).to.equal(409);
      }
      expect(await h.shelveImages('states'), 'refused requests make no image').to.have.length(1);
    });

    it('honours the lock: a locked server cannot be shelved or unshelved by its owner (409), an admin may', async () => {
      const id = await h.boot('locked');
      expect((await h.act(id, { lock: null })).status).to.equal(202);
      await h.expectConflict(id, { shelve: null }, `Instance ${id} is locked`);
      expect(await h.shelveImages('locked')).to.deep.equal([]);
      expect(h.state(await h.settled(id, { shelve: null }, ctx.t.tokens.admin))[0]).to.equal('SHELVED_OFFLOADED');
      await h.expectConflict(id, { unshelve: null }, `Instance ${id} is locked`);
      expect(h.state(await h.settled(id, { unshelve: null }, ctx.t.tokens.admin))[0]).to.equal('ACTIVE');
    });

    it('a failed snapshot leaves the server in its state with no task and no image', async () => {
      const id = await h.boot('broken');
      ctx.driver.failNext = 'snapshot';
      const after = await h.settled(id, { shelve: null });
      expect(after['OS-EXT-STS:vm_state']).to.equal('active');
      expect(after['OS-EXT-STS:task_state']).to.equal(null);
      expect(await h.shelveImages('broken')).to.deep.equal([]);
      expect(ctx.driver.peek(id), 'the container is kept').to.not.equal(undefined);
    });

    it('a failed spawn at unshelve leaves the server offloaded without a host; a later unshelve works', async () => {
      const id = await h.boot('respawn');
      await h.settled(id, { shelve: null });
      ctx.driver.failNext = 'spawn';
      const failed = await h.settled(id, { unshelve: null });
      expect(h.state(failed).slice(0, 3)).to.deep.equal(['SHELVED_OFFLOADED', 'shelved_offloaded', null]);
      expect(failed['OS-EXT-SRV-ATTR:host']).to.equal(null);
      expect(await h.shelveImages('respawn'), 'the snapshot is kept for the next try').to.have.length(1);
      expect(h.state(await h.settled(id, { unshelve: null }))[0]).to.equal('ACTIVE');
      expect(await h.shelveImages('respawn')).to.deep.equal([]);
    });

    it('unshelve of an offloaded server whose snapshot was deleted: ERROR with a fault', async () => {
      const id = await h.boot('lost');
      await h.settled(id, { shelve: null });
      const [snap] = await h.shelveImages('lost');
      expect((await ctx.t.request.delete(`/image/v2/images/${snap.id}`).set(as(ctx.t.tokens.demo))).status).to.equal(204);
      const after = await h.settled(id, { unshelve: null });
      expect(h.state(after).slice(0, 3)).to.deep.equal(['ERROR', 'error', null]);
      expect(after.fault.message).to.equal(`Unshelve attempted but the image ${snap.id} cannot be found.`);
    });

    it('deletes a shelved-offloaded server (no container to remove) and its shelve snapshot', async () => {
      const id = await h.boot('gone');
      await h.settled(id, { shelve: null });
      expect(await h.shelveImages('gone')).to.have.length(1);
      expect((await ctx.t.request.delete(`${api}/servers/${id}`).set(as(ctx.t.tokens.demo))).status).to.equal(204);
      await ctx.t.services.tasks.idle();
      expect((await ctx.t.request.get(`${api}/servers/${id}`).set(as(ctx.t.tokens.demo))).status).to.equal(404);
      expect(await h.shelveImages('gone')).to.deep.equal([]);
    });

    it('lists servers by status SHELVED_OFFLOADED', async () => {
      const id = await h.boot('listed');
      await h.settled(id, { shelve: null });
      const res = await ctx.t.request.get(`${api}/servers?status=SHELVED_OFFLOADED`).set(as(ctx.t.tokens.demo));
      expect(res.status).to.equal(200);
      expect(res.body.servers.map((s: { id: string }) => s.id)).to.include(id);
      const active = await ctx.t.request.get(`${api}/servers?status=ACTIVE`).set(as(ctx.t.tokens.demo));
      expect(active.body.servers.map((s: { id: string }) => s.id)).to.not.include(id);
    });

    it('after a restart, an interrupted unshelve of an offloaded server goes back to SHELVED_OFFLOADED (not ERROR)', async () => {
      const id = await h.boot('restart');
      await h.settled(id, { shelve: null });
      await ctx.t.services.instances.update(id, { taskState: TaskState.UNSHELVING });
      const other = await h.boot('restart-2');
      await h.settled(other, { shelve: null });
      // the old process had scheduled a host and was spawning
      await ctx.t.services.instances.update(other, { taskState: TaskState.SPAWNING, host: ctx.t.config.computeHost, node: ctx.t.config.computeHost });
      await ctx.t.services.compute.recoverInterrupted();
      await ctx.t.services.tasks.idle();
      for (const server of [id, other]) {
        const s = await h.show(server);
        expect(h.state(s).slice(0, 3), server).to.deep.equal(['SHELVED_OFFLOADED', 'shelved_offloaded', null]);
        expect(s['OS-EXT-SRV-ATTR:host']).to.equal(null);
      }
      expect(h.state(await h.settled(id, { unshelve: null }))[0]).to.equal('ACTIVE');
    });
  });

  describe('with shelved_offload_time -1 (never offloaded automatically)', () => {
    const ctx = suite(-1);
    const h = helpers(ctx);

    it('shelve: SHELVED with the container stopped; shelveOffload (admin): SHELVED_OFFLOADED; unshelve: ACTIVE from the snapshot', async () => {
      const id = await h.boot('kept');
      const shelved = await h.settled(id, { shelve: null });
      expect(h.state(shelved)).to.deep.equal(['SHELVED', 'shelved', null, PowerState.SHUTDOWN]);
      expect(shelved['OS-EXT-SRV-ATTR:host']).to.equal(ctx.t.config.computeHost);
      expect(ctx.driver.peek(id)!.powerState, 'the container is kept, stopped').to.equal(PowerState.SHUTDOWN);
      const [snap] = await h.shelveImages('kept');
      expect(snap.status).to.equal('active');
      await h.expectConflict(id, { shelve: null }, `Cannot 'shelve' instance ${id} while it is in vm_state shelved`);

      const offloaded = await h.settled(id, { shelveOffload: null }, ctx.t.tokens.admin);
      expect(h.state(offloaded)).to.deep.equal(['SHELVED_OFFLOADED', 'shelved_offloaded', null, PowerState.SHUTDOWN]);
      expect(offloaded['OS-EXT-SRV-ATTR:host']).to.equal(null);
      expect(ctx.driver.peek(id)).to.equal(undefined);
      const actions = await ctx.t.request.get(`${api}/servers/${id}/os-instance-actions`).set(as(ctx.t.tokens.admin));
      expect(actions.body.instanceActions.map((a: { action: string }) => a.action)).to.include('shelveOffload');

      expect(h.state(await h.settled(id, { unshelve: null }))[0]).to.equal('ACTIVE');
      expect(ctx.driver.peek(id)!.imageId).to.equal(snap.id);
      expect(await h.shelveImages('kept')).to.deep.equal([]);
    });

    it('unshelve from SHELVED starts the same container again and deletes the snapshot', async () => {
      const id = await h.boot('restart-in-place');
      await h.settled(id, { shelve: null });
      const spawnsBefore = ctx.driver.spawns;
      const [snap] = await h.shelveImages('restart-in-place');
      const back = await h.settled(id, { unshelve: null });
      expect(h.state(back)).to.deep.equal(['ACTIVE', 'active', null, PowerState.RUNNING]);
      expect(ctx.driver.spawns, 'no new container').to.equal(spawnsBefore);
      expect(ctx.driver.peek(id)!.imageId).to.equal(ctx.image);
      expect(await h.shelveImages('restart-in-place')).to.deep.equal([]);
      expect((await ctx.t.request.get(`/image/v2/images/${snap.id}`).set(as(ctx.t.tokens.admin))).status).to.equal(404);
    });

    it('deletes a SHELVED server with its container and its snapshot', async () => {
      const id = await h.boot('del-shelved');
      await h.settled(id, { shelve: null });
      expect((await ctx.t.request.delete(`${api}/servers/${id}`).set(as(ctx.t.tokens.demo))).status).to.equal(204);
      await ctx.t.services.tasks.idle();
      expect(ctx.driver.peek(id)).to.equal(undefined);
      expect(await h.shelveImages('del-shelved')).to.deep.equal([]);
    });

    it('after a restart, an interrupted offload is finished', async () => {
      const id = await h.boot('half-offloaded');
      await h.settled(id, { shelve: null });
      await ctx.t.services.instances.update(id, { taskState: TaskState.SHELVING_OFFLOADING });
      await ctx.t.services.compute.recoverInterrupted();
      await ctx.t.services.tasks.idle();
      expect(h.state(await h.show(id)).slice(0, 3)).to.deep.equal(['SHELVED_OFFLOADED', 'shelved_offloaded', null]);
      expect(ctx.driver.peek(id)).to.equal(undefined);
      expect((await ctx.t.services.instances.find(id)).vmState).to.equal(VmState.SHELVED_OFFLOADED);
    });
  });

  describe('with shelved_offload_time 1', () => {
    const ctx = suite(1);
    const h = helpers(ctx);

    it('offloads a shelved server once it has been shelved that long', async () => {
      const id = await h.boot('later');
      expect(h.state(await h.settled(id, { shelve: null }))[0]).to.equal('SHELVED');
      await new Promise((r) => setTimeout(r, 1300));
      await ctx.t.services.tasks.idle();
      expect(h.state(await h.show(id)).slice(0, 3)).to.deep.equal(['SHELVED_OFFLOADED', 'shelved_offloaded', null]);
      expect(ctx.driver.peek(id)).to.equal(undefined);
    });
  });
});
