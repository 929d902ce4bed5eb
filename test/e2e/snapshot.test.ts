import fs from 'node:fs';
import { expect } from 'chai';
import type Docker from 'dockerode';
import { startLiveServer, LiveServer, FIXTURE_TAR } from '../helpers/live-server';
import { containerOf, dockerOrSkip, localDocker } from '../helpers/engine';
import { imageTag } from '../../src/drivers/docker/images';
import { SNAPSHOT_REPOSITORY } from '../../src/drivers/docker/snapshot';

/**
 * createImage end to end on the real Docker engine: a file written inside a running server's
 * container is in the snapshot, and a server booted from the snapshot sees it and runs the
 * original command.
 */
describe('createImage end to end (live novashim, real Docker engine)', function () {
  this.timeout(180_000);
  const docker = localDocker();
  let live: LiveServer;
  let base: string;
  let token: string;
  const servers: string[] = [];
  const images: string[] = [];

  before(async function () {
    await dockerOrSkip(this, docker);
    if (!fs.existsSync(FIXTURE_TAR)) throw new Error(`${FIXTURE_TAR} is missing: run fixtures/images/build-busybox.sh`);
    live = await startLiveServer();
    base = live.config.publicUrl;
    token = await login(base, live.env.demo);
  });

  after(async () => {
    if (!live) return;
    for (const id of servers) await call('DELETE', `/compute/v2.1/servers/${id}`).catch(() => undefined);
    for (const id of servers) await until(async () => (await call('GET', `/compute/v2.1/servers/${id}`)).status === 404, 60).catch(() => undefined);
    await live.stop();
    // the engine-side tags of images this run's server loaded (fresh ids, so only ours)
    for (const id of images) await docker.getImage(imageTag(id)).remove().catch(() => undefined);
  });

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await fetch(`${base}${path}`, {
      method, headers: { 'x-auth-token': token, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
  }

  async function bootActive(name: string, imageRef: string): Promise<string> {
    const res = await call('POST', '/compute/v2.1/servers', { server: { name, imageRef, flavorRef: '1' } });
    expect(res.status, JSON.stringify(res.json)).to.equal(202);
    const id = res.json.server.id as string;
    servers.push(id);
    await until(async () => {
      const s = (await call('GET', `/compute/v2.1/servers/${id}`)).json.server;
      if (s.status === 'ERROR') throw new Error(`server ${name} went to ERROR: ${JSON.stringify(s.fault)}`);
      return s.status === 'ACTIVE' && s['OS-EXT-STS:task_state'] === null;
    }, 90);
    return id;
  }

  it('snapshots a running server with a file written in it, and a server booted from the snapshot has the file', async () => {
    const listed = await call('GET', '/compute/v2.1/images?name=busybox');
    expect(listed.status).to.equal(200);
    const busybox = listed.json.images[0].id as string;
    images.push(busybox);

    const first = await bootActive('snap-source', busybox);
    const source = (await containerOf(docker, first))!;
    const marker = `written before the snapshot ${Date.now()}`;
    await exec(docker, source.Id, ['sh', '-c', `echo '${marker}' > /etc/novashim-marker`]);

    const res = await call('POST', `/compute/v2.1/servers/${first}/action`, { createImage: { name: 'e2e-snap', metadata: { purpose: 'e2e' } } });
    expect(res.status, JSON.stringify(res.json)).to.equal(202);
    const location = res.headers.get('location')!;
    expect(location).to.match(new RegExp(`^${base}/image/v2/images/[0-9a-f-]{36}$`));
    const snapshotId = location.slice(location.lastIndexOf('/') + 1);
    images.push(snapshotId);

    await until(async () => {
      const image = (await call('GET', `/compute/v2.1/images/${snapshotId}`)).json.image;
      if (image.status === 'ERROR' || image.status === 'DELETED') throw new Error(`snapshot went to ${image.status}`);
      return image.status === 'ACTIVE';
    }, 120);
    const image = (await call('GET', `/compute/v2.1/images/${snapshotId}`)).json.image;
    expect(image.metadata).to.include({ image_type: 'snapshot', instance_uuid: first, base_image_ref: busybox, purpose: 'e2e' });
    expect(image['OS-EXT-IMG-SIZE:size']).to.be.above(1000);
    await until(async () => (await call('GET', `/compute/v2.1/servers/${first}`)).json.server['OS-EXT-STS:task_state'] === null, 30);
    expect((await call('GET', `/compute/v2.1/servers/${first}`)).json.server.status).to.equal('ACTIVE');
    expect((await containerOf(docker, first))!.State.Running, 'the source runs on after the commit').to.equal(true);
    // the temporary engine tag of the commit is gone
    const leftovers = () => docker.listImages({ filters: { reference: [`${SNAPSHOT_REPOSITORY}:${first}-*`] } });
    await until(async () => (await leftovers()).length === 0, 5).catch(() => undefined);
    expect(await leftovers()).to.deep.equal([]);

    const second = await bootActive('snap-child', snapshotId);
    const child = (await containerOf(docker, second))!;
    expect(child.Id).to.not.equal(source.Id);
    expect(child.Config.Cmd, 'the original command').to.deep.equal(source.Config.Cmd);
    expect(child.Config.Labels['org.openstack.novashim.instance']).to.equal(second);
    expect(child.Config.Hostname).to.equal('snap-child');
    expect(await exec(docker, child.Id, ['cat', '/etc/novashim-marker'])).to.equal(`${marker}\n`);
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
