import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { makeTestApp } from '../helpers/app';
import { insertImage } from '../helpers/images';
import { API as api, as, bootServer, expectFault, useComputeApp } from '../helpers/compute-app';
import { FakeDriver } from '../../src/drivers/fake/driver';
import { DriverCapabilities, DriverInstance } from '../../src/drivers/driver';
import { DriverError, SetAdminPasswdNotSupported } from '../../src/errors';

const PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKZ1Thd7MnpQ0SM2/8bZUFnzyHwt5V/wWaVOr0VmcY+A test@novashim';

/** A fake whose password change can be held (to watch the task state), or made to fail per server name. */
class ScriptedPasswordDriver extends FakeDriver {
  private gate: Promise<void> | null = null;
  private release: (() => void) | null = null;

  hold(): void {
    this.gate = new Promise((resolve) => { this.release = resolve; });
  }

  open(): void {
    this.release?.();
    this.gate = null;
  }

  override async setAdminPassword(instance: DriverInstance, password: string): Promise<void> {
    if (this.gate) await this.gate;
    if (instance.hostname === 'no-shadow') throw new SetAdminPasswdNotSupported();
    if (instance.hostname === 'broken') throw new DriverError(`engine said no to ${password}`);
    return super.setAdminPassword(instance, password);
  }
}

class NoPasswordDriver extends FakeDriver {
  override readonly capabilities: DriverCapabilities = Object.freeze({ ...new FakeDriver().capabilities, setAdminPassword: false });
}

