import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { makeTestApp, TestApp } from '../helpers/app';
import { insertImage } from '../helpers/images';
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
  const api = '/compute/v2.1';
  const as = (token: string) => ({ 'x-auth-token': token });
  const driver = new ScriptedConsoleDriver();
  let t: TestApp;
  let image: string;
  let id: string;

  async function boot(app: TestApp, name = 'vm'): Promise<string> {
    const img = app === t ? image : await insertImage(app.db, app.projects.admin);
    const res = await app.request.post(`${api}/servers`).set(as(app.tokens.demo)).send({ server: { name, imageRef: img, flavorRef: '1' } });
    expect(res.status, res.text).to.equal(202);
    await app.services.tasks.idle();
    return res.body.server.id as string;
  }

  const consoleOf = (server: string, body: unknown, token = t.tokens.demo, app = t) =>
    app.request.post(`${api}/servers/${server}/action`).set(as(token)).send({ 'os-getConsoleOutput': body });

  before(async () => {
    t = await makeTestApp({ driver });
    image = await insertImage(t.db, t.projects.admin);
    id = await boot(t);
    // the fake logged "booted …" at spawn; four more lines make five
    driver.write(id, 'line 2', 'line 3', 'line 4', 'line 5');
  });
  after(async () => { await t.close(); });

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
    const other = await boot(t);
    driver.write(other, '\x1b[1mbold\x1b[0m\tdone\r', 'bell\x07 and nul\x00 ok é');
    const res = await consoleOf(other, { length: 3 });
    expect(res.body.output).to.equal('[1mbold[0m\tdone\nbell and nul ok é\n');
  });

  for (const length of [-2, 1.5, 'abc', '-5', '', true, {}, [3]]) {
    it(`refuses length ${JSON.stringify(length)} with 400`, async () => {
      const res = await consoleOf(id, { length });
      expect(res.status).to.equal(400);
      expect(res.body.badRequest.message).to.match(/^Invalid input for field\/attribute length\./);
    });
  }

  it('refuses other keys and a non-object body with 400', async () => {
    expect((await consoleOf(id, { length: 1, lines: 1 })).status).to.equal(400);
    expect((await consoleOf(id, null)).status).to.equal(400);
  });

  it("answers 404 for a server that does not exist or is another project's", async () => {
    const missing = await consoleOf(randomUUID(), { length: 10 });
    expect(missing.status).to.equal(404);
    expect(missing.body.itemNotFound.code).to.equal(404);
    const foreign = await consoleOf(id, { length: 10 }, t.tokens.alt);
    expect(foreign.status).to.equal(404);
    expect(foreign.body.itemNotFound.message).to.equal(`Instance ${id} could not be found.`);
    expect((await consoleOf(id, {}, t.tokens.admin)).status, 'an admin sees every project').to.equal(200);
  });

  it('works for a SHUTOFF server', async () => {
    const stopped = await boot(t);
    expect((await t.request.post(`${api}/servers/${stopped}/action`).set(as(t.tokens.demo)).send({ 'os-stop': null })).status).to.equal(202);
    await t.services.tasks.idle();
    expect((await t.request.get(`${api}/servers/${stopped}`).set(as(t.tokens.demo))).body.server.status).to.equal('SHUTOFF');
    const res = await consoleOf(stopped, { length: -1 });
    expect(res.status).to.equal(200);
    expect(res.body.output).to.match(/^booted vm/);
  });

  it('answers 409 InstanceNotReady for a server that has no container (spawn failed)', async () => {
    const doomed = await boot(t, 'doomed');
    expect((await t.request.get(`${api}/servers/${doomed}`).set(as(t.tokens.demo))).body.server.status).to.equal('ERROR');
    const res = await consoleOf(doomed, {});
    expect(res.status).to.equal(409);
    expect(res.body.conflictingRequest.message).to.equal(`Instance ${doomed} is not ready`);
  });

  it('answers 404 when the container is gone behind our back', async () => {
    const vanished = await boot(t);
    await driver.destroy({ uuid: vanished } as DriverInstance);
    const res = await consoleOf(vanished, {});
    expect(res.status).to.equal(404);
    expect(res.body.itemNotFound.message).to.equal(`Instance ${vanished} could not be found.`);
  });

  it('answers 501 notImplemented when the driver has no consoleOutput capability', async () => {
    const bare = await makeTestApp({ driver: new NoConsoleDriver() });
    try {
      const server = await boot(bare);
      const res = await consoleOf(server, {}, bare.tokens.demo, bare);
      expect(res.status).to.equal(501);
      expect(res.body).to.deep.equal({ notImplemented: { code: 501, message: 'The requested functionality is not supported.' } });
    } finally {
      await bare.close();
    }
  });

  it('keeps the other actions at 202 with no body, and refuses an inherited name like toString', async () => {
    const res = await t.request.post(`${api}/servers/${id}/action`).set(as(t.tokens.demo)).send({ reboot: { type: 'HARD' } });
    expect([res.status, res.text]).to.deep.equal([202, '']);
    await t.services.tasks.idle();
    const odd = await t.request.post(`${api}/servers/${id}/action`).set(as(t.tokens.demo)).send({ toString: {} });
    expect(odd.status).to.equal(400);
    expect(odd.body.badRequest.message).to.equal('There is no such action: toString');
  });
});
