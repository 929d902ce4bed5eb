import { expect } from 'chai';
import { API, as, useComputeApp } from '../helpers/compute-app';

describe('compute API: os-resetState', () => {
  const app = useComputeApp();
  const api = API;
  const { boot } = app;
  const act = (id: string, body: object, token = app.t.tokens.admin) => app.t.request.post(`${api}/servers/${id}/action`).set(as(token)).send(body);
  const show = async (id: string) => (await app.t.request.get(`${api}/servers/${id}`).set(as(app.t.tokens.admin))).body.server;

  it('resets an ACTIVE server to ERROR and back to ACTIVE, and records resetState', async () => {
    const id = await boot();
    const res = await act(id, { 'os-resetState': { state: 'error' } });
    expect(res.status, res.text).to.equal(202);
    expect(res.text).to.equal('');
    let s = await show(id);
    expect([s.status, s['OS-EXT-STS:vm_state'], s['OS-EXT-STS:task_state']]).to.deep.equal(['ERROR', 'error', null]);

    expect((await act(id, { 'os-resetState': { state: 'active' } })).status).to.equal(202);
    s = await show(id);
    expect([s.status, s['OS-EXT-STS:vm_state'], s['OS-EXT-STS:task_state']]).to.deep.equal(['ACTIVE', 'active', null]);

    const actions = (await app.t.request.get(`${api}/servers/${id}/os-instance-actions`).set(as(app.t.tokens.admin))).body.instanceActions;
    expect(actions.map((a: { action: string }) => a.action)).to.deep.equal(['resetState', 'resetState', 'create']);
  });

  it('works in any state and clears the task (a stopped server with a stuck task)', async () => {
    const id = await boot();
    await app.t.services.instances.update(id, { vmState: 'stopped', taskState: 'powering-on' });
    expect((await act(id, { 'os-resetState': { state: 'active' } })).status).to.equal(202);
    const i = await app.t.services.instances.find(id);
    expect([i.vmState, i.taskState]).to.deep.equal(['active', null]);
  });

  it('works on a locked server (no lock check, as Nova)', async () => {
    const id = await boot();
    expect((await act(id, { lock: null }, app.t.tokens.demo)).status).to.equal(202);
    expect((await act(id, { 'os-resetState': { state: 'error' } })).status).to.equal(202);
    expect((await app.t.services.instances.find(id)).vmState).to.equal('error');
  });

  it('refuses members with 403 and leaves the server alone', async () => {
    const id = await boot();
    const res = await act(id, { 'os-resetState': { state: 'error' } }, app.t.tokens.demo);
    expect(res.status, res.text).to.equal(403);
    expect(res.body).to.deep.equal({ forbidden: { code: 403, message: "Policy doesn't allow os_compute_api:os-admin-actions:reset_state to be performed." } });
    expect((await show(id)).status).to.equal('ACTIVE');
  });

  it('answers 404 for an unknown server and 400 for a bad state', async () => {
    const missing = await act('5b1b1c3e-0000-4000-8000-000000000000', { 'os-resetState': { state: 'error' } });
    expect(missing.status, missing.text).to.equal(404);
    expect(missing.body.itemNotFound.code).to.equal(404);
    const id = await boot();
    for (const body of [{ 'os-resetState': { state: 'stopped' } }, { 'os-resetState': {} }, { 'os-resetState': { state: 'active', x: 1 } }]) {
      const res = await act(id, body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
    }
  });
});
