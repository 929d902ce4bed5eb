import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { makeTestApp, TestApp } from '../helpers/app';
import { insertImage } from '../helpers/images';
import { FakeDriver } from '../../src/drivers/fake/driver';
import { DriverFlavor, DriverImage, DriverInstance, DriverState } from '../../src/drivers/driver';
import { TaskState, VmState } from '../../src/compute/states';
import { InstanceActionStore } from '../../src/db/stores/instance-actions';

/** A fake whose spawn fails for servers named "doomed" and whose reboot fails for servers named "flaky". */
class FailingDriver extends FakeDriver {
  override async spawn(instance: DriverInstance, image: DriverImage, flavor: DriverFlavor): Promise<DriverState> {
    if (instance.hostname === 'doomed') throw new Error('engine said no');
    return super.spawn(instance, image, flavor);
  }

  override async reboot(instance: DriverInstance, kind: 'SOFT' | 'HARD'): Promise<void> {
    if (instance.hostname === 'flaky') throw new Error('reboot exploded');
    return super.reboot(instance, kind);
  }
}

const MICROS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/;

describe('compute API: os-instance-actions', () => {
  const api = '/compute/v2.1';
  const as = (token: string) => ({ 'x-auth-token': token });
  let t: TestApp;
  let image: string;
  let demoUser: string;

  before(async () => {
    t = await makeTestApp({ driver: new FailingDriver() });
    image = await insertImage(t.db, t.projects.admin);
    demoUser = (await t.services.identity.validate(t.tokens.demo)).userId;
  });
  after(async () => { await t.close(); });

  /** Boots a server; returns its id and the request id of the create. */
  async function boot(name = 'vm'): Promise<{ id: string; requestId: string }> {
    const res = await t.request.post(`${api}/servers`).set(as(t.tokens.demo)).send({ server: { name, imageRef: image, flavorRef: '1' } });
    expect(res.status, res.text).to.equal(202);
    await t.services.tasks.idle();
    return { id: res.body.server.id, requestId: res.headers['x-openstack-request-id'] };
  }

  const act = (id: string, body: object, token = t.tokens.demo) => t.request.post(`${api}/servers/${id}/action`).set(as(token)).send(body);
  const list = (id: string, token = t.tokens.demo) => t.request.get(`${api}/servers/${id}/os-instance-actions`).set(as(token));
  const showAction = (id: string, req: string, token = t.tokens.demo) =>
    t.request.get(`${api}/servers/${id}/os-instance-actions/${req}`).set(as(token));

  it('records the create under the request id of the POST, with its compute event (events only for admins)', async () => {
    const { id, requestId } = await boot();
    expect(requestId).to.match(/^req-[0-9a-f-]{36}$/);
    const listed = await list(id);
    expect(listed.status, listed.text).to.equal(200);
    expect(listed.body.instanceActions).to.have.length(1);
    const [create] = listed.body.instanceActions;
    expect(create).to.have.all.keys('action', 'instance_uuid', 'request_id', 'user_id', 'project_id', 'start_time', 'message');
    expect(create).to.deep.include({ action: 'create', instance_uuid: id, request_id: requestId, user_id: demoUser, project_id: t.projects.demo, message: null });
    expect(create.start_time).to.match(MICROS);

    // a member sees the action without events at 2.1 (events policy: admin)
    const mine = await showAction(id, requestId);
    expect(mine.status, mine.text).to.equal(200);
    expect(mine.body.instanceAction).to.deep.equal(create);

    const admin = await showAction(id, requestId, t.tokens.admin);
    expect(admin.status, admin.text).to.equal(200);
    expect(admin.body.instanceAction).to.deep.include(create);
    const events = admin.body.instanceAction.events;
    expect(events).to.have.length(1);
    expect(events[0]).to.deep.include({ event: 'compute__do_build_and_run_instance', result: 'Success', traceback: null });
    expect(events[0].start_time).to.match(MICROS);
    expect(events[0].finish_time).to.match(MICROS);
  });

  it('lists every action newest first, each under the request id that caused it; refused requests record none', async () => {
    const { id, requestId: created } = await boot();
    const reboot = await act(id, { reboot: { type: 'HARD' } });
    expect(reboot.status).to.equal(202);
    await t.services.tasks.idle();
    expect((await act(id, { 'os-start': null })).status).to.equal(409); // refused: not recorded
    const stop = await act(id, { 'os-stop': null });
    await t.services.tasks.idle();
    const start = await act(id, { 'os-start': null });
    await t.services.tasks.idle();
    const lock = await act(id, { lock: null });
    expect((await act(id, { 'os-stop': null })).status).to.equal(409); // locked: not recorded
    const unlock = await act(id, { unlock: null });
    const requestIds = (r: { headers: Record<string, string> }) => r.headers['x-openstack-request-id'];

    const body = (await list(id)).body.instanceActions;
    expect(body.map((a: { action: string }) => a.action)).to.deep.equal(['unlock', 'lock', 'start', 'stop', 'reboot', 'create']);
    expect(body.map((a: { request_id: string }) => a.request_id))
      .to.deep.equal([unlock, lock, start, stop, reboot].map(requestIds).concat(created));

    const eventsOf = async (req: string) => (await showAction(id, req, t.tokens.admin)).body.instanceAction.events
      .map((e: { event: string; result: string }) => [e.event, e.result]);
    expect(await eventsOf(requestIds(reboot))).to.deep.equal([['compute_reboot_instance', 'Success']]);
    expect(await eventsOf(requestIds(stop))).to.deep.equal([['compute_stop_instance', 'Success']]);
    expect(await eventsOf(requestIds(start))).to.deep.equal([['compute_start_instance', 'Success']]);
    expect(await eventsOf(requestIds(lock))).to.deep.equal([['api_lock', 'Success']]);
    expect(await eventsOf(requestIds(unlock))).to.deep.equal([['api_unlock', 'Success']]);
  });

  it('records a failed driver call as an Error event with a traceback (admins only) and marks the action "Error"', async () => {
    const { id } = await boot('flaky');
    const reboot = await act(id, { reboot: { type: 'SOFT' } });
    expect(reboot.status).to.equal(202);
    await t.services.tasks.idle();
    const req = reboot.headers['x-openstack-request-id'];

    const admin = (await showAction(id, req, t.tokens.admin)).body.instanceAction;
    expect(admin).to.deep.include({ action: 'reboot', message: 'Error' });
    expect(admin.events).to.have.length(1);
    expect(admin.events[0]).to.deep.include({ event: 'compute_reboot_instance', result: 'Error' });
    expect(admin.events[0].finish_time).to.match(MICROS);
    expect(admin.events[0].traceback).to.match(/^Error: reboot exploded\n\s+at /);

    const member = (await showAction(id, req)).body.instanceAction;
    expect(member).to.not.have.property('events');
    expect(member.message).to.equal('Error');
  });

  it('records a failed build as an Error event of the create', async () => {
    const res = await t.request.post(`${api}/servers`).set(as(t.tokens.demo)).send({ server: { name: 'doomed', imageRef: image, flavorRef: '1' } });
    await t.services.tasks.idle();
    const id = res.body.server.id;
    const create = (await showAction(id, res.headers['x-openstack-request-id'], t.tokens.admin)).body.instanceAction;
    expect(create).to.deep.include({ action: 'create', message: 'Error' });
    expect(create.events.map((e: { event: string; result: string }) => [e.event, e.result]))
      .to.deep.equal([['compute__do_build_and_run_instance', 'Error']]);
    expect(create.events[0].traceback).to.contain('engine said no');
  });

  it('lets a reader of the project list and show; another project, unknown servers and request ids get 404', async () => {
    const { id, requestId } = await boot();
    expect((await list(id, t.tokens.reader)).body.instanceActions).to.have.length(1);
    const read = await showAction(id, requestId, t.tokens.reader);
    expect(read.status).to.equal(200);
    expect(read.body.instanceAction.request_id).to.equal(requestId);

    for (const res of [await list(id, t.tokens.alt), await showAction(id, requestId, t.tokens.alt)]) {
      expect(res.status).to.equal(404);
      expect(res.body).to.deep.equal({ itemNotFound: { code: 404, message: `Instance ${id} could not be found.` } });
    }
    const unknown = randomUUID();
    expect((await list(unknown)).body.itemNotFound.message).to.equal(`Instance ${unknown} could not be found.`);
    const missing = await showAction(id, '999');
    expect(missing.status).to.equal(404);
    expect(missing.body).to.deep.equal({ itemNotFound: { code: 404, message: 'Action 999 not found' } });
    // a request id of another server's action is not this server's
    const other = await boot();
    expect((await showAction(id, other.requestId)).status).to.equal(404);
  });

  it("records the delete and its terminate event; at 2.1 a deleted server's actions answer 404", async () => {
    const { id } = await boot();
    const del = await t.request.delete(`${api}/servers/${id}`).set(as(t.tokens.demo));
    expect(del.status).to.equal(204);
    await t.services.tasks.idle();
    expect((await list(id)).status).to.equal(404);
    expect((await list(id, t.tokens.admin)).status).to.equal(404);

    const store = new InstanceActionStore(t.db);
    const actions = await store.list(id);
    expect(actions.map((a) => [a.action, a.requestId])).to.deep.equal([
      ['delete', del.headers['x-openstack-request-id']], ['create', actions[1].requestId],
    ]);
    expect((await store.events(actions[0].id)).map((e) => [e.event, e.result])).to.deep.equal([['compute_terminate_instance', 'Success']]);
    expect(actions[0].finishTime).to.be.instanceOf(Date);
  });

  it('records any action started through ComputeService.startAction under its Nova name, with events from ComputeManager.run', async () => {
    const { id } = await boot();
    const auth = { ...(await t.services.identity.validate(t.tokens.demo)), requestId: 'req-feature-test' };
    // what a feature module does: a spec whose work goes through ComputeManager.run
    await t.services.compute.startAction(auth, id, {
      method: 'snapshot', allowed: { vm: [VmState.ACTIVE], task: [null] }, task: TaskState.IMAGE_SNAPSHOT,
      work: () => t.services.compute.manager.run(id, 'snapshot', async () => ({})),
    });
    await t.services.tasks.idle();
    await t.services.compute.startAction(auth, id, {
      method: 'pause', action: 'pause', allowed: { vm: [VmState.ACTIVE], task: [null] }, task: TaskState.PAUSING,
      work: () => t.services.compute.manager.run(id, 'pause', async () => { throw new Error('cannot pause'); }),
    });
    await t.services.tasks.idle();
    const actions = (await list(id)).body.instanceActions;
    expect(actions.map((a: { action: string; request_id: string }) => [a.action, a.request_id]).slice(0, 2))
      .to.deep.equal([['pause', 'req-feature-test'], ['createImage', 'req-feature-test']]);
    // the same request id twice: show finds the newest (Nova's action_get_by_request_id)
    const shown = (await showAction(id, 'req-feature-test', t.tokens.admin)).body.instanceAction;
    expect(shown.action).to.equal('pause');
    expect(shown.events.map((e: { event: string; result: string }) => [e.event, e.result])).to.deep.equal([['compute_pause_instance', 'Error']]);
    const store = new InstanceActionStore(t.db);
    const snapshot = (await store.list(id)).find((a) => a.action === 'createImage')!;
    expect((await store.events(snapshot.id)).map((e) => [e.event, e.result])).to.deep.equal([['compute_snapshot_instance', 'Success']]);
  });
});
