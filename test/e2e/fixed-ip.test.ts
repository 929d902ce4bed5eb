import fs from 'node:fs';
import { expect } from 'chai';
import { startLiveServer, LiveServer, FIXTURE_TAR } from '../helpers/live-server';
import { containerOf, dockerOrSkip, localDocker } from '../helpers/engine';
import { imageTag } from '../../src/drivers/docker/images';

/**
 * A server keeps its fixed IP across rebuild, as in Nova (tempest's test_rebuild_server compares
 * the addresses before and after), through the HTTP API of a live novashim on the real engine.
 */
describe('fixed IP across rebuild end to end (live server, real Docker engine)', function () {
  this.timeout(180_000);
  const docker = localDocker();
  let live: LiveServer;
  let token = '';
  let busybox = '';
  const servers: string[] = [];

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await fetch(`${live.config.publicUrl}${path}`, {
      method, headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async function waitFor(id: string, status: string): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
    let last = '';
    for (let i = 0; i < 240; i++) {
      const server = (await call('GET', `/compute/v2.1/servers/${id}`)).body.server;
      if (server.status === status && server['OS-EXT-STS:task_state'] === null) return server;
      last = `${server.status}/${server['OS-EXT-STS:task_state']} ${JSON.stringify(server.fault ?? '')}`;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`server ${id} never reached ${status} (last: ${last})`);
  }

  async function action(id: string, body: object): Promise<void> {
    const res = await call('POST', `/compute/v2.1/servers/${id}/action`, body);
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
  }

  async function boot(name: string): Promise<string> {
    const res = await call('POST', '/compute/v2.1/servers', { server: { name, imageRef: busybox, flavorRef: '1' } });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    servers.push(res.body.server.id);
    await waitFor(res.body.server.id, 'ACTIVE');
    return res.body.server.id;
  }

  const addressesOf = async (id: string) => (await waitFor(id, 'ACTIVE')).addresses;

  before(async function () {
    await dockerOrSkip(this, docker);
    if (!fs.existsSync(FIXTURE_TAR)) throw new Error(`${FIXTURE_TAR} is missing: run fixtures/images/build-busybox.sh`);
    live = await startLiveServer();
    const env = live.env.demo;
    const login = await fetch(`${env.OS_AUTH_URL}/auth/tokens`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: {
        identity: { methods: ['password'], password: { user: { name: env.OS_USERNAME, domain: { name: 'Default' }, password: env.OS_PASSWORD } } },
        scope: { project: { name: env.OS_PROJECT_NAME, domain: { name: 'Default' } } },
      } }),
    });
    token = login.headers.get('x-subject-token')!;
    busybox = (await call('GET', '/image/v2/images?name=busybox')).body.images[0].id;
  });

  after(async () => {
    if (!live) return;
    for (const id of servers) await call('DELETE', `/compute/v2.1/servers/${id}`).catch(() => undefined);
    await live.running.services.tasks.idle();
    await live.stop();
    if (busybox) await docker.getImage(imageTag(busybox)).remove().catch(() => undefined);
  });

  it('an ACTIVE server has the same addresses after rebuild, on the "private" network in novashim-private', async () => {
    const id = await boot('fixed-a');
    const before = await addressesOf(id);
    expect(Object.keys(before)).to.deep.equal(['private']);
    const container = (await containerOf(docker, id))!;
    expect(Object.keys(container.NetworkSettings.Networks)).to.deep.equal([live.config.privateNetwork]);
    await action(id, { rebuild: { imageRef: busybox } });
    await boot('fixed-b'); // a server created meanwhile does not take the address
    expect(await addressesOf(id)).to.deep.equal(before);
    expect((await containerOf(docker, id))!.Id).to.not.equal(container.Id);
  });

  it('a stopped server rebuilt and started again has its address back', async () => {
    const id = await boot('fixed-c');
    const before = await addressesOf(id);
    await action(id, { 'os-stop': null });
    await waitFor(id, 'SHUTOFF');
    await action(id, { rebuild: { imageRef: busybox } });
    await waitFor(id, 'SHUTOFF');
    await boot('fixed-d');
    await action(id, { 'os-start': null });
    expect(await addressesOf(id)).to.deep.equal(before);
  });
});
