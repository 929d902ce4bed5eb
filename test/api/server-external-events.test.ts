import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { useComputeApp } from '../helpers/compute-app';
import { FakeDriver } from '../../src/drivers/fake/driver';
import type { DriverInstance } from '../../src/drivers/driver';

describe('compute API: os-server-external-events', () => {
  const api = '/compute/v2.1';
  const as = (token: string, version?: string) => ({ 'x-auth-token': token, ...(version && { 'openstack-api-version': `compute ${version}` }) });
  const driver = new FakeDriver();
  const c = useComputeApp({ driver });
  const boot = () => c.boot();
  const post = async (events: object[], version?: string, token = c.t.tokens.admin) => {
    const res = await c.t.request.post(`${api}/os-server-external-events`).set(as(token, version)).send({ events });
    await c.t.services.tasks.idle();
    return res;
  };
  const server = async (id: string) => (await c.t.request.get(`${api}/servers/${id}`).set(as(c.t.tokens.admin))).body.server;
  const actions = async (id: string) => (await c.t.request.get(`${api}/servers/${id}/os-instance-actions`).set(as(c.t.tokens.admin))).body.instanceActions;
  /** the container changes behind novashim's back, as an operator (or ironic's power sync) would */
  const engine = (id: string) => ({ uuid: id }) as DriverInstance;

  // the project's instance quota is small: each test's servers go once it is done
  afterEach(async () => {
    const live = (await c.t.request.get(`${api}/servers`).set(as(c.t.tokens.demo))).body.servers as { id: string }[];
    for (const s of live) await c.t.request.delete(`${api}/servers/${s.id}`).set(as(c.t.tokens.admin));
    await c.t.services.tasks.idle();
  });

  it('accepts an event for a server with a host: 200, each event with code 200 and status completed', async () => {
    const id = await boot();
    const res = await post([{ name: 'network-changed', server_uuid: id }, { name: 'network-vif-plugged', server_uuid: id, tag: 'port-1', status: 'failed' }]);
    expect(res.status, res.text).to.equal(200);
    expect(res.body.events).to.deep.equal([
      { name: 'network-changed', server_uuid: id, status: 'completed', code: 200 },
      { name: 'network-vif-plugged', server_uuid: id, tag: 'port-1', status: 'completed', code: 200 },
    ]);
  });

  it('network-changed reads the addresses again from the engine', async () => {
    const id = await boot();
    expect(Object.keys((await server(id)).addresses)).to.have.length(1);
    await driver.powerOff(engine(id)); // the fake's stopped container has no address
    expect((await post([{ name: 'network-changed', server_uuid: id }])).status).to.equal(200);
    expect((await server(id)).addresses).to.deep.equal({});
  });

  it('207 with a code per event: 404 for an unknown or deleted server, 422 without a host', async () => {
    const id = await boot();
    const deleted = await boot();
    await c.t.request.delete(`${api}/servers/${deleted}`).set(as(c.t.tokens.demo));
    await c.t.services.tasks.idle();
    const hostless = await boot();
    await c.t.db('instances').where({ uuid: hostless }).update({ host: null });
    const unknown = randomUUID();
    const res = await post([
      { name: 'network-changed', server_uuid: id },
      { name: 'network-changed', server_uuid: unknown },
      { name: 'network-vif-deleted', server_uuid: deleted },
      { name: 'network-vif-unplugged', server_uuid: hostless },
    ]);
    expect(res.status, res.text).to.equal(207);
    expect(res.body.events.map((e: { code: number; status: string }) => [e.code, e.status])).to.deep.equal([
      [200, 'completed'], [404, 'failed'], [404, 'failed'], [422, 'failed'],
    ]);
    // none matched: still 207, every event 404 (Nova 26: no 404 reply for the whole request)
    const none = await post([{ name: 'network-changed', server_uuid: unknown }]);
    expect(none.status).to.equal(207);
    expect(none.body.events[0].code).to.equal(404);
  });

  it('validates the body as Nova (400): names by microversion, statuses, uuid, no extra keys', async () => {
    const id = await boot();
    for (const events of [
      [{ name: 'bogus', server_uuid: id }], [{ name: 'network-changed', server_uuid: 'nope' }],
      [{ name: 'network-changed', server_uuid: id, status: 'done' }], [{ name: 'network-changed', server_uuid: id, extra: 1 }],
      [{ name: 'network-changed' }], [], [{ name: 'network-changed', server_uuid: id, tag: 'x'.repeat(256) }],
    ]) {
      expect((await post(events)).status, JSON.stringify(events)).to.equal(400);
    }
  });

  it('403 for non-admins', async () => {
    const id = await boot();
    const res = await post([{ name: 'network-changed', server_uuid: id }], undefined, c.t.tokens.demo);
    expect(res.status).to.equal(403);
    expect(res.body.forbidden.message).to.equal("Policy doesn't allow os_compute_api:os-server-external-events:create to be performed.");
  });

  describe('volume-extended (microversion 2.51)', () => {
    it('is refused before microversion 2.51 and accepted from it, recorded as an extend_volume action', async () => {
      const id = await boot();
      const event = { name: 'volume-extended', server_uuid: id, tag: randomUUID() };
      expect((await post([event], '2.50')).status).to.equal(400);
      const res = await post([event], '2.51');
      expect(res.status, res.text).to.equal(200);
      expect(res.body.events[0]).to.include({ code: 200, status: 'completed' });
      const acts = await actions(id);
      expect(acts[0].action).to.equal('extend_volume');
      // novashim attaches no volumes: the compute event fails as Nova's does for a volume not attached
      const detail = await c.t.request.get(`${api}/servers/${id}/os-instance-actions/${acts[0].request_id}`).set(as(c.t.tokens.admin, '2.51'));
      expect(detail.body.instanceAction.events[0]).to.include({ event: 'compute_extend_volume', result: 'Error' });
    });

    it('needs a tag: that event alone fails with 400 (207)', async () => {
      const id = await boot();
      const res = await post([{ name: 'volume-extended', server_uuid: id }, { name: 'network-changed', server_uuid: id }], '2.51');
      expect(res.status).to.equal(207);
      expect(res.body.events.map((e: { code: number }) => e.code)).to.deep.equal([400, 200]);
    });
  });

  describe('power-update (microversion 2.76)', () => {
    it('is refused before microversion 2.76 and needs a tag from it', async () => {
      const id = await boot();
      expect((await post([{ name: 'power-update', server_uuid: id, tag: 'POWER_OFF' }], '2.75')).status).to.equal(400);
      const untagged = await post([{ name: 'power-update', server_uuid: id }], '2.76');
      expect(untagged.status).to.equal(207);
      expect(untagged.body.events[0]).to.include({ code: 400, status: 'failed' });
    });

    it('POWER_OFF: a server whose container really stopped becomes SHUTOFF, recorded as a stop action', async () => {
      const id = await boot();
      await driver.powerOff(engine(id));
      const res = await post([{ name: 'power-update', server_uuid: id, tag: 'POWER_OFF' }], '2.76');
      expect(res.status, res.text).to.equal(200);
      const s = await server(id);
      expect(s.status).to.equal('SHUTOFF');
      expect(s['OS-EXT-STS:power_state']).to.equal(4);
      expect(s['OS-EXT-STS:task_state']).to.equal(null);
      const acts = await actions(id);
      expect(acts[0].action).to.equal('stop');
      const detail = await c.t.request.get(`${api}/servers/${id}/os-instance-actions/${acts[0].request_id}`).set(as(c.t.tokens.admin));
      expect(detail.body.instanceAction.events[0]).to.include({ event: 'compute_power_update', result: 'Success' });
    });

    it('POWER_ON: a stopped server whose container really runs again becomes ACTIVE', async () => {
      const id = await boot();
      expect((await c.t.request.post(`${api}/servers/${id}/action`).set(as(c.t.tokens.demo)).send({ 'os-stop': null })).status).to.equal(202);
      await c.t.services.tasks.idle();
      await driver.powerOn(engine(id));
      const res = await post([{ name: 'power-update', server_uuid: id, tag: 'POWER_ON' }], '2.76');
      expect(res.status).to.equal(200);
      const s = await server(id);
      expect(s.status).to.equal('ACTIVE');
      expect(s['OS-EXT-STS:power_state']).to.equal(1);
      expect(Object.keys(s.addresses)).to.have.length(1);
      expect((await actions(id))[0].action).to.equal('start');
    });

    it('an event the engine contradicts changes nothing (the container still runs)', async () => {
      const id = await boot();
      const res = await post([{ name: 'power-update', server_uuid: id, tag: 'POWER_OFF' }], '2.76');
      expect(res.status).to.equal(200);
      const s = await server(id);
      expect(s.status).to.equal('ACTIVE');
      expect(s['OS-EXT-STS:task_state']).to.equal(null);
      // and in a state that does not allow it (POWER_ON for an ACTIVE server) it is a no-op
      expect((await post([{ name: 'power-update', server_uuid: id, tag: 'POWER_ON' }], '2.76')).status).to.equal(200);
      expect((await server(id)).status).to.equal('ACTIVE');
    });
  });
});
