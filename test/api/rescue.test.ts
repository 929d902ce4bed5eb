import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { makeTestApp } from '../helpers/app';
import { insertImage } from '../helpers/images';
import { API as api, as, bootServer, expectFault, serverState as state, useComputeApp } from '../helpers/compute-app';
import { FakeDriver } from '../../src/drivers/fake/driver';
import { DriverCapabilities, DriverFlavor, DriverImage, DriverInstance, DriverState } from '../../src/drivers/driver';

/** the fake, with a gate to hold rescue/unrescue midway and a way to make the next one fail */
class GatedDriver extends FakeDriver {
  gate: Promise<void> | null = null;
  failNext: 'rescue' | 'unrescue' | null = null;

  override async rescue(instance: DriverInstance, image: DriverImage, flavor: DriverFlavor, password: string): Promise<DriverState> {
    await this.hold('rescue');
    return super.rescue(instance, image, flavor, password);
  }

  override async unrescue(instance: DriverInstance): Promise<DriverState> {
    await this.hold('unrescue');
    return super.unrescue(instance);
  }

  private async hold(action: 'rescue' | 'unrescue'): Promise<void> {
    if (this.gate) await this.gate;
    if (this.failNext === action) {
      this.failNext = null;
      throw new Error(`engine refused to ${action}`);
    }
  }
}

class NoRescueDriver extends FakeDriver {
  override readonly capabilities: DriverCapabilities = Object.freeze({ ...new FakeDriver().capabilities, rescue: false });
}

