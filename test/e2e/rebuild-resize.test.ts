import fs from 'node:fs';
import { expect } from 'chai';
import { startLiveServer, LiveServer, FIXTURE_TAR } from '../helpers/live-server';
import { containerOf, dockerOrSkip, localDocker } from '../helpers/engine';
import { EngineFixtures } from '../drivers/docker-fixtures';
import { imageTag } from '../../src/drivers/docker/images';
import { INSTANCE_LABEL, PROJECT_LABEL } from '../../src/drivers/docker/labels';

const MIB = 1024 * 1024;

/**
 * rebuild and resize through the HTTP API of a live novashim on the real Docker engine: the
 * container's limits after resize / revert / confirm, and after rebuild a new container from the
 * new image with the same hostname and labels under the same server id.
 */
describe('rebuild and resize end to end (live server, real Docker engine)', function () {
  this.timeout(180_000);
  const docker = localDocker();
  const fixtures = new EngineFixtures(docker);
  let live: LiveServer;
  let token = '';
  let busybox = '';
  /** a second image: busybox whose CMD first prints "rebuilt from the variant" */
  let variant = '';
  const servers: string[] = [];

  async function call(method: string, path: string, body?: unknown, raw?: Buffer): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await fetch(`${live.config.publicUrl}${path}`, {
      method,
      headers: { 'x-auth-token': token, 'content-type': raw ? 'application/octet-stream' : 'application/json' },
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
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

  async function action(id: string, body: object, expected = 202) {
    const res = await call('POST', `/compute/v2.1/servers/${id}/action`, body);
    expect(res.status, JSON.stringify(res.body)).to.equal(expected);
    return res.body;
  }

  async function boot(name: string, extra: object = {}): Promise<string> {
    const res = await call('POST', '/compute/v2.1/servers', { server: { name, imageRef: busybox, flavorRef: '1', ...extra } });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    servers.push(res.body.server.id);
    await waitFor(res.body.server.id, 'ACTIVE');
    return res.body.server.id;
  }

  const limits = async (id: string) => {
    const c = (await containerOf(docker, id))!;
    return { Memory: c.HostConfig.Memory, MemorySwap: c.HostConfig.MemorySwap, NanoCpus: c.HostConfig.NanoCpus };
  };

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

    await fixtures.buildBusybox();
    const script = 'echo "rebuilt from the variant"; while :; do sleep 1; done';
    const tarball = await fixtures.variant('rebuild-target', [`CMD ["/bin/sh", "-c", ${JSON.stringify(script)}]`]);
    const created = await call('POST', '/image/v2/images', { name: 'rebuild-target', container_format: 'docker', disk_format: 'raw' });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    variant = created.body.id;
    expect((await call('PUT', `/image/v2/images/${variant}/file`, undefined, fs.readFileSync(tarball))).status).to.equal(204);
  });

  after(async () => {
    if (!live) return;
    for (const id of servers) await call('DELETE', `/compute/v2.1/servers/${id}`).catch(() => undefined);
    await live.running.services.tasks.idle();
    await live.stop();
    // the engine tags this run's images got (both ids are new with every live server)
    for (const image of [variant, busybox].filter(Boolean)) await docker.getImage(imageTag(image)).remove().catch(() => undefined);
    await fixtures.cleanup();
  });

  it('resize → VERIFY_RESIZE with the new Memory/NanoCpus on the same container; revert restores them; confirm keeps them', async () => {
    const id = await boot('rs');
    const original = (await containerOf(docker, id))!;
    expect(await limits(id)).to.deep.equal({ Memory: 512 * MIB, MemorySwap: 512 * MIB, NanoCpus: 1e9 });

    await action(id, { resize: { flavorRef: '3' } });
    const verify = await waitFor(id, 'VERIFY_RESIZE');
    expect(verify.flavor.id).to.equal('3');
    expect(verify['OS-EXT-STS:vm_state']).to.equal('resized');
    expect(await limits(id), 'm1.medium: 4096 MB, 2 vCPUs').to.deep.equal({ Memory: 4096 * MIB, MemorySwap: 4096 * MIB, NanoCpus: 2e9 });
    const resized = (await containerOf(docker, id))!;
    expect(resized.Id, 'no new container').to.equal(original.Id);
    expect(resized.State.Running).to.equal(true);

    await action(id, { revertResize: null });
    const reverted = await waitFor(id, 'ACTIVE');
    expect(reverted.flavor.id).to.equal('1');
    expect(await limits(id)).to.deep.equal({ Memory: 512 * MIB, MemorySwap: 512 * MIB, NanoCpus: 1e9 });

    await action(id, { resize: { flavorRef: '2' } });
    await waitFor(id, 'VERIFY_RESIZE');
    await action(id, { confirmResize: null }, 204);
    const confirmed = await waitFor(id, 'ACTIVE');
    expect(confirmed.flavor.id).to.equal('2');
    expect(await limits(id)).to.deep.equal({ Memory: 2048 * MIB, MemorySwap: 2048 * MIB, NanoCpus: 1e9 });
    expect((await containerOf(docker, id))!.Id).to.equal(original.Id);
  });

  it('rebuild → a new container from the new image, same server id, hostname and labels, new metadata', async () => {
    const id = await boot('rb', { metadata: { old: 'yes' } });
    const before = (await containerOf(docker, id))!;
    const reply = await action(id, { rebuild: { imageRef: variant, name: 'rb-new', metadata: { fresh: 'yes' } } });
    expect(reply.server).to.include({ id, status: 'REBUILD', name: 'rb-new' });
    expect(reply.server.adminPass).to.be.a('string');

    const done = await waitFor(id, 'ACTIVE');
    expect(done.image.id).to.equal(variant);
    expect(done.metadata).to.deep.equal({ fresh: 'yes' });
    const after = (await containerOf(docker, id))!;
    expect(after.Id, 'a new container').to.not.equal(before.Id);
    expect(after.Config.Image).to.equal(imageTag(variant));
    expect(after.Config.Hostname).to.equal(before.Config.Hostname).and.equal('rb');
    expect(after.Config.Labels[INSTANCE_LABEL]).to.equal(id);
    expect(after.Config.Labels[PROJECT_LABEL]).to.equal(before.Config.Labels[PROJECT_LABEL]);
    expect(after.Name).to.equal(before.Name);
    expect(after.Config.Env).to.include('META_fresh=yes').and.not.include('META_old=yes');
    expect(after.State.Running).to.equal(true);
    await docker.getContainer(before.Id).inspect().then(
      () => expect.fail('the old container is still there'),
      (err: { statusCode?: number }) => expect(err.statusCode).to.equal(404),
    );
    let output = '';
    for (let i = 0; i < 40 && !output.includes('rebuilt from the variant'); i++) {
      output = (await call('POST', `/compute/v2.1/servers/${id}/action`, { 'os-getConsoleOutput': {} })).body.output;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(output, 'the new image runs').to.include('rebuilt from the variant');
  });

  it('rebuild of a stopped server leaves it SHUTOFF, its new container created from the new image and stopped', async () => {
    const id = await boot('rbs');
    await action(id, { 'os-stop': null });
    await waitFor(id, 'SHUTOFF');
    const before = (await containerOf(docker, id))!;
    await action(id, { rebuild: { imageRef: variant } });
    const done = await waitFor(id, 'SHUTOFF');
    expect(done['OS-EXT-STS:power_state']).to.equal(4);
    const after = (await containerOf(docker, id))!;
    expect(after.Id).to.not.equal(before.Id);
    expect(after.Config.Image).to.equal(imageTag(variant));
    expect(after.State.Running).to.equal(false);
    await action(id, { 'os-start': null });
    await waitFor(id, 'ACTIVE');
  });
});
