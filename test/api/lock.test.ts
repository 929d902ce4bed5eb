import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { API, as, useComputeApp } from '../helpers/compute-app';

describe('compute API: lock and unlock', () => {
  const app = useComputeApp();
  const api = API;
  const { boot } = app;

  const act = (id: string, body: object, token = app.t.tokens.demo) => app.t.request.post(`${api}/servers/${id}/action`).set(as(token)).send(body);
  const show = (id: string, token = app.t.tokens.demo) => app.t.request.get(`${api}/servers/${id}`).set(as(token));
  const lockOf = async (id: string) => {
    const i = await app.t.services.instances.find(id);
    return { locked: i.locked, lockedBy: i.lockedBy };
  };
  const expectLocked = (res: { status: number; body: any }, id: string) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(res.status, JSON.stringify(res.body)).to.equal(409);
    expect(res.body).to.deep.equal({ conflictingRequest: { code: 409, message: `Instance ${id} is locked` } });
  };

  it("locks the owner's server: the owner's stop, reboot and delete get 409 until it unlocks", async () => {
    const id = await boot();
    const locked = await act(id, { lock: null });
    expect(locked.status, locked.text).to.equal(202);
    expect(locked.text).to.equal('');
    expect(await lockOf(id)).to.deep.equal({ locked: true, lockedBy: 'owner' });

    expectLocked(await act(id, { 'os-stop': null }), id);
    expectLocked(await act(id, { reboot: { type: 'HARD' } }), id);
    expectLocked(await act(id, { reboot: { type: 'SOFT' } }), id);
    expectLocked(await app.t.request.delete(`${api}/servers/${id}`).set(as(app.t.tokens.demo)), id);
    // nothing started: still ACTIVE with no task
    const s = (await show(id)).body.server;
    expect([s.status, s['OS-EXT-STS:task_state']]).to.deep.equal(['ACTIVE', null]);
    // 2.1's server view has no `locked` (that is 2.9)
    expect(s).to.not.have.property('locked');

    // Nova does not lock update, nor reading the console
    const renamed = await app.t.request.put(`${api}/servers/${id}`).set(as(app.t.tokens.demo)).send({ server: { name: 'renamed' } });
    expect(renamed.status, renamed.text).to.equal(200);
    const console = await act(id, { 'os-getConsoleOutput': {} });
    expect(console.status, console.text).to.equal(200);

    const unlocked = await act(id, { unlock: null });
    expect(unlocked.status, unlocked.text).to.equal(202);
    expect(await lockOf(id)).to.deep.equal({ locked: false, lockedBy: null });
    expect((await act(id, { 'os-stop': null })).status).to.equal(202);
    await app.t.services.tasks.idle();
    expect((await show(id)).body.server.status).to.equal('SHUTOFF');
  });

  it('puts the state check after the lock check (a locked, stopped server answers "is locked" to stop)', async () => {
    const id = await boot();
    expect((await act(id, { 'os-stop': null })).status).to.equal(202);
    await app.t.services.tasks.idle();
    expect((await act(id, { lock: {} })).status).to.equal(202);
    expectLocked(await act(id, { 'os-stop': null }), id);
    expectLocked(await act(id, { 'os-start': null }), id);
    expect((await act(id, { unlock: {} })).status).to.equal(202);
    expect((await act(id, { 'os-start': null })).status).to.equal(202);
    await app.t.services.tasks.idle();
  });

  it('lets an admin act on a locked server (stop, start, delete)', async () => {
    const id = await boot();
    expect((await act(id, { lock: null })).status).to.equal(202);
    expect((await act(id, { 'os-stop': null }, app.t.tokens.admin)).status).to.equal(202);
    await app.t.services.tasks.idle();
    expect((await show(id)).body.server.status).to.equal('SHUTOFF');
    expect((await act(id, { 'os-start': null }, app.t.tokens.admin)).status).to.equal(202);
    await app.t.services.tasks.idle();
    expect((await app.t.request.delete(`${api}/servers/${id}`).set(as(app.t.tokens.admin))).status).to.equal(204);
    await app.t.services.tasks.idle();
    expect((await show(id)).status).to.equal(404);
  });

  it("refuses the owner's unlock of an admin's lock with 403; the admin unlocks it", async () => {
    const id = await boot();
    expect((await act(id, { lock: null }, app.t.tokens.admin)).status).to.equal(202);
    expect(await lockOf(id)).to.deep.equal({ locked: true, lockedBy: 'admin' });
    // the owner locking again changes nothing (Nova returns early for an owner on a locked server)
    expect((await act(id, { lock: null })).status).to.equal(202);
    expect(await lockOf(id)).to.deep.equal({ locked: true, lockedBy: 'admin' });

    const refused = await act(id, { unlock: null });
    expect(refused.status).to.equal(403);
    expect(refused.body).to.deep.equal({
      forbidden: { code: 403, message: "Policy doesn't allow os_compute_api:os-lock-server:unlock:unlock_override to be performed." },
    });
    expect(await lockOf(id)).to.deep.equal({ locked: true, lockedBy: 'admin' });
    expectLocked(await act(id, { 'os-stop': null }), id);

    expect((await act(id, { unlock: null }, app.t.tokens.admin)).status).to.equal(202);
    expect(await lockOf(id)).to.deep.equal({ locked: false, lockedBy: null });
  });

  it("lets an admin unlock the owner's lock (unlock_override), and the owner unlock an unlocked server", async () => {
    const id = await boot();
    expect((await act(id, { lock: null })).status).to.equal(202);
    expect((await act(id, { unlock: null }, app.t.tokens.admin)).status).to.equal(202);
    expect(await lockOf(id)).to.deep.equal({ locked: false, lockedBy: null });
    expect((await act(id, { unlock: null })).status).to.equal(202);
  });

  it('answers 404 to another project, 403 to a reader, 404 for an unknown server', async () => {
    const id = await boot();
    for (const body of [{ lock: null }, { unlock: null }]) {
      const other = await act(id, body, app.t.tokens.alt);
      expect(other.status).to.equal(404);
      expect(other.body.itemNotFound.message).to.equal(`Instance ${id} could not be found.`);
      expect((await act(id, body, app.t.tokens.reader)).status).to.equal(403);
      expect((await act(randomUUID(), body)).status).to.equal(404);
    }
    expect(await lockOf(id)).to.deep.equal({ locked: false, lockedBy: null });
  });

  it('takes any body at 2.1 (no schema before 2.73)', async () => {
    const id = await boot();
    for (const body of [{ lock: null }, { lock: {} }, { lock: { locked_reason: 'maintenance' } }]) {
      expect((await act(id, body)).status, JSON.stringify(body)).to.equal(202);
      expect((await act(id, { unlock: {} })).status).to.equal(202);
    }
    expect((await act(id, { lock: null, unlock: null })).status).to.equal(400);
  });
});