describe('compute API: rescue/unrescue', () => {
  const driver = new GatedDriver();
  const c = useComputeApp({ driver });
  const { boot } = c;

  const act = (server: string, body: object, token = c.t.tokens.demo, app = c.t) =>
    app.request.post(`${api}/servers/${server}/action`).set(as(token)).send(body);

  async function show(server: string, token = c.t.tokens.demo) {
    const res = await c.t.request.get(`${api}/servers/${server}`).set(as(token));
    expect(res.status, res.text).to.equal(200);
    return res.body.server;
  }

  async function rescued(server: string, body: object = { rescue: null }) {
    const res = await act(server, body);
    expect(res.status, res.text).to.equal(200);
    await c.t.services.tasks.idle();
    return res;
  }

  async function expectConflict(server: string, body: object, message: string, token = c.t.tokens.demo): Promise<void> {
    const res = await act(server, body, token);
    expect(res.status, res.text).to.equal(409);
    expect(res.body).to.deep.equal({ conflictingRequest: { code: 409, message } });
  }

  afterEach(() => { driver.gate = null; driver.failNext = null; });

  it('rescue answers 200 with the given adminPass, RESCUE while rescued, unrescue 202 back to ACTIVE', async () => {
    const id = await boot();
    const res = await rescued(id, { rescue: { adminPass: 'Secret-1234' } });
    expect(res.body).to.deep.equal({ adminPass: 'Secret-1234' });
    expect(state(await show(id))).to.deep.equal(['RESCUE', 'rescued', null, 1]);
    expect(driver.peek(id)!.rescue).to.include({ imageId: c.image, password: 'Secret-1234' });
    expect(await (await c.t.request.get(`${api}/servers?status=RESCUE`).set(as(c.t.tokens.demo))).body.servers.map((s: { id: string }) => s.id)).to.include(id);

    const un = await act(id, { unrescue: null });
    expect(un.status, un.text).to.equal(202);
    expect(un.text).to.equal('');
    await c.t.services.tasks.idle();
    expect(state(await show(id))).to.deep.equal(['ACTIVE', 'active', null, 1]);
    expect(driver.peek(id)!.rescue).to.equal(null);
  });

  it('generates a password for {"rescue": null} and {"rescue": {}}, and shows rescuing/unrescuing as task_state', async () => {
    const id = await boot();
    let open!: () => void;
    driver.gate = new Promise((resolve) => { open = resolve; });
    const res = await act(id, { rescue: {} });
    expect(res.status, res.text).to.equal(200);
    expect(res.body.adminPass).to.be.a('string').with.length.greaterThan(7);
    expect(state(await show(id)).slice(0, 3)).to.deep.equal(['ACTIVE', 'active', 'rescuing']);
    open();
    await c.t.services.tasks.idle();
    expect(driver.peek(id)!.rescue!.password).to.equal(res.body.adminPass);

    driver.gate = new Promise((resolve) => { open = resolve; });
    expect((await act(id, { unrescue: {} })).status).to.equal(202);
    expect(state(await show(id)).slice(0, 3)).to.deep.equal(['RESCUE', 'rescued', 'unrescuing']);
    await expectConflict(id, { unrescue: null }, `Cannot 'unrescue' instance ${id} while it is in task_state unrescuing`);
    open();
    await c.t.services.tasks.idle();
    expect(state(await show(id))[0]).to.equal('ACTIVE');

    const other = await rescued(await boot());
    expect(other.body.adminPass).to.not.equal(res.body.adminPass);
  });

  it('rescues a SHUTOFF server (Nova allows ACTIVE, STOPPED, ERROR) and unrescue starts it: ACTIVE', async () => {
    const id = await boot();
    expect((await act(id, { 'os-stop': null })).status).to.equal(202);
    await c.t.services.tasks.idle();
    await rescued(id);
    expect(state(await show(id))).to.deep.equal(['RESCUE', 'rescued', null, 1]);
    expect((await act(id, { unrescue: null })).status).to.equal(202);
    await c.t.services.tasks.idle();
    expect(state(await show(id))).to.deep.equal(['ACTIVE', 'active', null, 1]);
  });

  it('uses rescue_image_ref when given; 400 (UnsupportedRescueImage) for an unknown, invisible or inactive image', async () => {
    const id = await boot();
    const other = await insertImage(c.t.db, c.t.projects.admin);
    const missing = randomUUID();
    const privateOfAlt = await insertImage(c.t.db, c.t.projects.alt, { visibility: 'private' });
    const queued = await insertImage(c.t.db, c.t.projects.admin, { status: 'queued' });
    for (const ref of [missing, privateOfAlt, queued]) {
      expectFault(await act(id, { rescue: { rescue_image_ref: ref } }), 400, 'badRequest', `Requested rescue image '${ref}' is not supported`);
    }
    expect(state(await show(id))).to.deep.equal(['ACTIVE', 'active', null, 1]);
    await rescued(id, { rescue: { rescue_image_ref: other } });
    expect(driver.peek(id)!.rescue!.imageId).to.equal(other);
  });

  it('400 for bodies Nova\'s schema refuses', async () => {
    const id = await boot();
    for (const body of [{ rescue: { foo: 1 } }, { rescue: { rescue_image_ref: 'not-a-uuid' } }, { rescue: { adminPass: 5 } },
      { rescue: 'x' }, { rescue: null, extra: 1 }]) {
      const res = await act(id, body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
    }
    expect(state(await show(id))[0]).to.equal('ACTIVE');
  });

  it("409 with Nova's messages: rescue of a rescued or paused server, unrescue of one not rescued, other actions while rescued", async () => {
    const id = await boot();
    await expectConflict(id, { unrescue: null }, `Cannot 'unrescue' instance ${id} while it is in vm_state active`);
    expect((await act(id, { pause: null })).status).to.equal(202);
    await c.t.services.tasks.idle();
    await expectConflict(id, { rescue: null }, `Cannot 'rescue' instance ${id} while it is in vm_state paused`);
    expect((await act(id, { unpause: null })).status).to.equal(202);
    await c.t.services.tasks.idle();

    await rescued(id);
    await expectConflict(id, { rescue: null }, `Cannot 'rescue' instance ${id} while it is in vm_state rescued`);
    await expectConflict(id, { reboot: { type: 'HARD' } }, `Cannot 'reboot' instance ${id} while it is in vm_state rescued`);
    await expectConflict(id, { 'os-stop': null }, `Cannot 'stop' instance ${id} while it is in vm_state rescued`);
    const rebuild = await act(id, { rebuild: { imageRef: c.image } });
    expect(rebuild.status, rebuild.text).to.equal(409);
    expect(state(await show(id))).to.deep.equal(['RESCUE', 'rescued', null, 1]);
  });

  it('404 for a server of another project or none; 403 for a reader', async () => {
    const id = await boot();
    for (const body of [{ rescue: null }, { unrescue: null }]) {
      expect((await act(id, body, c.t.tokens.alt)).status).to.equal(404);
      const missing = randomUUID();
      const res = await act(missing, body);
      expect(res.body).to.deep.equal({ itemNotFound: { code: 404, message: `Instance ${missing} could not be found.` } });
      const reader = await act(id, body, c.t.tokens.reader);
      expect(reader.status).to.equal(403);
    }
  });

  it('a locked server refuses a member (409, before the state check) but not an admin', async () => {
    const id = await boot();
    expect((await act(id, { lock: null })).status).to.equal(202);
    await expectConflict(id, { rescue: null }, `Instance ${id} is locked`);
    await expectConflict(id, { unrescue: null }, `Instance ${id} is locked`);
    expect((await act(id, { rescue: null }, c.t.tokens.admin)).status).to.equal(200);
    await c.t.services.tasks.idle();
    await expectConflict(id, { unrescue: null }, `Instance ${id} is locked`);
    expect((await act(id, { unrescue: null }, c.t.tokens.admin)).status).to.equal(202);
    await c.t.services.tasks.idle();
    expect(state(await show(id))[0]).to.equal('ACTIVE');
  });

  it('records rescue and unrescue instance actions', async () => {
    const id = await boot();
    await rescued(id);
    expect((await act(id, { unrescue: null })).status).to.equal(202);
    await c.t.services.tasks.idle();
    const res = await c.t.request.get(`${api}/servers/${id}/os-instance-actions`).set(as(c.t.tokens.demo));
    expect(res.body.instanceActions.map((a: { action: string }) => a.action)).to.include.members(['rescue', 'unrescue']);
  });

  it('a failed rescue leaves the server as it was (ACTIVE), with a fault', async () => {
    const id = await boot();
    driver.failNext = 'rescue';
    expect((await act(id, { rescue: null })).status).to.equal(200);
    await c.t.services.tasks.idle();
    const server = await show(id);
    expect(state(server)).to.deep.equal(['ACTIVE', 'active', null, 1]);
    expect(driver.peek(id)!.rescue ?? null).to.equal(null);
    const row = await c.t.services.instances.find(id);
    expect(row.fault?.message).to.match(/engine refused to rescue/);
  });

  it('delete of a rescued server removes it', async () => {
    const id = await boot();
    await rescued(id);
    expect((await c.t.request.delete(`${api}/servers/${id}`).set(as(c.t.tokens.demo))).status).to.equal(204);
    await c.t.services.tasks.idle();
    expect((await c.t.request.get(`${api}/servers/${id}`).set(as(c.t.tokens.demo))).status).to.equal(404);
    expect(driver.peek(id)).to.equal(undefined);
  });

  it('501 when the driver cannot rescue (a state that never allows rescue is still 409)', async () => {
    const app = await makeTestApp({ driver: new NoRescueDriver() });
    try {
      const id = await bootServer(app, await insertImage(app.db, app.projects.admin));
      const res = await act(id, { rescue: null }, app.tokens.demo, app);
      expect(res.status, res.text).to.equal(501);
      const un = await act(id, { unrescue: null }, app.tokens.demo, app);
      expect(un.status, un.text).to.equal(409);
    } finally {
      await app.close();
    }
  });
});
