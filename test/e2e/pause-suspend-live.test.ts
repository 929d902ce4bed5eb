import fs from 'node:fs';
import { expect } from 'chai';
import { startLiveServer, LiveServer, FIXTURE_TAR } from '../helpers/live-server';
import { login } from '../helpers/live-api';
import { containerOf, dockerOrSkip, localDocker } from '../helpers/engine';
import { start as startService, Running } from '../../src/main';
import { silentLogger } from '../../src/log';

/**
 * pause/unpause and suspend/resume through the HTTP API of a live novashim on the real Docker
 * engine: the statuses and power states Nova shows, the container really frozen, and a restart of
 * the service while a server is suspended keeping it SUSPENDED (not ACTIVE, not SHUTOFF).
 */
describe('pause and suspend end to end (live server, real Docker engine)', function () {
  this.timeout(180_000);
  const docker = localDocker();
  let live: LiveServer;
  let base = '';
  let token = '';
  let imageId = '';
  const servers: string[] = [];
  /** the service after the restart, when the test restarted it (live.stop only stops the first) */
  let restarted: Running | null = null;
  const running = () => restarted ?? live.running;

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await fetch(`${base}${path}`, {
      method, headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async function signIn(): Promise<void> {
    token = await login(live.env.demo);
  }

  async function waitFor(id: string, status: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 120; i++) {
      const server = (await call('GET', `/compute/v2.1/servers/${id}`)).body.server;
      if (server.status === status && server['OS-EXT-STS:task_state'] === null) return server;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`server ${id} never reached ${status}`);
  }

  async function action(id: string, body: object): Promise<void> {
    const res = await call('POST', `/compute/v2.1/servers/${id}/action`, body);
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
  }

  async function boot(name: string): Promise<string> {
    const res = await call('POST', '/compute/v2.1/servers', { server: { name, imageRef: imageId, flavorRef: '1' } });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    servers.push(res.body.server.id);
    await waitFor(res.body.server.id, 'ACTIVE');
    return res.body.server.id;
  }

  /** the base URL, a demo token and the busybox image id (again after a restart) */
  async function start(): Promise<void> {
    base = live.config.publicUrl;
    await signIn();
    const images = (await call('GET', '/image/v2/images?name=busybox')).body.images;
    imageId = images[0].id;
  }

  before(async function () {
    await dockerOrSkip(this, docker);
    if (!fs.existsSync(FIXTURE_TAR)) throw new Error(`${FIXTURE_TAR} is missing: run fixtures/images/build-busybox.sh`);
    live = await startLiveServer();
    await start();
  });
  after(async () => {
    if (!live) return;
    for (const id of servers) await call('DELETE', `/compute/v2.1/servers/${id}`).catch(() => undefined);
    await running().services.tasks.idle();
    if (!restarted) return live.stop();
    await restarted.stop();
    fs.rmSync(live.config.dataDir, { recursive: true, force: true });
  });

  it('pause → PAUSED (power 3, container frozen) → unpause → ACTIVE; delete of a paused server removes its container', async () => {
    const id = await boot('pz');
    await action(id, { pause: null });
    const paused = await waitFor(id, 'PAUSED');
    expect([paused['OS-EXT-STS:vm_state'], paused['OS-EXT-STS:power_state']]).to.deep.equal(['paused', 3]);
    expect((await containerOf(docker, id))!.State.Paused).to.equal(true);
    const stop = await call('POST', `/compute/v2.1/servers/${id}/action`, { 'os-stop': null });
    expect(stop.body).to.deep.equal({ conflictingRequest: { code: 409, message: `Cannot 'stop' instance ${id} while it is in vm_state paused` } });

    await action(id, { unpause: null });
    const active = await waitFor(id, 'ACTIVE');
    expect(active['OS-EXT-STS:power_state']).to.equal(1);
    expect((await containerOf(docker, id))!.State.Paused).to.equal(false);

    await action(id, { pause: null });
    await waitFor(id, 'PAUSED');
    expect((await call('DELETE', `/compute/v2.1/servers/${id}`)).status).to.equal(204);
    await running().services.tasks.idle();
    expect((await call('GET', `/compute/v2.1/servers/${id}`)).status).to.equal(404);
    expect(await containerOf(docker, id)).to.equal(null);
  });

  it('suspend → SUSPENDED with power 7 though Docker says paused; it stays SUSPENDED across a restart mid-resume; resume → ACTIVE', async () => {
    const id = await boot('sz');
    await action(id, { suspend: null });
    const suspended = await waitFor(id, 'SUSPENDED');
    expect([suspended['OS-EXT-STS:vm_state'], suspended['OS-EXT-STS:power_state']]).to.deep.equal(['suspended', 7]);
    expect((await containerOf(docker, id))!.State.Paused).to.equal(true);
    const listed = (await call('GET', '/compute/v2.1/servers?status=SUSPENDED')).body.servers.map((s: { id: string }) => s.id);
    expect(listed).to.deep.equal([id]);

    // a restart that finds the server mid-resume, its container still frozen: it settles as SUSPENDED
    await live.running.services.instances.update(id, { taskState: 'resuming' });
    await live.running.stop();
    restarted = await startService(live.config, silentLogger());
    await restarted.services.tasks.idle();
    await start();
    const settled = await waitFor(id, 'SUSPENDED');
    expect([settled['OS-EXT-STS:vm_state'], settled['OS-EXT-STS:power_state']]).to.deep.equal(['suspended', 7]);

    await action(id, { resume: null });
    const active = await waitFor(id, 'ACTIVE');
    expect(active['OS-EXT-STS:power_state']).to.equal(1);
    expect((await containerOf(docker, id))!.State.Running).to.equal(true);
  });
});
