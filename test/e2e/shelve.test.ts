import fs from 'node:fs';
import { expect } from 'chai';
import type Docker from 'dockerode';
import { startLiveServer, LiveServer, FIXTURE_TAR } from '../helpers/live-server';
import { containerOf, dockerOrSkip, localDocker } from '../helpers/engine';
import { imageTag } from '../../src/drivers/docker/images';

/**
 * shelve and unshelve end to end on the real Docker engine: a file written inside a running
 * server's container survives a shelve (container removed, SHELVED_OFFLOADED) and an unshelve
 * (a new container from the shelve snapshot, ACTIVE), and the snapshot image is deleted after.
 */
describe('shelve/unshelve end to end (live novashim, real Docker engine)', function () {
  this.timeout(240_000);
  const docker = localDocker();
  let live: LiveServer;
  let base: string;
  let token: string;
  let adminToken: string;
  const servers: string[] = [];
  const images: string[] = [];

  before(async function () {
    await dockerOrSkip(this, docker);
    if (!fs.existsSync(FIXTURE_TAR)) throw new Error(`${FIXTURE_TAR} is missing: run fixtures/images/build-busybox.sh`);
    live = await startLiveServer();
    base = live.config.publicUrl;
    token = await login(base, live.env.demo);
    adminToken = await login(base, live.env.admin);
  });

  after(async () => {
    if (!live) return;
    for (const id of servers) await call('DELETE', `/compute/v2.1/servers/${id}`).catch(() => undefined);
    for (const id of servers) await until(async () => (await call('GET', `/compute/v2.1/servers/${id}`)).status === 404, 60).catch(() => undefined);
    await live.stop();
    // the engine-side tags of images this run's server loaded (fresh ids, so only ours)
    for (const id of images) await docker.getImage(imageTag(id)).remove().catch(() => undefined);
  });

  async function call(method: string, path: string, body?: unknown, as = token): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await fetch(`${base}${path}`, {
      method, headers: { 'x-auth-token': as, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = text; } // Glance's 404 is not JSON
    return { status: res.status, json };
  }

  const server = async (id: string) => (await call('GET', `/compute/v2.1/servers/${id}`, undefined, adminToken)).json.server;

  async function waitFor(id: string, status: string, seconds = 120) {
    await until(async () => {
      const s = await server(id);
      if (s.status === 'ERROR') throw new Error(`server went to ERROR: ${JSON.stringify(s.fault)}`);
      return s.status === status && s['OS-EXT-STS:task_state'] === null;
    }, seconds).catch(async (err) => {
      const s = await server(id);
      throw new Error(`${err.message}: waiting for ${status}, server is ${s.status}/${s['OS-EXT-STS:task_state']} ${JSON.stringify(s.fault ?? null)}`);
    });
    return server(id);
  }

  async function bootActive(name: string, imageRef: string): Promise<string> {
    const res = await call('POST', '/compute/v2.1/servers', { server: { name, imageRef, flavorRef: '1' } });
    expect(res.status, JSON.stringify(res.json)).to.equal(202);
    const id = res.json.server.id as string;
    servers.push(id);
    await waitFor(id, 'ACTIVE', 90);
    return id;
  }

  async function busybox(): Promise<string> {
    const listed = await call('GET', '/compute/v2.1/images?name=busybox');
    expect(listed.status).to.equal(200);
    const id = listed.json.images[0].id as string;
    images.push(id);
    return id;
  }

  it('keeps a file written in the container across shelve (offloaded, container gone) and unshelve (a new container)', async () => {
    const id = await bootActive('shelf', await busybox());
    const first = (await containerOf(docker, id))!;
    const marker = `written before the shelve ${Date.now()}`;
    await exec(docker, first.Id, ['sh', '-c', `echo '${marker}' > /etc/novashim-marker`]);

    const res = await call('POST', `/compute/v2.1/servers/${id}/action`, { shelve: null });
    expect(res.status, JSON.stringify(res.json)).to.equal(202);
    const shelved = await waitFor(id, 'SHELVED_OFFLOADED');
    expect(shelved['OS-EXT-STS:vm_state']).to.equal('shelved_offloaded');
    expect(shelved['OS-EXT-SRV-ATTR:host']).to.equal(null);
    expect(await containerOf(docker, id), 'the container is removed').to.equal(null);
    await docker.getContainer(first.Id).inspect().then(() => expect.fail('the old container still exists'), () => undefined);

    const listed = await call('GET', `/image/v2/images?name=shelf-shelved`);
    expect(listed.json.images).to.have.length(1);
    const snap = listed.json.images[0];
    images.push(snap.id);
    expect(snap).to.include({ status: 'active', image_type: 'snapshot', instance_uuid: id });

    const un = await call('POST', `/compute/v2.1/servers/${id}/action`, { unshelve: null });
    expect(un.status, JSON.stringify(un.json)).to.equal(202);
    const back = await waitFor(id, 'ACTIVE');
    expect(back.id).to.equal(id);
    expect(back.name).to.equal('shelf');
    const second = (await containerOf(docker, id))!;
    expect(second.Id).to.not.equal(first.Id);
    expect(second.State.Running).to.equal(true);
    expect(second.Config.Hostname).to.equal('shelf');
    expect(second.Config.Cmd, 'the original command').to.deep.equal(first.Config.Cmd);
    expect(await exec(docker, second.Id, ['cat', '/etc/novashim-marker'])).to.equal(`${marker}\n`);
    expect(back.addresses).to.not.deep.equal({});
    await until(async () => (await call('GET', `/image/v2/images/${snap.id}`, undefined, adminToken)).status === 404, 10);
  });

  it('shelves a paused server (stopped from frozen) and unshelves it', async () => {
    const id = await bootActive('frozen-shelf', await busybox());
    expect((await call('POST', `/compute/v2.1/servers/${id}/action`, { pause: null })).status).to.equal(202);
    await waitFor(id, 'PAUSED', 30);
    expect((await call('POST', `/compute/v2.1/servers/${id}/action`, { shelve: null })).status).to.equal(202);
    await waitFor(id, 'SHELVED_OFFLOADED');
    expect(await containerOf(docker, id)).to.equal(null);
    const snap = (await call('GET', `/image/v2/images?name=frozen-shelf-shelved`)).json.images[0];
    images.push(snap.id);
    expect((await call('POST', `/compute/v2.1/servers/${id}/action`, { unshelve: null })).status).to.equal(202);
    await waitFor(id, 'ACTIVE');
    expect((await containerOf(docker, id))!.State.Running).to.equal(true);
  });
});

async function login(base: string, env: NodeJS.ProcessEnv): Promise<string> {
  const res = await fetch(`${base}/identity/v3/auth/tokens`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: env.OS_USERNAME, domain: { name: env.OS_USER_DOMAIN_NAME ?? 'Default' }, password: env.OS_PASSWORD } } },
        scope: { project: { name: env.OS_PROJECT_NAME, domain: { name: env.OS_PROJECT_DOMAIN_NAME ?? 'Default' } } },
      },
    }),
  });
  if (res.status !== 201) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return res.headers.get('x-subject-token')!;
}

/** runs a command in a container with a TTY (plain output, no stream frames); fails on a non-zero exit */
async function exec(docker: Docker, containerId: string, cmd: string[]): Promise<string> {
  const run = await docker.getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: true });
  const stream = await run.start({ hijack: true, stdin: false, Tty: true });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  const exitCode = (await run.inspect()).ExitCode;
  const output = Buffer.concat(chunks).toString('utf8').replace(/\r\n/g, '\n');
  if (exitCode !== 0) throw new Error(`${cmd.join(' ')} exited ${exitCode}: ${output}`);
  return output;
}

async function until(check: () => Promise<boolean>, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not reached within ${seconds}s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
