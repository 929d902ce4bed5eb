import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import WebSocket from 'ws';
import { startLiveServer, LiveServer, REPO } from '../helpers/live-server';
import { containerOf, dockerOrSkip, localDocker } from '../helpers/engine';

const run = promisify(execFile);

/**
 * The serial console end to end: a live novashim on the real Docker engine, a busybox server, its
 * console URL from os-getSerialConsole, a websocket client typing into the container's TTY.
 */
describe('serial console end to end (real Docker engine, websocket client)', function () {
  this.timeout(180_000);
  const docker = localDocker();
  let live: LiveServer;
  let token: string;
  let serverId: string | null = null;

  const api = (p: string) => `${live.config.publicUrl}/compute/v2.1${p}`;

  async function call(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await fetch(api(p), {
      method, headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async function consoleUrl(id: string): Promise<string> {
    const res = await call('POST', `/servers/${id}/action`, { 'os-getSerialConsole': { type: 'serial' } });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.console.url as string;
  }

  before(async function () {
    await dockerOrSkip(this, docker);
    // the fixture's init offers a shell on the TTY; the script rebuilds the tarball only if it changed
    await run(path.join(REPO, 'fixtures/images/build-busybox.sh'), [], { cwd: REPO });
    live = await startLiveServer();
    const login = await fetch(`${live.config.publicUrl}/identity/v3/auth/tokens`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: {
        identity: { methods: ['password'], password: { user: { name: 'demo', domain: { name: 'Default' }, password: live.config.demoPassword } } },
        scope: { project: { name: 'demo', domain: { name: 'Default' } } },
      } }),
    });
    expect(login.status).to.equal(201);
    token = login.headers.get('x-subject-token')!;
  });

  after(async () => {
    if (serverId) {
      await call('DELETE', `/servers/${serverId}`).catch(() => undefined);
      for (let i = 0; i < 60 && (await containerOf(docker, serverId)); i++) await new Promise((r) => setTimeout(r, 250));
    }
    await live?.stop();
  });

  it('types into the container console and reads the answer; the token works once', async () => {
    const images = await call('GET', '/images');
    const busybox = images.body.images.find((i: { name: string }) => i.name === 'busybox');
    expect(busybox, 'the busybox fixture image').to.not.equal(undefined);
    const created = await call('POST', '/servers', { server: { name: 'console-e2e', imageRef: busybox.id, flavorRef: '1' } });
    expect(created.status, JSON.stringify(created.body)).to.equal(202);
    serverId = created.body.server.id as string;
    for (let i = 0; i < 120; i++) {
      const shown = await call('GET', `/servers/${serverId}`);
      if (shown.body.server.status !== 'BUILD') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect((await call('GET', `/servers/${serverId}`)).body.server.status).to.equal('ACTIVE');

    const url = await consoleUrl(serverId);
    expect(url).to.match(new RegExp(`^ws://127\\.0\\.0\\.1:${live.config.port}/compute/serial-console\\?token=`));

    const ws = new WebSocket(url, ['binary']);
    let seen = '';
    ws.on('message', (data: Buffer) => { seen += data.toString('utf8'); });
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    try {
      // the first line typed activates the console (the fixture's askfirst), so type until it answers;
      // the answer is computed, so the TTY's echo of the command cannot pass for it
      const deadline = Date.now() + 20_000;
      while (!seen.includes('novashim-42') && Date.now() < deadline) {
        ws.send(Buffer.from('echo novashim-$((6*7))\n'));
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(seen).to.include('novashim-42');
      expect(seen).to.include('echo novashim-$((6*7))'); // the TTY echoes what was typed

      // the same token a second time: refused before any websocket exists
      const status = await new Promise<number>((resolve, reject) => {
        const again = new WebSocket(url, ['binary']);
        again.once('open', () => { again.terminate(); reject(new Error('a used token opened a console')); });
        again.once('unexpected-response', (_req, res) => { res.resume(); resolve(res.statusCode ?? 0); });
        again.once('error', reject);
      });
      expect(status).to.equal(401);
    } finally {
      ws.close();
    }

    // what was typed is on the console, so the console log shows it too (a TTY keeps both)
    const output = await call('POST', `/servers/${serverId}/action`, { 'os-getConsoleOutput': {} });
    expect(output.status).to.equal(200);
    expect(output.body.output).to.include('novashim busybox up').and.include('novashim-42');
  });

  it('closes the websocket when the server stops, and a stopped server has no console (409)', async () => {
    expect(serverId, 'the server of the first test').to.not.equal(null);
    const ws = new WebSocket(await consoleUrl(serverId!), ['binary']);
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    expect((await call('POST', `/servers/${serverId}/action`, { 'os-stop': null })).status).to.equal(202);
    expect(await closed).to.be.oneOf([1000, 1006]);
    for (let i = 0; i < 120; i++) {
      if ((await call('GET', `/servers/${serverId}`)).body.server.status === 'SHUTOFF') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const res = await call('POST', `/servers/${serverId}/action`, { 'os-getSerialConsole': { type: 'serial' } });
    expect(res.status).to.equal(409);
    expect(res.body.conflictingRequest.message).to.equal(`Instance ${serverId} is not ready`);
  });
});
