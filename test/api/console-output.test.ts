import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { makeTestApp } from '../helpers/app';
import { insertImage } from '../helpers/images';
import { API as api, as, bootServer, expectFault, useComputeApp } from '../helpers/compute-app';
import { FakeDriver } from '../../src/drivers/fake/driver';
import { DriverCapabilities, DriverFlavor, DriverImage, DriverInstance, DriverState } from '../../src/drivers/driver';

/** A fake whose console the test writes, and whose spawn fails for servers named "doomed". */
class ScriptedConsoleDriver extends FakeDriver {
  write(uuid: string, ...lines: string[]): void {
    this.instances.get(uuid)!.console.push(...lines);
  }

  override async spawn(instance: DriverInstance, image: DriverImage, flavor: DriverFlavor): Promise<DriverState> {
    if (instance.hostname === 'doomed') throw new Error('engine said no');
    return super.spawn(instance, image, flavor);
  }
}

class NoConsoleDriver extends FakeDriver {
  override readonly capabilities: DriverCapabilities = Object.freeze({ ...new FakeDriver().capabilities, consoleOutput: false });
}

describe('compute API: os-getConsoleOutput', () => {
  const driver = new ScriptedConsoleDriver();
  const c = useComputeApp({ driver });
  const { boot } = c;
  let id: string;

  const consoleOf = (server: string, body: unknown, token = c.t.tokens.demo, app = c.t) =>
    app.request.post(`${api}/servers/${server}/action`).set(as(token)).send({ 'os-getConsoleOutput': body });

  before(async () => {
    id = await boot();
    // the fake logged "booted …" at spawn; four more lines make five
    driver.write(id, 'line 2', 'line 3', 'line 4', 'line 5');
  });

  it('answers 200 with the whole log when length is absent, null or -1', async () => {
    for (const body of [{}, { length: null }, { length: -1 }, { length: '-1' }]) {
      const res = await consoleOf(id, body);
      expect(res.status, JSON.stringify(body)).to.equal(200);
      expect(res.body).to.have.all.keys('output');
      expect(res.body.output, JSON.stringify(body)).to.match(/^booted vm from image .*\nline 2\nline 3\nline 4\nline 5\n$/);
    }
  });

  it("cuts Nova's way: the last N parts of the log split on '\\n' (so tempest's length=3 gives 3 parts)", async () => {
    expect((await consoleOf(id, { length: 3 })).body.output).to.equal('line 4\nline 5\n');
    expect((await consoleOf(id, { length: 3 })).body.output.split('\n')).to.have.length(3);
    expect((await consoleOf(id, { length: '2' })).body.output).to.equal('line 5\n');
    expect((await consoleOf(id, { length: 0 })).body.output).to.equal('');
    expect((await consoleOf(id, { length: 1000 })).body.output.split('\n')).to.have.length(6);
  });

  it('strips control characters but \\n and \\t, as Nova does', async () => {
    const other = await boot();
    driver.write(other, '\x1b[1mbold\x1b[0m\tdone\r', 'bell\x07 and nul\x00 ok é');
    const res = await consoleOf(other, { length: 3 });
    expect(res.body.output).to.equal('[1mbold[0m\tdone\nbell and nul ok é\n');
  });

  for (const length of [-2, 1.5, 'abc', '-5', '', true, {}, [3]]) {
    it(`refuses length ${JSON.stringify(length)} with 400`, async () => {
      expectFault(await consoleOf(id, { length }), 400, 'badRequest', /^Invalid input for field\/attribute length\./);
    });
  }

  it('refuses other keys and a non-object body with 400', async () => {
    expect((await consoleOf(id, { length: 1, lines: 1 })).status).to.equal(400);
    expect((await consoleOf(id, null)).status).to.equal(400);
  });

  it("answers 404 for a server that does not exist or is another project's", async () => {
    expectFault(await consoleOf(randomUUID(), { length: 10 }), 404, 'itemNotFound');
    expectFault(await consoleOf(id, { length: 10 }, c.t.tokens.alt), 404, 'itemNotFound', `Instance ${id} could not be found.`);
    expect((await consoleOf(id, {}, c.t.tokens.admin)).status, 'an admin sees every project').to.equal(200);
  });

  it('works for a SHUTOFF server', async () => {
    const stopped = await boot();
    expect((await c.t.request.post(`${api}/servers/${stopped}/action`).set(as(c.t.tokens.demo)).send({ 'os-stop': null })).status).to.equal(202);
    await c.t.services.tasks.idle();
    expect((await c.t.request.get(`${api}/servers/${stopped}`).set(as(c.t.tokens.demo))).body.server.status).to.equal('SHUTOFF');
    const res = await consoleOf(stopped, { length: -1 });
    expect(res.status).to.equal(200);
    expect(res.body.output).to.match(/^booted vm/);
  });

  it('answers 409 InstanceNotReady for a server that has no container (spawn failed)', async () => {
    const doomed = await boot('doomed');
    expect((await c.t.request.get(`${api}/servers/${doomed}`).set(as(c.t.tokens.demo))).body.server.status).to.equal('ERROR');
    expectFault(await consoleOf(doomed, {}), 409, 'conflictingRequest', `Instance ${doomed} is not ready`);
  });

  it('answers 404 when the container is gone behind our back', async () => {
    const vanished = await boot();
    await driver.destroy({ uuid: vanished } as DriverInstance);
    expectFault(await consoleOf(vanished, {}), 404, 'itemNotFound', `Instance ${vanished} could not be found.`);
  });

  it('answers 501 notImplemented when the driver has no consoleOutput capability', async () => {
    const bare = await makeTestApp({ driver: new NoConsoleDriver() });
    try {
      const server = await bootServer(bare, await insertImage(bare.db, bare.projects.admin));
      const res = await consoleOf(server, {}, bare.tokens.demo, bare);
      expect(res.status).to.equal(501);
      expect(res.body).to.deep.equal({ notImplemented: { code: 501, message: 'The requested functionality is not supported.' } });
    } finally {
      await bare.close();
    }
  });

  it('keeps the other actions at 202 with no body, and refuses an inherited name like toString', async () => {
    const res = await c.t.request.post(`${api}/servers/${id}/action`).set(as(c.t.tokens.demo)).send({ reboot: { type: 'HARD' } });
    expect([res.status, res.text]).to.deep.equal([202, '']);
    await c.t.services.tasks.idle();
    const odd = await c.t.request.post(`${api}/servers/${id}/action`).set(as(c.t.tokens.demo)).send({ toString: {} });
    expectFault(odd, 400, 'badRequest', 'There is no such action: toString');
  });
});
