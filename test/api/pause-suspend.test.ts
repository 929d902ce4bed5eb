import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { API as api, as, expectFault, serverState as state, useComputeApp } from '../helpers/compute-app';
import { FakeDriver } from '../../src/drivers/fake/driver';
import { DriverCapabilities, DriverInstance, PowerState } from '../../src/drivers/driver';
import { TaskState } from '../../src/compute/states';

/**
 * The fake, with a gate that can hold pause/suspend midway (to see the task_state), an engine-like
 * suspend that reports PAUSED (as Docker's freezer does), and a way to make the next action fail.
 */
class GatedDriver extends FakeDriver {
  gate: Promise<void> | null = null;
  dockerLikeSuspend = false;
  failNext: string | null = null;

  override async pause(instance: DriverInstance): Promise<void> {
    await this.hold('pause');
    return super.pause(instance);
  }

  override async suspend(instance: DriverInstance): Promise<void> {
    await this.hold('suspend');
    if (this.dockerLikeSuspend) return super.pause(instance);
    return super.suspend(instance);
  }

  override async resume(instance: DriverInstance): Promise<void> {
    if (this.peek(instance.uuid)?.powerState === PowerState.PAUSED) return super.unpause(instance); // engine-like
    return super.resume(instance);
  }

  /** test helper: set the power state as an engine would report it after a restart */
  force(uuid: string, powerState: PowerState): void {
    this.instances.get(uuid)!.powerState = powerState;
  }

  private async hold(action: string): Promise<void> {
    if (this.gate) await this.gate;
    if (this.failNext === action) {
      this.failNext = null;
      throw new Error(`engine refused to ${action}`);
    }
  }
}

/** the flags say no (the methods it inherits must then go unused) */
class NoFreezeDriver extends FakeDriver {
  override readonly capabilities: DriverCapabilities = Object.freeze({ ...new FakeDriver().capabilities, pause: false, suspend: false });
}

