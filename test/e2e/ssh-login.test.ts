import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { Client } from 'ssh2';
import { startLiveServer, LiveServer, REPO } from '../helpers/live-server';
import { containerOf, dockerOrSkip, localDocker } from '../helpers/engine';
import { imageTag } from '../../src/drivers/docker/images';

const run = promisify(execFile);
const SSHD_TAR = path.join(REPO, 'fixtures/images/sshd.tar');
const BUILD_SSHD = path.join(REPO, 'fixtures/images/build-sshd.sh');

type SshAuth = { privateKey: string } | { password: string };

/** runs one command over SSH as root; rejects on connection or authentication failure */
function sshExec(host: string, auth: SshAuth, command: string): Promise<{ stdout: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const conn = new Client();
    conn.on('ready', () => {
      conn.exec(command, (err, stream) => {
        if (err) { conn.end(); reject(err); return; }
        let stdout = '';
        stream.on('data', (d: Buffer) => { stdout += d.toString(); });
        stream.stderr.on('data', () => undefined);
        stream.on('close', (code: number | null) => { conn.end(); resolve({ stdout, code }); });
      });
    }).on('error', reject).connect({
      host, port: 22, username: 'root', ...auth, readyTimeout: 10_000,
      tryKeyboard: false, hostVerifier: () => true, // a fresh container has fresh host keys
    });
  });
}

/** retries while sshd is still starting (connection refused) */
async function sshWhenUp(host: string, auth: SshAuth, command: string): Promise<{ stdout: string; code: number | null }> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await sshExec(host, auth, command);
    } catch (err) {
      const refused = /ECONNREFUSED|EHOSTUNREACH|ETIMEDOUT|Timed out/.test(String(err));
      if (!refused || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

/**
 * A keypair made through the API, a server booted from the sshd fixture image with that key_name,
 * and a real SSH login as root over the container's fixed IP; then changePassword and a login with
 * the new password. Live novashim, real Docker engine.
 */
describe('SSH into a server end to end (keypair, changePassword; real Docker engine)', function () {
  this.timeout(300_000);
  const docker = localDocker();
  let live: LiveServer;
  let token: string;
  let compute: string;
  let serverId: string | null = null;
  let imageId: string | null = null;

  async function call(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await fetch(url, {
      method, headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async function waitForStatus(id: string, status: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
    for (let i = 0; i < 240; i++) {
      const { body } = await call('GET', `${compute}/servers/${id}`);
      if (body.server.status === status) return body.server;
      if (body.server.status === 'ERROR') throw new Error(`server ${id} went to ERROR: ${JSON.stringify(body.server.fault)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`server ${id} never reached ${status}`);
  }

  before(async function () {
    await dockerOrSkip(this, docker);
    // the fixture is built here when missing (the script is idempotent and offline); a build that
    // fails makes the suite fail, never skip
    if (!fs.existsSync(SSHD_TAR)) await run(BUILD_SSHD, [], { cwd: REPO, timeout: 280_000 });
    if (!fs.existsSync(SSHD_TAR)) throw new Error(`${SSHD_TAR} is missing after ${BUILD_SSHD}`);
    live = await startLiveServer();
    const env = live.env.demo;
    const auth = await fetch(`${env.OS_AUTH_URL}/auth/tokens`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: env.OS_USERNAME, domain: { name: 'Default' }, password: env.OS_PASSWORD } } },
          scope: { project: { name: env.OS_PROJECT_NAME, domain: { name: 'Default' } } },
        },
      }),
    });
    expect(auth.status).to.equal(201);
    token = auth.headers.get('x-subject-token')!;
    compute = `${live.config.publicUrl}/compute/v2.1`;
  });

  after(async () => {
    if (serverId && live) {
      await call('DELETE', `${compute}/servers/${serverId}`).catch(() => undefined);
      for (let i = 0; i < 80 && (await containerOf(docker, serverId)); i++) await new Promise((r) => setTimeout(r, 250));
    }
    await live?.stop();
    // the engine tag this run's image got (the fixture's own tag keeps the layers)
    if (imageId) await docker.getImage(imageTag(imageId)).remove().catch(() => undefined);
  });

  it('logs in as root with the private key of a generated keypair, then with the password changePassword set', async () => {
    const kp = await call('POST', `${compute}/os-keypairs`, { keypair: { name: 'e2e-ssh' } });
    expect(kp.status).to.equal(200);
    const privateKey: string = kp.body.keypair.private_key;

    const images = await call('GET', `${live.config.publicUrl}/image/v2/images?name=sshd`);
    expect(images.body.images, 'the sshd fixture image is registered').to.have.length(1);
    imageId = images.body.images[0].id as string;

    const created = await call('POST', `${compute}/servers`, {
      server: { name: 'ssh-e2e', imageRef: images.body.images[0].id, flavorRef: '1', key_name: 'e2e-ssh' },
    });
    expect(created.status).to.equal(202);
    serverId = created.body.server.id as string;
    const server = await waitForStatus(serverId, 'ACTIVE');
    expect(server.key_name).to.equal('e2e-ssh');
    const ip: string = server.addresses.private[0].addr;

    const byKey = await sshWhenUp(ip, { privateKey }, 'hostname; id -u');
    expect(byKey).to.deep.equal({ stdout: 'ssh-e2e\n0\n', code: 0 });

    // root's password starts locked: no password logs in
    await expectAuthFailure(sshExec(ip, { password: 'n3w-Root pass' }, 'true'));

    const change = await call('POST', `${compute}/servers/${serverId}/action`, { changePassword: { adminPass: 'n3w-Root pass' } });
    expect(change.status).to.equal(202);
    expect(change.body).to.equal(null);
    expect((await call('GET', `${compute}/servers/${serverId}`)).body.server.status).to.equal('ACTIVE');

    const byPassword = await sshExec(ip, { password: 'n3w-Root pass' }, 'hostname');
    expect(byPassword).to.deep.equal({ stdout: 'ssh-e2e\n', code: 0 });
    await expectAuthFailure(sshExec(ip, { password: 'wrong' }, 'true'));

    // and /etc/shadow holds a SHA-512 crypt hash for root
    const shadow = (await sshExec(ip, { privateKey }, 'grep ^root: /etc/shadow')).stdout;
    expect(shadow).to.match(/^root:\$6\$[^:]+:\d+:/);
  });

  async function expectAuthFailure(attempt: Promise<unknown>): Promise<void> {
    try {
      await attempt;
    } catch (err) {
      expect(String(err)).to.match(/authentication methods failed/);
      return;
    }
    throw new Error('the login should have been refused');
  }
});
