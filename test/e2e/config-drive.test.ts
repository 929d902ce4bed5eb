import fs from 'node:fs';
import type Dockerode from 'dockerode';
import { expect } from 'chai';
import { startLiveServer, LiveServer, FIXTURE_TAR } from '../helpers/live-server';
import { containerOf, dockerOrSkip, localDocker } from '../helpers/engine';
import { imageTag } from '../../src/drivers/docker/images';

const SCRIPT = '#!/bin/sh\necho "hello from user_data"\n';

/** runs a command in the container as root; its output, or a failure on a non-zero exit */
async function execIn(docker: Dockerode, containerId: string, cmd: string[]): Promise<string> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: true });
  const stream = await exec.start({ hijack: true, stdin: false, Tty: true } as object);
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  const { ExitCode } = await exec.inspect();
  const out = Buffer.concat(chunks).toString().replace(/\r\n/g, '\n');
  if (ExitCode !== 0) throw new Error(`${cmd.join(' ')} exited ${ExitCode}: ${out}`);
  return out;
}

/**
 * A server created with config_drive, user_data, metadata and a key_name through the HTTP API of a
 * live novashim on the real Docker engine: the config drive's files are read inside the container.
 */
describe('config drive end to end (live server, real Docker engine)', function () {
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

  async function boot(server: object): Promise<string> {
    const res = await call('POST', '/compute/v2.1/servers', { server: { imageRef: busybox, flavorRef: '1', ...server } });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    servers.push(res.body.server.id);
    await waitFor(res.body.server.id, 'ACTIVE');
    return res.body.server.id;
  }

  const catIn = async (id: string, path: string) => execIn(docker, (await containerOf(docker, id))!.Id, ['cat', path]);

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
    for (const id of servers) {
      for (let i = 0; i < 80 && (await containerOf(docker, id)); i++) await new Promise((r) => setTimeout(r, 250));
    }
    await live.stop();
    if (busybox) await docker.getImage(imageTag(busybox)).remove().catch(() => undefined);
  });

  it('meta_data.json, user_data and network_data.json are in the container at /var/lib/cloud/seed/config_drive and /mnt/config', async () => {
    const kp = await call('POST', '/compute/v2.1/os-keypairs', { keypair: { name: 'cd-e2e' } });
    expect(kp.status, JSON.stringify(kp.body)).to.equal(200);
    const publicKey: string = kp.body.keypair.public_key;
    const id = await boot({
      name: 'cd-e2e', config_drive: true, key_name: 'cd-e2e', metadata: { role: 'web', owner: 'e2e' },
      user_data: Buffer.from(SCRIPT).toString('base64'),
    });
    const server = await waitFor(id, 'ACTIVE');
    expect(server.config_drive).to.equal('True');

    const md = JSON.parse(await catIn(id, '/var/lib/cloud/seed/config_drive/openstack/latest/meta_data.json'));
    expect(md.uuid).to.equal(id);
    expect(md.name).to.equal('cd-e2e');
    expect(md.hostname).to.equal('cd-e2e.novalocal');
    expect(md.meta).to.deep.equal({ role: 'web', owner: 'e2e' });
    expect(md.public_keys).to.deep.equal({ 'cd-e2e': publicKey });
    expect(md.keys).to.deep.equal([{ name: 'cd-e2e', type: 'ssh', data: publicKey }]);
    expect(await catIn(id, '/var/lib/cloud/seed/config_drive/openstack/latest/user_data')).to.equal(SCRIPT);
    // the same tree through the /mnt/config link
    expect(await catIn(id, '/mnt/config/openstack/latest/user_data')).to.equal(SCRIPT);
    expect(JSON.parse(await catIn(id, '/mnt/config/openstack/2012-08-10/meta_data.json')).uuid).to.equal(id);
    // written again after the start: the address the server shows
    const nd = JSON.parse(await catIn(id, '/mnt/config/openstack/latest/network_data.json'));
    expect(nd.networks[0].ip_address).to.equal(server.addresses.private[0].addr);
    expect(nd.links[0].ethernet_mac_address).to.equal(server.addresses.private[0]['OS-EXT-IPS-MAC:mac_addr']);

    // rebuild makes a new container: the drive is there again, with the new metadata
    const rebuilt = await call('POST', `/compute/v2.1/servers/${id}/action`, { rebuild: { imageRef: busybox, metadata: { role: 'db' } } });
    expect(rebuilt.status, JSON.stringify(rebuilt.body)).to.equal(202);
    await waitFor(id, 'ACTIVE');
    const after = JSON.parse(await catIn(id, '/mnt/config/openstack/latest/meta_data.json'));
    expect(after).to.include({ uuid: id, name: 'cd-e2e' });
    expect(after.meta).to.deep.equal({ role: 'db' });
    expect(await catIn(id, '/mnt/config/openstack/latest/user_data')).to.equal(SCRIPT);
  });

  it('a server without config_drive has no drive in its container', async () => {
    const id = await boot({ name: 'no-cd' });
    let err: unknown = null;
    try { await catIn(id, '/var/lib/cloud/seed/config_drive/openstack/latest/meta_data.json'); } catch (e) { err = e; }
    expect(String(err)).to.match(/exited 1/);
    expect((await waitFor(id, 'ACTIVE')).config_drive).to.equal('');
  });
});
