import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { makeTestApp, TestApp } from '../helpers/app';
import { insertImage } from '../helpers/images';
import { bootServer, expectFault, useComputeApp } from '../helpers/compute-app';
import { FakeDriver } from '../../src/drivers/fake/driver';
import { DriverCapabilities, DriverFlavor, DriverInstance, PowerState } from '../../src/drivers/driver';

/** A fake whose resizes can be held (to see RESIZE and REVERT_RESIZE) or made to fail. */
class HeldResizeDriver extends FakeDriver {
  private gate: Promise<void> | null = null;
  private open: () => void = () => undefined;
  failNext = false;

  hold(): void {
    this.gate = new Promise((resolve) => { this.open = resolve; });
  }

  release(): void {
    this.gate = null;
    this.open();
  }

  override async resize(instance: DriverInstance, flavor: DriverFlavor): Promise<void> {
    if (this.gate) await this.gate;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('engine refused the new limits');
    }
    return super.resize(instance, flavor);
  }
}

class NoResizeDriver extends FakeDriver {
  override readonly capabilities: DriverCapabilities = Object.freeze({ ...new FakeDriver().capabilities, resize: false });
}

describe('compute API: resize, confirmResize, revertResize', () => {
  const api = '/compute/v2.1';
  const as = (token: string) => ({ 'x-auth-token': token });
  const driver = new HeldResizeDriver();
  const c = useComputeApp({ driver });
  const { boot } = c;
  afterEach(() => driver.release()); // a failed test must not leave resizes held

  const show = async (id: string, token = c.t.tokens.demo) => (await c.t.request.get(`${api}/servers/${id}`).set(as(token))).body.server;
  const act = (id: string, body: unknown, token = c.t.tokens.demo, app = c.t) =>
    app.request.post(`${api}/servers/${id}/action`).set(as(token)).send(body as object);
  const resize = (id: string, flavorRef: unknown = '2', token = c.t.tokens.demo) => act(id, { resize: { flavorRef } }, token);

  async function resized(id: string, flavorRef = '2'): Promise<void> {
    const res = await resize(id, flavorRef);
    expect(res.status, res.text).to.equal(202);
    await c.t.services.tasks.idle();
    expect((await show(id)).status).to.equal('VERIFY_RESIZE');
  }

  async function stop(id: string): Promise<void> {
    expect((await act(id, { 'os-stop': null })).status).to.equal(202);
    await c.t.services.tasks.idle();
    expect((await show(id)).status).to.equal('SHUTOFF');
  }

  it('goes RESIZE → VERIFY_RESIZE showing the new flavor; confirmResize answers 204 and ends ACTIVE with it', async () => {
    const id = await boot();
    driver.hold();
    const res = await resize(id);
    expect(res.status, res.text).to.equal(202);
    expect(res.text).to.equal('');
    const during = await show(id);
    expect(during.status).to.equal('RESIZE');
    expect(['resize_prep', 'resize_migrating']).to.include(during['OS-EXT-STS:task_state']);
    expect(during.flavor.id).to.equal('1');
    driver.release();
    await c.t.services.tasks.idle();

    const verify = await show(id);
    expect(verify).to.include({ status: 'VERIFY_RESIZE', 'OS-EXT-STS:vm_state': 'resized', 'OS-EXT-STS:task_state': null, 'OS-EXT-STS:power_state': 1 });
    expect(verify.flavor.id).to.equal('2');
    expect(driver.peek(id)!.flavor.memoryMb, 'the driver applied the new flavor').to.equal(2048);
    expect((await c.t.services.instances.find(id)).oldFlavor?.id).to.equal('1');

    const confirm = await act(id, { confirmResize: null });
    expect(confirm.status, confirm.text).to.equal(204);
    await c.t.services.tasks.idle();
    const done = await show(id);
    expect(done).to.include({ status: 'ACTIVE', 'OS-EXT-STS:vm_state': 'active', 'OS-EXT-STS:task_state': null });
    expect(done.flavor.id).to.equal('2');
    expect((await c.t.services.instances.find(id)).oldFlavor).to.equal(null);
    expect(driver.peek(id)!.flavor.memoryMb).to.equal(2048);
  });

  it('revertResize goes REVERT_RESIZE → ACTIVE with the old flavor back on the server and the instance', async () => {
    const id = await boot();
    await resized(id, '3');
    expect(driver.peek(id)!.flavor).to.deep.equal({ memoryMb: 4096, vcpus: 2 });
    driver.hold();
    const res = await act(id, { revertResize: null });
    expect(res.status, res.text).to.equal(202);
    const during = await show(id);
    expect(during).to.include({ status: 'REVERT_RESIZE', 'OS-EXT-STS:task_state': 'resize_reverting' });
    driver.release();
    await c.t.services.tasks.idle();
    const done = await show(id);
    expect(done).to.include({ status: 'ACTIVE', 'OS-EXT-STS:task_state': null });
    expect(done.flavor.id).to.equal('1');
    expect(driver.peek(id)!.flavor).to.deep.equal({ memoryMb: 512, vcpus: 1 });
    expect((await c.t.services.instances.find(id)).oldFlavor).to.equal(null);
  });

  it('keeps a stopped server stopped: SHUTOFF → VERIFY_RESIZE → SHUTOFF after confirm or revert', async () => {
    const a = await boot();
    await stop(a);
    await resized(a);
    expect((await show(a))['OS-EXT-STS:power_state']).to.equal(4);
    expect((await act(a, { confirmResize: {} })).status).to.equal(204);
    await c.t.services.tasks.idle();
    expect(await show(a)).to.include({ status: 'SHUTOFF', 'OS-EXT-STS:vm_state': 'stopped' });
    expect(driver.peek(a)!.powerState).to.equal(PowerState.SHUTDOWN);

    const b = await boot();
    await stop(b);
    await resized(b);
    expect((await act(b, { revertResize: {} })).status).to.equal(202);
    await c.t.services.tasks.idle();
    const reverted = await show(b);
    expect(reverted.status).to.equal('SHUTOFF');
    expect(reverted.flavor.id).to.equal('1');
  });

  it('sets the disk config given with the resize, MANUAL when none is (Nova: auto_disk_config or False)', async () => {
    const id = await boot();
    expect((await act(id, { resize: { flavorRef: 2, 'OS-DCF:diskConfig': 'AUTO' } })).status).to.equal(202);
    await c.t.services.tasks.idle();
    expect((await show(id))['OS-DCF:diskConfig']).to.equal('AUTO');
    await act(id, { confirmResize: null });
    await c.t.services.tasks.idle();
    await resized(id, '3');
    expect((await show(id))['OS-DCF:diskConfig']).to.equal('MANUAL');
  });

  it('lists a server waiting for confirmation under ?status=VERIFY_RESIZE', async () => {
    const id = await boot();
    await resized(id);
    const listed = await c.t.request.get(`${api}/servers?status=VERIFY_RESIZE`).set(as(c.t.tokens.demo));
    expect(listed.body.servers.map((x: { id: string }) => x.id)).to.include(id);
    const active = await c.t.request.get(`${api}/servers?status=ACTIVE`).set(as(c.t.tokens.demo));
    expect(active.body.servers.map((x: { id: string }) => x.id)).to.not.include(id);
  });

  it("answers 400 with Nova's messages: same flavor, unknown flavor, a flavor too small for the image", async () => {
    const id = await boot();
    const same = await resize(id, '1');
    expectFault(same, 400, 'badRequest', 'When resizing, instances must change flavor!');
    const unknown = await resize(id, '999');
    expectFault(unknown, 400, 'badRequest', 'Flavor 999 could not be found.');

    // booted on flavor 1 before the image asked for more: resize checks the image the server was booted from
    const big = await insertImage(c.t.db, c.t.projects.admin);
    const needsRam = await bootServer(c.t, big);
    await c.t.db('images').where('id', big).update({ min_ram: 3000 });
    const small = await resize(needsRam, '2');
    expectFault(small, 400, 'badRequest', "Flavor's memory is too small for requested image.");
    expect((await resize(needsRam, '3')).status, 'flavor 3 has 4096 MB').to.equal(202);
    await c.t.services.tasks.idle();
    expect((await show(id)).status).to.equal('ACTIVE');
  });

  it('answers 400 for a flavor with no root disk and for a disabled flavor', async () => {
    const id = await boot();
    const row = { vcpus: 1, ephemeral_gb: 0, swap: 0, rxtx_factor: 1, is_public: true, description: null, created_at: Date.now() };
    await c.t.db('flavors').insert([
      { ...row, id: 'zero-disk', name: 'zero', memory_mb: 1024, root_gb: 0, disabled: false },
      { ...row, id: 'retired', name: 'retired', memory_mb: 1024, root_gb: 5, disabled: true },
    ]);
    const zero = await resize(id, 'zero-disk');
    expectFault(zero, 400, 'badRequest', 'Server disk was unable to be resized because: Resize to zero disk flavor is not allowed.');
    const disabled = await resize(id, 'retired');
    expectFault(disabled, 400, 'badRequest', 'Flavor retired could not be found.');
    expect((await show(id)).status).to.equal('ACTIVE');
  });

  it('answers 400 for a malformed body', async () => {
    const id = await boot();
    for (const body of [{ resize: {} }, { resize: { flavorRef: '' } }, { resize: { flavorRef: '2', name: 'x' } },
      { resize: { flavorRef: '2', 'OS-DCF:diskConfig': 'auto' } }, { resize: null }, { resize: { flavorRef: true } }]) {
      expect((await act(id, body)).status, JSON.stringify(body)).to.equal(400);
    }
  });

  it("answers 409 with Nova's messages in the wrong state", async () => {
    const id = await boot();
    const confirm = await act(id, { confirmResize: null });
    expectFault(confirm, 409, 'conflictingRequest', `Cannot 'confirmResize' instance ${id} while it is in vm_state active`);
    const revert = await act(id, { revertResize: null });
    expectFault(revert, 409, 'conflictingRequest', `Cannot 'revertResize' instance ${id} while it is in vm_state active`);

    driver.hold();
    expect((await resize(id)).status).to.equal(202);
    const busy = await resize(id, '3');
    expectFault(busy, 409, 'conflictingRequest', new RegExp(`^Cannot 'resize' instance ${id} while it is in task_state resize_`));
    driver.release();
    await c.t.services.tasks.idle();

    const again = await resize(id, '3');
    expectFault(again, 409, 'conflictingRequest', `Cannot 'resize' instance ${id} while it is in vm_state resized`);
    expect((await act(id, { 'os-stop': null })).status, 'no power actions while VERIFY_RESIZE').to.equal(409);

    driver.hold();
    expect((await act(id, { revertResize: null })).status).to.equal(202);
    const reverting = await act(id, { confirmResize: null });
    expectFault(reverting, 409, 'conflictingRequest', `Cannot 'confirmResize' instance ${id} while it is in task_state resize_reverting`);
    driver.release();
    await c.t.services.tasks.idle();
    expect((await show(id)).status).to.equal('ACTIVE');

    await c.t.services.instances.update(id, { vmState: 'error' });
    const error = await resize(id);
    expectFault(error, 409, 'conflictingRequest', `Cannot 'resize' instance ${id} while it is in vm_state error`);
  });

  it('stays ACTIVE on the old flavor, with a fault recorded, when the driver fails', async () => {
    const id = await boot();
    driver.failNext = true;
    expect((await resize(id)).status).to.equal(202);
    await c.t.services.tasks.idle();
    const s = await show(id);
    expect(s).to.include({ status: 'ACTIVE', 'OS-EXT-STS:task_state': null });
    expect(s.flavor.id).to.equal('1');
    const record = await c.t.services.instances.find(id);
    expect(record.fault?.message).to.equal('engine refused the new limits');
    expect(record.oldFlavor).to.equal(null);
  });

  it("answers 404 for a server that does not exist or is another project's, 403 to a reader; an admin may resize any", async () => {
    const id = await boot();
    for (const body of [{ resize: { flavorRef: '2' } }, { confirmResize: null }, { revertResize: null }]) {
      expect((await act(randomUUID(), body)).status, JSON.stringify(body)).to.equal(404);
      const foreign = await act(id, body, c.t.tokens.alt);
      expectFault(foreign, 404, 'itemNotFound', `Instance ${id} could not be found.`);
      expect((await act(id, body, c.t.tokens.reader)).status).to.equal(403);
    }
    expect((await show(id)).status).to.equal('ACTIVE');
    expect((await resize(id, '2', c.t.tokens.admin)).status).to.equal(202);
    await c.t.services.tasks.idle();
    expect((await act(id, { confirmResize: null }, c.t.tokens.admin)).status).to.equal(204);
    await c.t.services.tasks.idle();
    expect((await show(id)).flavor.id).to.equal('2');
  });

  it('answers 409 to a non-admin on a locked server for resize, confirmResize and revertResize', async () => {
    const id = await boot();
    await resized(id);
    expect((await act(id, { lock: null })).status).to.equal(202);
    for (const body of [{ resize: { flavorRef: '999' } }, { confirmResize: null }, { revertResize: null }]) {
      const res = await act(id, body);
      expect(res.status, JSON.stringify(body)).to.equal(409);
      expect(res.body.conflictingRequest.message).to.equal(`Instance ${id} is locked`);
    }
    expect((await act(id, { revertResize: null }, c.t.tokens.admin)).status).to.equal(202);
    await c.t.services.tasks.idle();
    expect((await show(id)).flavor.id).to.equal('1');
  });

  it('answers 501 when the driver cannot resize', async () => {
    const other = await makeTestApp({ driver: new NoResizeDriver() });
    try {
      const img = await insertImage(other.db, other.projects.admin);
      const id = await bootServer(other, img);
      const res = await act(id, { resize: { flavorRef: '2' } }, other.tokens.demo, other);
      expect(res.status).to.equal(501);
      expect((await other.request.get(`${api}/servers/${id}`).set(as(other.tokens.demo))).body.server.status).to.equal('ACTIVE');
    } finally {
      await other.close();
    }
  });
});