describe('compute API: pause/unpause and suspend/resume', () => {
  const driver = new GatedDriver();
  const c = useComputeApp({ driver });
  const { boot } = c;

  const act = (server: string, body: object, token = c.t.tokens.demo, app = c.t) =>
    app.request.post(`${api}/servers/${server}/action`).set(as(token)).send(body);

  /** runs an action, waits for the background work, answers the server as GET shows it */
  async function settled(server: string, body: object, token = c.t.tokens.demo) {
    const res = await act(server, body, token);
    expect(res.status, `${JSON.stringify(body)}: ${res.text}`).to.equal(202);
    expect(res.text).to.equal('');
    await c.t.services.tasks.idle();
    return show(server);
  }

  async function show(server: string, token = c.t.tokens.demo) {
    const res = await c.t.request.get(`${api}/servers/${server}`).set(as(token));
    expect(res.status, res.text).to.equal(200);
    return res.body.server;
  }

  async function expectConflict(server: string, body: object, message: string): Promise<void> {
    const res = await act(server, body);
    expect(res.status, res.text).to.equal(409);
    expect(res.body).to.deep.equal({ conflictingRequest: { code: 409, message } });
  }

  afterEach(() => {
    driver.gate = null;
    driver.dockerLikeSuspend = false;
    driver.failNext = null;
  });

  describe('pause and unpause', () => {
    it('pause: ACTIVE → PAUSED (vm_state paused, power_state 3), the engine frozen; unpause: back to ACTIVE, power 1', async () => {
      const id = await boot();
      expect(state(await settled(id, { pause: null }))).to.deep.equal(['PAUSED', 'paused', null, PowerState.PAUSED]);
      expect(driver.peek(id)!.powerState).to.equal(PowerState.PAUSED);
      const paused = await show(id);
      expect(paused.addresses.private, 'a paused server keeps its address').to.have.length(1);
      expect(state(await settled(id, { unpause: null }))).to.deep.equal(['ACTIVE', 'active', null, PowerState.RUNNING]);
      expect(driver.peek(id)!.powerState).to.equal(PowerState.RUNNING);
    });

    it('accepts any value as the body ({"pause": {}} as well as null), refuses other keys', async () => {
      const id = await boot();
      expect(state(await settled(id, { pause: {} }))).to.deep.equal(['PAUSED', 'paused', null, 3]);
      expect((await act(id, { unpause: null, extra: 1 })).status).to.equal(400);
      expect(state(await settled(id, { unpause: 'anything' }))[0]).to.equal('ACTIVE');
    });

    it("shows task_state pausing while the engine works, and a second pause gets Nova's 409 on the task_state", async () => {
      const id = await boot();
      let release!: () => void;
      driver.gate = new Promise((resolve) => { release = resolve; });
      expect((await act(id, { pause: null })).status).to.equal(202);
      expect(state(await show(id))).to.deep.equal(['ACTIVE', 'active', 'pausing', PowerState.RUNNING]);
      await expectConflict(id, { pause: null }, `Cannot 'pause' instance ${id} while it is in task_state pausing`);
      await expectConflict(id, { unpause: null }, `Cannot 'unpause' instance ${id} while it is in vm_state active`);
      release();
      await c.t.services.tasks.idle();
      expect(state(await show(id))).to.deep.equal(['PAUSED', 'paused', null, 3]);
    });

    it("answers Nova's 409 for pause outside ACTIVE and unpause outside PAUSED", async () => {
      const id = await boot();
      await expectConflict(id, { unpause: null }, `Cannot 'unpause' instance ${id} while it is in vm_state active`);
      await settled(id, { pause: null });
      await expectConflict(id, { pause: null }, `Cannot 'pause' instance ${id} while it is in vm_state paused`);
      await expectConflict(id, { suspend: null }, `Cannot 'suspend' instance ${id} while it is in vm_state paused`);
      await expectConflict(id, { resume: null }, `Cannot 'resume' instance ${id} while it is in vm_state paused`);
      const stopped = await boot();
      await settled(stopped, { 'os-stop': null });
      await expectConflict(stopped, { pause: null }, `Cannot 'pause' instance ${stopped} while it is in vm_state stopped`);
      await expectConflict(stopped, { unpause: null }, `Cannot 'unpause' instance ${stopped} while it is in vm_state stopped`);
    });

    it('a failed pause leaves the server ACTIVE with task_state cleared', async () => {
      const id = await boot();
      driver.failNext = 'pause';
      expect(state(await settled(id, { pause: null }))).to.deep.equal(['ACTIVE', 'active', null, PowerState.RUNNING]);
      expect(driver.peek(id)!.powerState).to.equal(PowerState.RUNNING);
    });
  });

  describe('suspend and resume', () => {
    it('suspend: ACTIVE → SUSPENDED (vm_state suspended, power_state 7); resume: back to ACTIVE', async () => {
      const id = await boot();
      expect(state(await settled(id, { suspend: null }))).to.deep.equal(['SUSPENDED', 'suspended', null, PowerState.SUSPENDED]);
      expect(driver.peek(id)!.powerState).to.equal(PowerState.SUSPENDED);
      expect(state(await settled(id, { resume: null }))).to.deep.equal(['ACTIVE', 'active', null, PowerState.RUNNING]);
    });

    it('shows power_state 7, not 3, when the engine reports a suspended server as frozen (paused)', async () => {
      const id = await boot();
      driver.dockerLikeSuspend = true;
      expect(state(await settled(id, { suspend: null }))).to.deep.equal(['SUSPENDED', 'suspended', null, PowerState.SUSPENDED]);
      expect(driver.peek(id)!.powerState, 'what the engine reports').to.equal(PowerState.PAUSED);
      expect(state(await settled(id, { resume: null }))).to.deep.equal(['ACTIVE', 'active', null, PowerState.RUNNING]);
    });

    it('shows task_state suspending while the engine works', async () => {
      const id = await boot();
      let release!: () => void;
      driver.gate = new Promise((resolve) => { release = resolve; });
      expect((await act(id, { suspend: null })).status).to.equal(202);
      expect(state(await show(id))).to.deep.equal(['ACTIVE', 'active', 'suspending', PowerState.RUNNING]);
      await expectConflict(id, { suspend: null }, `Cannot 'suspend' instance ${id} while it is in task_state suspending`);
      release();
      await c.t.services.tasks.idle();
      expect(state(await show(id))[0]).to.equal('SUSPENDED');
    });

    it("answers Nova's 409 for suspend outside ACTIVE and resume outside SUSPENDED", async () => {
      const id = await boot();
      await expectConflict(id, { resume: null }, `Cannot 'resume' instance ${id} while it is in vm_state active`);
      await settled(id, { suspend: null });
      await expectConflict(id, { suspend: null }, `Cannot 'suspend' instance ${id} while it is in vm_state suspended`);
      await expectConflict(id, { pause: null }, `Cannot 'pause' instance ${id} while it is in vm_state suspended`);
      await expectConflict(id, { unpause: null }, `Cannot 'unpause' instance ${id} while it is in vm_state suspended`);
      const stopped = await boot();
      await settled(stopped, { 'os-stop': null });
      await expectConflict(stopped, { suspend: null }, `Cannot 'suspend' instance ${stopped} while it is in vm_state stopped`);
      await expectConflict(stopped, { resume: null }, `Cannot 'resume' instance ${stopped} while it is in vm_state stopped`);
    });
  });

  describe('other actions on a paused or suspended server (Nova: stop/start/soft reboot 409, hard reboot and delete work)', () => {
    for (const [freeze, vmState] of [['pause', 'paused'], ['suspend', 'suspended']] as const) {
      it(`${vmState}: os-stop, os-start and a SOFT reboot answer 409`, async () => {
        const id = await boot();
        await settled(id, { [freeze]: null });
        await expectConflict(id, { 'os-stop': null }, `Cannot 'stop' instance ${id} while it is in vm_state ${vmState}`);
        await expectConflict(id, { 'os-start': null }, `Cannot 'start' instance ${id} while it is in vm_state ${vmState}`);
        await expectConflict(id, { reboot: { type: 'SOFT' } }, `Cannot 'reboot' instance ${id} while it is in vm_state ${vmState}`);
      });

      it(`${vmState}: a HARD reboot thaws it to ACTIVE`, async () => {
        const id = await boot();
        await settled(id, { [freeze]: null });
        expect(state(await settled(id, { reboot: { type: 'HARD' } }))).to.deep.equal(['ACTIVE', 'active', null, PowerState.RUNNING]);
        expect(driver.peek(id)!.powerState).to.equal(PowerState.RUNNING);
      });

      it(`${vmState}: delete removes it`, async () => {
        const id = await boot();
        await settled(id, { [freeze]: null });
        expect((await c.t.request.delete(`${api}/servers/${id}`).set(as(c.t.tokens.demo))).status).to.equal(204);
        await c.t.services.tasks.idle();
        expect((await c.t.request.get(`${api}/servers/${id}`).set(as(c.t.tokens.demo))).status).to.equal(404);
        expect(driver.peek(id)).to.equal(undefined);
      });
    }
  });

  describe('who may', () => {
    let id: string;
    before(async () => { id = await boot(); });

    for (const action of ['pause', 'unpause', 'suspend', 'resume']) {
      it(`${action}: 404 for a server of another project or none at all`, async () => {
        expectFault(await act(id, { [action]: null }, c.t.tokens.alt), 404, 'itemNotFound', `Instance ${id} could not be found.`);
        const missing = randomUUID();
        expect((await act(missing, { [action]: null })).body).to.deep.equal(
          { itemNotFound: { code: 404, message: `Instance ${missing} could not be found.` } });
      });

      it(`${action}: 403 for a project reader`, async () => {
        expectFault(await act(id, { [action]: null }, c.t.tokens.reader), 403, 'forbidden');
      });
    }

    it("refuses a member on a locked server with Nova's 409 (checked before the state), not an admin", async () => {
      const locked = await boot();
      expect((await act(locked, { lock: null })).status).to.equal(202);
      for (const action of ['pause', 'unpause', 'suspend', 'resume']) {
        const res = await act(locked, { [action]: null });
        expect(res.body, action).to.deep.equal({ conflictingRequest: { code: 409, message: `Instance ${locked} is locked` } });
      }
      expect(state(await settled(locked, { suspend: null }, c.t.tokens.admin))[0]).to.equal('SUSPENDED');
      expect(state(await settled(locked, { resume: null }, c.t.tokens.admin))[0]).to.equal('ACTIVE');
      expect((await act(locked, { unlock: null })).status).to.equal(202);
    });

    it('leaves the server ACTIVE after the refusals; an admin may pause and unpause it', async () => {
      expect(state(await show(id))).to.deep.equal(['ACTIVE', 'active', null, PowerState.RUNNING]);
      expect(state(await settled(id, { pause: null }, c.t.tokens.admin))[0]).to.equal('PAUSED');
      expect(state(await settled(id, { unpause: null }, c.t.tokens.admin))[0]).to.equal('ACTIVE');
    });
  });

  describe('the list filters', () => {
    const lists = useComputeApp();
    const ids: Record<string, string> = {};
    before(async () => {
      for (const name of ['active', 'paused', 'suspended']) ids[name] = await lists.boot(name);
      expect((await act(ids.paused, { pause: null }, lists.t.tokens.demo, lists.t)).status).to.equal(202);
      expect((await act(ids.suspended, { suspend: null }, lists.t.tokens.demo, lists.t)).status).to.equal(202);
      await lists.t.services.tasks.idle();
    });

    const listed = async (status: string, path = 'servers') => {
      const res = await lists.t.request.get(`${api}/${path}?status=${status}`).set(as(lists.t.tokens.demo));
      expect(res.status, res.text).to.equal(200);
      return res.body.servers.map((s: { id: string }) => s.id);
    };

    it('?status=PAUSED and ?status=SUSPENDED list exactly those servers (any case, list and detail)', async () => {
      expect(await listed('PAUSED')).to.deep.equal([ids.paused]);
      expect(await listed('paused', 'servers/detail')).to.deep.equal([ids.paused]);
      expect(await listed('SUSPENDED')).to.deep.equal([ids.suspended]);
      expect(await listed('suspended', 'servers/detail')).to.deep.equal([ids.suspended]);
      expect(await listed('ACTIVE')).to.deep.equal([ids.active]);
    });
  });

  describe('a driver without the capability', () => {
    const bare = useComputeApp({ driver: new NoFreezeDriver() });

    it('answers 501 for pause and suspend of an ACTIVE server and leaves it as it was', async () => {
      const id = await bare.boot();
      for (const action of ['pause', 'suspend']) {
        const res = await act(id, { [action]: null }, bare.t.tokens.demo, bare.t);
        expect(res.status, action).to.equal(501);
        expect(res.body).to.deep.equal({ notImplemented: { code: 501, message: 'The requested functionality is not supported.' } });
      }
      const server = (await bare.t.request.get(`${api}/servers/${id}`).set(as(bare.t.tokens.demo))).body.server;
      expect(state(server)).to.deep.equal(['ACTIVE', 'active', null, PowerState.RUNNING]);
    });

    it("still answers Nova's 409 first for a state the action never accepts", async () => {
      const id = await bare.boot();
      expectFault(await act(id, { unpause: null }, bare.t.tokens.demo, bare.t), 409, 'conflictingRequest', `Cannot 'unpause' instance ${id} while it is in vm_state active`);
    });
  });

  describe('after a restart mid-action (recoverInterrupted → settle)', () => {
    /** puts the server in the state a dead process left: the task claimed, the engine as given */
    async function interrupted(task: string, vmState: string, engine: PowerState): Promise<string> {
      const id = await boot();
      await c.t.services.instances.update(id, { taskState: task as TaskState, vmState: vmState as never });
      driver.force(id, engine);
      await c.t.services.compute.recoverInterrupted();
      await c.t.services.tasks.idle();
      return id;
    }

    it('pausing, engine frozen → PAUSED; pausing, engine running → ACTIVE', async () => {
      expect(state(await show(await interrupted('pausing', 'active', PowerState.PAUSED)))).to.deep.equal(['PAUSED', 'paused', null, 3]);
      expect(state(await show(await interrupted('pausing', 'active', PowerState.RUNNING)))).to.deep.equal(['ACTIVE', 'active', null, 1]);
    });

    it('suspending or resuming, engine frozen (reported paused) → SUSPENDED with power_state 7', async () => {
      expect(state(await show(await interrupted('suspending', 'active', PowerState.PAUSED)))).to.deep.equal(['SUSPENDED', 'suspended', null, 7]);
      expect(state(await show(await interrupted('resuming', 'suspended', PowerState.PAUSED)))).to.deep.equal(['SUSPENDED', 'suspended', null, 7]);
    });

    it('unpausing, engine frozen → still PAUSED; engine running → ACTIVE', async () => {
      expect(state(await show(await interrupted('unpausing', 'paused', PowerState.PAUSED)))).to.deep.equal(['PAUSED', 'paused', null, 3]);
      expect(state(await show(await interrupted('unpausing', 'paused', PowerState.RUNNING)))).to.deep.equal(['ACTIVE', 'active', null, 1]);
    });
  });
});
