import { expect } from 'chai';
import fs from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startLiveServer, LiveServer, FIXTURE_TAR } from '../helpers/live-server';
import { containerOf, dockerOrSkip, localDocker } from '../helpers/engine';

const run = promisify(execFile);
const OPENSTACK = '/usr/bin/openstack';

/**
 * The real Debian `openstack` client (python3-openstackclient 6.0) against a live novashim on the
 * real Docker engine: the whole server lifecycle as an operator would type it.
 */
describe('openstack CLI end to end (real client, real Docker engine)', function () {
  this.timeout(180_000);
  const docker = localDocker();
  let live: LiveServer;

  before(async function () {
    if (!fs.existsSync(OPENSTACK)) {
      if (process.env.REQUIRE_CLI === '1') throw new Error('REQUIRE_CLI=1 but python3-openstackclient is not installed');
      this.skip();
    }
    await dockerOrSkip(this, docker);
    if (!fs.existsSync(FIXTURE_TAR)) throw new Error(`${FIXTURE_TAR} is missing: run fixtures/images/build-busybox.sh`);
    live = await startLiveServer();
  });
  after(async () => { await live?.stop(); });

  async function os(user: 'admin' | 'demo', ...args: string[]): Promise<string> {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...live.env[user] };
    const { stdout } = await run(OPENSTACK, args, { env, timeout: 150_000 });
    return stdout;
  }
  const json = async (user: 'admin' | 'demo', ...args: string[]) => JSON.parse(await os(user, ...args, '-f', 'json'));
  const fails = async (user: 'admin' | 'demo', ...args: string[]) => {
    try {
      await os(user, ...args);
    } catch (err) {
      return (err as { stderr: string }).stderr;
    }
    throw new Error(`openstack ${args.join(' ')} should have failed`);
  };
  async function waitFor(user: 'admin' | 'demo', id: string, status: string): Promise<void> {
    for (let i = 0; i < 60; i++) {
      if ((await json(user, 'server', 'show', id)).status === status) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`server ${id} never reached ${status}`);
  }

  it('lists flavors and the registered busybox image', async () => {
    const flavors = await json('admin', 'flavor', 'list');
    expect(flavors.map((f: { Name: string }) => f.Name)).to.include.members(['m1.tiny', 'm1.small']);
    const images = await json('admin', 'image', 'list');
    expect(images.map((i: { Name: string }) => i.Name)).to.include('busybox');
  });

  it('runs a server through create --wait, list, show, reboot, stop, start and delete --wait', async () => {
    const created = await json('admin', 'server', 'create', '--flavor', 'm1.tiny', '--image', 'busybox', '--wait', 's1');
    expect(created.status).to.equal('ACTIVE');
    const id = created.id as string;

    const container = await containerOf(docker, id);
    expect(container, 'a container for the server').to.not.equal(null);
    expect(container!.State.Running).to.equal(true);
    expect(container!.HostConfig.Memory).to.equal(512 * 1024 * 1024);
    expect(container!.Config.Hostname).to.equal('s1');

    const list = await json('admin', 'server', 'list');
    expect(list.find((s: { ID: string }) => s.ID === id)).to.include({ Name: 's1', Status: 'ACTIVE' });
    const shown = await json('admin', 'server', 'show', id);
    expect(shown['OS-EXT-STS:task_state']).to.equal(null);
    expect(Object.keys(shown.addresses ?? {}).length + String(shown.addresses).length).to.be.greaterThan(0);

    const startedAt = (await containerOf(docker, id))!.State.StartedAt;
    await os('admin', 'server', 'reboot', '--wait', id);
    expect((await json('admin', 'server', 'show', id)).status).to.equal('ACTIVE');
    expect((await containerOf(docker, id))!.State.StartedAt).to.not.equal(startedAt);

    await os('admin', 'server', 'stop', id);
    await waitFor('admin', id, 'SHUTOFF');
    expect((await containerOf(docker, id))!.State.Running).to.equal(false);
    await os('admin', 'server', 'start', id);
    await waitFor('admin', id, 'ACTIVE');
    expect((await containerOf(docker, id))!.State.Running).to.equal(true);

    await os('admin', 'server', 'delete', '--wait', id);
    expect(await fails('admin', 'server', 'show', id)).to.match(/No server with a name or ID|could not be found|404/);
    expect(await containerOf(docker, id)).to.equal(null);
  });

  it('uploads a docker-save tarball with image create and boots a server from it', async () => {
    const image = await json('admin', 'image', 'create', '--file', FIXTURE_TAR, '--container-format', 'docker', '--disk-format', 'raw', 'uploaded');
    // OSC 6 prints the image as created (queued); what counts is its state after the upload
    expect((await json('admin', 'image', 'show', image.id)).status).to.equal('active');
    const server = await json('admin', 'server', 'create', '--flavor', 'm1.tiny', '--image', 'uploaded', '--wait', 'from-upload');
    expect(server.status).to.equal('ACTIVE');
    expect((await containerOf(docker, server.id))!.State.Running).to.equal(true);
    await os('admin', 'server', 'delete', '--wait', server.id);
    await os('admin', 'image', 'delete', image.id);
  });

  it('creates a keypair and shows limits', async () => {
    const key = await os('demo', 'keypair', 'create', 'k1');
    expect(key).to.match(/BEGIN (RSA )?PRIVATE KEY/);
    const keys = await json('demo', 'keypair', 'list');
    expect(keys.map((k: { Name: string }) => k.Name)).to.include('k1');
    const limits = await json('demo', 'limits', 'show', '--absolute');
    expect(limits.find((l: { Name: string }) => l.Name === 'maxTotalInstances').Value).to.equal(10);
  });

  it('keeps projects apart: the demo user cannot see or touch the admin\'s server', async () => {
    const server = await json('admin', 'server', 'create', '--flavor', 'm1.tiny', '--image', 'busybox', '--wait', 'private-one');
    try {
      expect((await json('demo', 'server', 'list')).map((s: { ID: string }) => s.ID)).to.not.include(server.id);
      expect(await fails('demo', 'server', 'show', server.id)).to.match(/No server with a name or ID/);
      expect(await fails('demo', 'server', 'delete', server.id)).to.match(/No server with a name or ID/);
      expect((await json('admin', 'server', 'show', server.id)).status).to.equal('ACTIVE');
    } finally {
      await os('admin', 'server', 'delete', '--wait', server.id);
    }
  });

  it('refuses a wrong password with 401', async () => {
    const err = await fails('demo', '--os-password', 'wrong', 'server', 'list');
    expect(err).to.match(/401|authenticat/i);
  });
});
