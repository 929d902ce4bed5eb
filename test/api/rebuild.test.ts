import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { insertImage } from '../helpers/images';
import { API as api, as, expectFault, useComputeApp } from '../helpers/compute-app';
import { FakeDriver } from '../../src/drivers/fake/driver';
import { DriverFlavor, DriverImage, DriverInstance, DriverState, PowerState } from '../../src/drivers/driver';

/**
 * A fake whose spawns can be held (to see the states a rebuild passes through) and fail for
 * servers named "doomed" or images listed in failImages.
 */
class HeldSpawnDriver extends FakeDriver {
  private gate: Promise<void> | null = null;
  private open: () => void = () => undefined;
  readonly failImages = new Set<string>();

  hold(): void {
    this.gate = new Promise((resolve) => { this.open = resolve; });
  }

  release(): void {
    this.gate = null;
    this.open();
  }

  override async spawn(instance: DriverInstance, image: DriverImage, flavor: DriverFlavor): Promise<DriverState> {
    if (this.gate) await this.gate;
    if (instance.hostname === 'doomed' || this.failImages.has(image.id)) throw new Error(`engine cannot run ${image.id}`);
    return super.spawn(instance, image, flavor);
  }
}

describe('compute API: rebuild', () => {
  const driver = new HeldSpawnDriver();
  const c = useComputeApp({ driver });
  const { boot } = c;
  let other: string;

  before(async () => { other = await insertImage(c.t.db, c.t.projects.admin); });
  afterEach(() => driver.release()); // a failed test must not leave spawns held

  const show = async (id: string, token = c.t.tokens.demo) => (await c.t.request.get(`${api}/servers/${id}`).set(as(token))).body.server;
  const act = (id: string, body: unknown, token = c.t.tokens.demo) => c.t.request.post(`${api}/servers/${id}/action`).set(as(token)).send(body as object);
  const rebuild = (id: string, params: Record<string, unknown>, token = c.t.tokens.demo) => act(id, { rebuild: params }, token);

  async function stop(id: string): Promise<void> {
    expect((await act(id, { 'os-stop': null })).status).to.equal(202);
    await c.t.services.tasks.idle();
    expect((await show(id)).status).to.equal('SHUTOFF');
  }

  it('answers 202 with the server (status REBUILD, the new image, name and metadata) plus the given adminPass', async () => {
    const id = await boot({ metadata: { old: '1' }, name: 'before' });
    driver.hold();
    const res = await rebuild(id, { imageRef: other, name: 'after', metadata: { role: 'db' }, adminPass: 's3cret' });
    expect(res.status, res.text).to.equal(202);
    const s = res.body.server;
    expect(s).to.include({ id, name: 'after', status: 'REBUILD', adminPass: 's3cret', tenant_id: c.t.projects.demo });
    expect(s.image.id).to.equal(other);
    expect(s.flavor.id).to.equal('1');
    expect(s.metadata).to.deep.equal({ role: 'db' });
    expect(s.progress).to.equal(0);
    expect(s).to.not.have.property('OS-EXT-STS:task_state'); // PUT's view at 2.1: no extension attributes
    expect(res.headers.location).to.match(new RegExp(`/servers/${id}$`));

    const during = await show(id);
    expect(during.status).to.equal('REBUILD');
    expect(['rebuilding', 'rebuild_spawning']).to.include(during['OS-EXT-STS:task_state']);
    expect(during['OS-EXT-STS:vm_state']).to.equal('active');
    driver.release();
    await c.t.services.tasks.idle();

    const done = await show(id);
    expect(done).to.include({ id, status: 'ACTIVE', name: 'after', 'OS-EXT-STS:task_state': null, 'OS-EXT-STS:power_state': 1 });
    expect(done.image.id).to.equal(other);
    expect(done.metadata).to.deep.equal({ role: 'db' });
    expect(done.addresses.private).to.have.length(1);
    const fake = driver.peek(id)!;
    expect(fake.imageId, 'a new instance from the new image').to.equal(other);
    expect(fake.hostname, 'the hostname is kept').to.equal('before');
    expect(fake.metadata).to.deep.equal({ role: 'db' });
  });

  it('generates an adminPass and keeps name and metadata when none are given', async () => {
    const id = await boot({ metadata: { keep: 'me' } });
    const res = await rebuild(id, { imageRef: c.image });
    expect(res.status).to.equal(202);
    expect(res.body.server.adminPass).to.be.a('string').with.length.above(7);
    expect(res.body.server.name).to.equal('vm');
    expect(res.body.server.metadata).to.deep.equal({ keep: 'me' });
    await c.t.services.tasks.idle();
    expect((await show(id)).status).to.equal('ACTIVE');
  });

  it('sets accessIPv4/v6 and the disk config when given', async () => {
    const id = await boot();
    const res = await rebuild(id, { imageRef: c.image, accessIPv4: '10.1.2.3', accessIPv6: '2001:DB8::0:1', 'OS-DCF:diskConfig': 'AUTO', preserve_ephemeral: false });
    expect(res.status, res.text).to.equal(202);
    expect(res.body.server).to.include({ accessIPv4: '10.1.2.3', accessIPv6: '2001:db8::1', 'OS-DCF:diskConfig': 'AUTO' });
    await c.t.services.tasks.idle();
    expect(await show(id)).to.include({ accessIPv4: '10.1.2.3', 'OS-DCF:diskConfig': 'AUTO', status: 'ACTIVE' });
  });

  it('keeps a stopped server stopped (SHUTOFF after REBUILD)', async () => {
    const id = await boot();
    await stop(id);
    driver.hold();
    expect((await rebuild(id, { imageRef: other })).body.server.status).to.equal('REBUILD');
    expect((await show(id))['OS-EXT-STS:vm_state']).to.equal('stopped');
    driver.release();
    await c.t.services.tasks.idle();
    const done = await show(id);
    expect(done).to.include({ status: 'SHUTOFF', 'OS-EXT-STS:power_state': 4, 'OS-EXT-STS:task_state': null });
    expect(driver.peek(id)!.imageId).to.equal(other);
    expect(driver.peek(id)!.powerState).to.equal(PowerState.SHUTDOWN);
  });

  it('rebuilds a server in ERROR (its spawn failed) into ACTIVE', async () => {
    const id = await boot({ name: 'doomed' });
    expect((await show(id)).status).to.equal('ERROR');
    // the hostname stays "doomed", so rebuild this one by renaming only the display name: spawn checks the hostname
    await c.t.services.instances.update(id, { hostname: 'saved' });
    const res = await rebuild(id, { imageRef: other });
    expect(res.status, res.text).to.equal(202);
    expect(res.body.server.status).to.equal('REBUILD');
    await c.t.services.tasks.idle();
    expect(await show(id)).to.include({ status: 'ACTIVE', 'OS-EXT-STS:vm_state': 'active' });
    expect(driver.peek(id)!.imageId).to.equal(other);
  });

  it('ends in ERROR with a fault when the new image cannot be spawned, and can be rebuilt from there', async () => {
    const id = await boot();
    const broken = await insertImage(c.t.db, c.t.projects.admin);
    driver.failImages.add(broken);
    expect((await rebuild(id, { imageRef: broken })).status).to.equal(202);
    await c.t.services.tasks.idle();
    const failed = await show(id);
    expect(failed).to.include({ status: 'ERROR', 'OS-EXT-STS:task_state': null });
    expect(failed.fault.message).to.match(/engine cannot run/);
    expect(driver.peek(id), 'the old container is gone').to.equal(undefined);
    expect((await rebuild(id, { imageRef: c.image })).status).to.equal(202);
    await c.t.services.tasks.idle();
    expect((await show(id)).status).to.equal('ACTIVE');
  });

  it("answers 409 with Nova's message while another task runs or in a state rebuild does not allow", async () => {
    const id = await boot();
    driver.hold();
    expect((await rebuild(id, { imageRef: c.image })).status).to.equal(202);
    const busy = await rebuild(id, { imageRef: c.image });
    expectFault(busy, 409, 'conflictingRequest', new RegExp(`^Cannot 'rebuild' instance ${id} while it is in task_state (rebuilding|rebuild_spawning)$`));
    driver.release();
    await c.t.services.tasks.idle();
    await c.t.services.instances.update(id, { vmState: 'paused' as never });
    const paused = await rebuild(id, { imageRef: c.image });
    expectFault(paused, 409, 'conflictingRequest', `Cannot 'rebuild' instance ${id} while it is in vm_state paused`);
  });

  it('answers 400 for an image that does not exist, is not visible, is not active or does not fit the flavor', async () => {
    const id = await boot();
    const cases: [string, string][] = [
      [randomUUID(), 'Cannot find image for rebuild'],
      [await insertImage(c.t.db, c.t.projects.alt, { visibility: 'private' }), 'Cannot find image for rebuild'],
      [await insertImage(c.t.db, c.t.projects.admin, { status: 'queued' }), 'is not active.'],
      [await insertImage(c.t.db, c.t.projects.admin, { min_ram: 4096 }), "Flavor's memory is too small for requested image."],
      [await insertImage(c.t.db, c.t.projects.admin, { min_disk: 50 }), "Flavor's disk is too small for requested image."],
    ];
    for (const [imageRef, message] of cases) {
      const res = await rebuild(id, { imageRef });
      expect(res.status, message).to.equal(400);
      expect(res.body.badRequest.message).to.include(message);
    }
    expect(await show(id)).to.include({ status: 'ACTIVE' });
    expect((await show(id)).image.id, 'nothing changed').to.equal(c.image);
  });

  it('answers 400 for a malformed body', async () => {
    const id = await boot();
    for (const body of [{}, { imageRef: 'not-a-uuid' }, { imageRef: c.image, flavorRef: '2' }, { imageRef: c.image, metadata: { k: 1 } },
      { imageRef: c.image, name: '' }, { imageRef: c.image, 'OS-DCF:diskConfig': 'BOTH' }, { imageRef: c.image, preserve_ephemeral: 'maybe' }]) {
      expect((await rebuild(id, body)).status, JSON.stringify(body)).to.equal(400);
    }
    expect((await act(id, { rebuild: null })).status).to.equal(400);
  });

  it("answers 404 for a server that does not exist or is another project's, 403 to a reader; an admin may rebuild any", async () => {
    const id = await boot();
    const missing = await rebuild(randomUUID(), { imageRef: c.image });
    expect(missing.status).to.equal(404);
    const foreign = await rebuild(id, { imageRef: c.image }, c.t.tokens.alt);
    expectFault(foreign, 404, 'itemNotFound', `Instance ${id} could not be found.`);
    const reader = await rebuild(id, { imageRef: c.image }, c.t.tokens.reader);
    expectFault(reader, 403, 'forbidden');
    expect((await show(id)).status).to.equal('ACTIVE');
    const admin = await rebuild(id, { imageRef: other }, c.t.tokens.admin);
    expect(admin.status).to.equal(202);
    await c.t.services.tasks.idle();
    expect((await show(id)).image.id).to.equal(other);
  });

  it('answers 409 to a non-admin on a locked server, before checking the image; an admin may rebuild it', async () => {
    const id = await boot();
    expect((await act(id, { lock: null })).status).to.equal(202);
    const locked = await rebuild(id, { imageRef: randomUUID() });
    expectFault(locked, 409, 'conflictingRequest', `Instance ${id} is locked`);
    expect((await rebuild(id, { imageRef: other }, c.t.tokens.admin)).status).to.equal(202);
    await c.t.services.tasks.idle();
    expect((await show(id)).image.id).to.equal(other);
  });

  it('lists a rebuilding server under ?status=REBUILD', async () => {
    const id = await boot();
    driver.hold();
    await rebuild(id, { imageRef: c.image });
    const listed = await c.t.request.get(`${api}/servers?status=REBUILD`).set(as(c.t.tokens.demo));
    expect(listed.body.servers.map((x: { id: string }) => x.id)).to.deep.equal([id]);
    driver.release();
    await c.t.services.tasks.idle();
  });
});