describe('compute API: key injection and changePassword', () => {
  const driver = new ScriptedPasswordDriver();
  const c = useComputeApp({ driver });
  const { boot } = c;

  const changePassword = (server: string, body: unknown, token = c.t.tokens.demo, app = c.t) =>
    app.request.post(`${api}/servers/${server}/action`).set(as(token)).send({ changePassword: body });
  const show = async (server: string, app = c.t) => (await app.request.get(`${api}/servers/${server}`).set(as(app.tokens.demo))).body.server;

  describe('key_name', () => {
    it("hands the keypair's public key to the driver at spawn", async () => {
      const kp = await c.t.request.post(`${api}/os-keypairs`).set(as(c.t.tokens.demo)).send({ keypair: { name: 'k1', public_key: PUBLIC_KEY } });
      expect(kp.status, kp.text).to.equal(200);
      const id = await boot({ name: 'keyed', key_name: 'k1' });
      expect((await show(id)).key_name).to.equal('k1');
      expect(driver.peek(id)!.authorizedKeys).to.deep.equal([PUBLIC_KEY]);
    });

    it('hands a generated key (the one whose private half the caller got) to the driver', async () => {
      const kp = await c.t.request.post(`${api}/os-keypairs`).set(as(c.t.tokens.demo)).send({ keypair: { name: 'generated' } });
      expect(kp.status, kp.text).to.equal(200);
      expect(kp.body.keypair.private_key).to.match(/BEGIN RSA PRIVATE KEY/);
      const id = await boot({ name: 'keyed2', key_name: 'generated' });
      expect(driver.peek(id)!.authorizedKeys).to.deep.equal([kp.body.keypair.public_key]);
    });

    it('hands no key without key_name', async () => {
      const id = await boot('keyless');
      expect(driver.peek(id)!.authorizedKeys).to.deep.equal([]);
    });
  });

  describe('changePassword', () => {
    it('answers 202 with no body and sets the password in the instance; the server stays ACTIVE', async () => {
      const id = await boot();
      const res = await changePassword(id, { adminPass: 'n3w-Pass:word é' });
      expect(res.status, res.text).to.equal(202);
      expect(res.text).to.equal('');
      expect(driver.peek(id)!.adminPassword).to.equal('n3w-Pass:word é');
      const server = await show(id);
      expect(server.status).to.equal('ACTIVE');
      expect(server['OS-EXT-STS:task_state']).to.equal(null);
      // the same request again works (an empty password too: Nova's schema is any string)
      expect((await changePassword(id, { adminPass: '' })).status).to.equal(202);
      expect(driver.peek(id)!.adminPassword).to.equal('');
    });

    it('records the changePassword instance action', async () => {
      const id = await boot();
      expect((await changePassword(id, { adminPass: 'secret' })).status).to.equal(202);
      const res = await c.t.request.get(`${api}/servers/${id}/os-instance-actions`).set(as(c.t.tokens.demo));
      expect(res.status, res.text).to.equal(200);
      expect(res.body.instanceActions.map((a: { action: string }) => a.action)).to.include('changePassword');
    });

    it('shows status PASSWORD (task_state updating_password) while it works, and refuses a second change with 409', async () => {
      const id = await boot();
      driver.hold();
      const pending = changePassword(id, { adminPass: 'first' }).then((r) => r);
      try {
        let server = await show(id);
        for (let i = 0; i < 50 && server['OS-EXT-STS:task_state'] === null; i++) {
          await new Promise((r) => setTimeout(r, 10));
          server = await show(id);
        }
        expect(server.status).to.equal('PASSWORD');
        expect(server['OS-EXT-STS:task_state']).to.equal('updating_password');
        expectFault(await changePassword(id, { adminPass: 'second' }), 409, 'conflictingRequest',
          `Cannot 'changePassword' instance ${id} while it is in task_state updating_password`);
        const list = await c.t.request.get(`${api}/servers?status=PASSWORD`).set(as(c.t.tokens.demo));
        expect(list.body.servers.map((s: { id: string }) => s.id)).to.include(id);
      } finally {
        driver.open();
      }
      expect((await pending).status).to.equal(202);
      expect((await show(id)).status).to.equal('ACTIVE');
      expect(driver.peek(id)!.adminPassword).to.equal('first');
    });

    it("answers 409 for a server that is not ACTIVE (Nova's check_instance_state)", async () => {
      const id = await boot();
      expect((await c.t.request.post(`${api}/servers/${id}/action`).set(as(c.t.tokens.demo)).send({ 'os-stop': null })).status).to.equal(202);
      await c.t.services.tasks.idle();
      const res = await changePassword(id, { adminPass: 'secret' });
      expect(res.status).to.equal(409);
      expect(res.body.conflictingRequest).to.deep.equal({
        code: 409, message: `Cannot 'changePassword' instance ${id} while it is in vm_state stopped`,
      });
      expect(driver.peek(id)!.adminPassword).to.equal(null);
    });

    it("answers 409 'Set admin password is not supported' when the image cannot hold a password", async () => {
      const id = await boot('no-shadow');
      expectFault(await changePassword(id, { adminPass: 'secret' }), 409, 'conflictingRequest', 'Set admin password is not supported');
      const server = await show(id);
      expect(server.status).to.equal('ACTIVE');
      expect(server['OS-EXT-STS:task_state']).to.equal(null);
    });

    it('answers 409 InstancePasswordSetFailed for any other driver failure, without what the engine said', async () => {
      const id = await boot('broken');
      const res = await changePassword(id, { adminPass: 'hunter2' });
      expectFault(res, 409, 'conflictingRequest', `Failed to set admin password on ${id} because error setting admin password`);
      expect(res.text).not.to.contain('hunter2');
      expect((await show(id)).status).to.equal('ACTIVE');
    });

    for (const body of [{}, { adminPass: 1 }, { adminPass: null }, { adminPass: 'x', extra: 1 }, null, 'x']) {
      it(`refuses ${JSON.stringify(body)} with 400`, async () => {
        const id = await boot();
        expectFault(await changePassword(id, body), 400, 'badRequest');
      });
    }

    it("answers 404 for a server that does not exist or is another project's", async () => {
      expectFault(await changePassword(randomUUID(), { adminPass: 'secret' }), 404, 'itemNotFound');
      const id = await boot();
      const foreign = await changePassword(id, { adminPass: 'secret' }, c.t.tokens.alt);
      expect(foreign.status).to.equal(404);
      expect(driver.peek(id)!.adminPassword).to.equal(null);
      expect((await changePassword(id, { adminPass: 'by-admin' }, c.t.tokens.admin)).status, 'an admin may').to.equal(202);
    });

    it('answers 403 to a reader', async () => {
      const id = await boot();
      const res = await changePassword(id, { adminPass: 'secret' }, c.t.tokens.reader);
      expect(res.status).to.equal(403);
      expect(driver.peek(id)!.adminPassword).to.equal(null);
    });

    it("answers 501 'Unable to set password on instance' when the driver cannot set passwords", async () => {
      const other = await makeTestApp({ driver: new NoPasswordDriver() });
      try {
        const id = await bootServer(other, await insertImage(other.db, other.projects.admin));
        const res = await changePassword(id, { adminPass: 'secret' }, other.tokens.demo, other);
        expect(res.status).to.equal(501);
        expect(res.body.notImplemented).to.deep.equal({ code: 501, message: 'Unable to set password on instance' });
        expect((await show(id, other)).status).to.equal('ACTIVE');
        expect((await show(id, other))['OS-EXT-STS:task_state']).to.equal(null);
      } finally {
        await other.close();
      }
    });
  });
});
