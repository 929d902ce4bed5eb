import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type Dockerode from 'dockerode';
import { DockerDriver } from '../../src/drivers/docker/driver';
import { KEPT_CAPABILITIES } from '../../src/drivers/docker/container-spec';
import { imageTag } from '../../src/drivers/docker/images';
import { INSTANCE_LABEL, PROJECT_LABEL } from '../../src/drivers/docker/labels';
import { DEFAULT_DOCKER_HOST, dockerFromHost } from '../../src/drivers/docker/transport';
import { makeTestApp, TestApp } from '../helpers/app';
import { containerOf, execIn } from '../helpers/engine';
import { useEngine } from './docker-fixtures';

const API = '/compute/v2.1';
const as = (token: string) => ({ 'x-auth-token': token });
const MIB = 1024 * 1024;

/**
 * The documented capability set (container-spec.ts KEPT_CAPABILITIES): Docker's default set minus
 * MKNOD, NET_RAW and SETFCAP. Written out here so a change to it is a visible, reviewed change.
 */
const DOCUMENTED_CAPABILITIES = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'NET_BIND_SERVICE', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'];
/** their bit numbers in linux/capability.h, for the masks the kernel shows in /proc/<pid>/status */
const CAP_BITS: Record<string, number> = {
  CHOWN: 0, DAC_OVERRIDE: 1, FOWNER: 3, FSETID: 4, KILL: 5, SETGID: 6, SETUID: 7, SETPCAP: 8, NET_BIND_SERVICE: 10, SYS_CHROOT: 18, AUDIT_WRITE: 29,
};
const EXPECTED_CAP_MASK = DOCUMENTED_CAPABILITIES.reduce((m, c) => m | (1n << BigInt(CAP_BITS[c])), 0n);

/** what a request may try to smuggle into the engine's create options */
const SMUGGLING_METADATA: Record<string, string> = {
  HostConfig: '{"Privileged":true,"Binds":["/:/host"],"CapAdd":["ALL"]}',
  Privileged: 'true',
  '--privileged': 'true',
  Binds: '/var/run/docker.sock:/var/run/docker.sock',
  Mounts: '[{"Type":"bind","Source":"/","Target":"/host"}]',
  NetworkMode: 'host',
  PidMode: 'host',
  CapAdd: 'SYS_ADMIN',
  SecurityOpt: 'seccomp=unconfined',
  [INSTANCE_LABEL]: '00000000-0000-0000-0000-000000000000',
  [PROJECT_LABEL]: 'someone-else',
  'com.novashim.instance': 'spoofed',
  LD_PRELOAD: '/tmp/evil.so',
  PATH: '/evil',
  'a b': '--privileged -v /:/host',
};
const SMUGGLING_PROPERTIES: Record<string, string> = {
  HostConfig: '{"Privileged":true}', Privileged: 'true', '--privileged': '1', Binds: '/:/host', docker_privileged: 'true',
  os_command_line: "sh -c 'touch /pwned'", Entrypoint: '/bin/false', Cmd: '/bin/false', User: '0:0', [INSTANCE_LABEL]: 'spoofed',
  hw_cpu_cores: '64', hw_mem_mb: '999999',
};
const SMUGGLING_NAME = 'x; rm -rf / && $(reboot) `id` | --privileged -v /:/host --cap-add=ALL';

/**
 * Containers (issue 6): servers booted through the API on a real engine run unprivileged, with
 * exactly the documented capabilities, no-new-privileges, the flavor's memory/CPU/pids limits, no
 * host mounts and no engine socket; metadata, names, user data and image properties that try to
 * pass engine options are neutralized — docker inspect and /proc inside show none arrived.
 * ReadonlyRootfs stays off on purpose: guests install packages and write their own files (tempest's
 * ssh checks), as a Nova VM's root disk is writable.
 */
describe('Docker security: server containers are confined and engine options cannot be smuggled in', function () {
  this.timeout(180_000);
  const endpoint = process.env.DOCKER_HOST || DEFAULT_DOCKER_HOST;
  const docker = dockerFromHost(endpoint);
  const { fixtures, busyboxTar } = useEngine(docker, endpoint, 'Docker security tests');
  let t: TestApp;
  const servers: string[] = [];
  const images: string[] = [];
  let flavor: { id: string; ram: number; vcpus: number };
  let hostCpus: number;

  before(async function () {
    t = await makeTestApp({ driver: new DockerDriver({ docker, defaultStopTimeoutSec: 1, pidsLimit: 321 }) });
    hostCpus = (await docker.info()).NCPU;
    const created = await t.request.post(`${API}/flavors`).set(as(t.tokens.admin)).send({ flavor: { name: 'sec-flavor', ram: 96, vcpus: 2, disk: 1 } });
    expect(created.status, created.text).to.equal(200);
    flavor = created.body.flavor;
  });

  after(async function () {
    if (!t) return;
    for (const id of servers) await t.request.delete(`${API}/servers/${id}`).set(as(t.tokens.admin));
    await t.services.tasks.idle();
    // whatever the deletes left: only containers of the servers this suite booted
    for (const id of servers) {
      const left = await docker.listContainers({ all: true, filters: { label: [`${INSTANCE_LABEL}=${id}`] } });
      for (const c of left) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
    for (const id of images) await docker.getImage(imageTag(id)).remove({ force: true }).catch(() => undefined);
    await t.close();
    await t.driver.close?.();
  });

  /** uploads a docker-save tarball through the image API, with extra (smuggling) properties */
  async function uploadImage(tarball: string, properties: Record<string, string> = {}): Promise<string> {
    const created = await t.request.post('/image/v2/images').set(as(t.tokens.admin))
      .send({ name: 'sec-image', container_format: 'docker', disk_format: 'raw', visibility: 'public', ...properties });
    expect(created.status, created.text).to.equal(201);
    const id = created.body.id as string;
    images.push(id);
    const up = await t.request.put(`/image/v2/images/${id}/file`).set(as(t.tokens.admin)).set('content-type', 'application/octet-stream').send(readFileSync(tarball));
    expect(up.status, up.text).to.equal(204);
    return id;
  }

  async function boot(server: Record<string, unknown>): Promise<{ id: string; info: Dockerode.ContainerInspectInfo }> {
    const res = await t.request.post(`${API}/servers`).set(as(t.tokens.demo)).send({ server });
    expect(res.status, res.text).to.equal(202);
    const id = res.body.server.id as string;
    servers.push(id);
    await t.services.tasks.idle();
    const shown = await t.request.get(`${API}/servers/${id}`).set(as(t.tokens.demo));
    expect(shown.body.server.status, JSON.stringify(shown.body.server.fault ?? shown.body.server)).to.equal('ACTIVE');
    const info = await containerOf(docker, id);
    expect(info, `container of ${id}`).to.not.equal(null);
    return { id, info: info! };
  }

  /** the confinement every server container must show, whatever was asked for */
  async function expectConfined(id: string, info: Dockerode.ContainerInspectInfo, limits: { ram: number; vcpus: number }): Promise<void> {
    const h = info.HostConfig;
    expect(h.Privileged, 'Privileged').to.equal(false);
    expect(h.CapDrop, 'CapDrop').to.deep.equal(['ALL']);
    expect([...(h.CapAdd ?? [])].map((c) => c.replace(/^CAP_/, '')).sort(), 'CapAdd').to.deep.equal(DOCUMENTED_CAPABILITIES);
    expect(h.SecurityOpt, 'SecurityOpt').to.deep.equal(['no-new-privileges']);
    expect(h.Memory, 'Memory').to.equal(limits.ram * MIB);
    expect(h.MemorySwap, 'MemorySwap').to.equal(limits.ram * MIB);
    expect(h.NanoCpus, 'NanoCpus').to.equal(Math.min(limits.vcpus, hostCpus) * 1e9);
    expect(h.PidsLimit, 'PidsLimit').to.equal(321);
    expect(h.Binds ?? [], 'Binds').to.deep.equal([]);
    expect((info.Mounts ?? []).filter((m) => m.Type === 'bind'), 'bind mounts').to.deep.equal([]);
    expect(JSON.stringify(info.Mounts ?? []), 'engine socket mounted').to.not.contain('docker.sock');
    expect((h as { Mounts?: unknown[] }).Mounts ?? [], 'HostConfig.Mounts').to.deep.equal([]);
    expect(h.Devices ?? [], 'Devices').to.deep.equal([]);
    expect(h.NetworkMode, 'NetworkMode').to.not.match(/^(host|container:)/);
    expect(h.PidMode ?? '', 'PidMode').to.equal('');
    expect(h.IpcMode, 'IpcMode').to.not.match(/^(host|container:)/);
    expect(h.UsernsMode ?? '', 'UsernsMode').to.equal('');
    expect(h.PublishAllPorts, 'PublishAllPorts').to.not.equal(true);
    expect(Object.keys(h.PortBindings ?? {}), 'PortBindings').to.deep.equal([]);
    expect(h.ReadonlyRootfs, 'ReadonlyRootfs (off by design, see above)').to.equal(false);
    expect(info.Config.Labels[INSTANCE_LABEL], 'instance label').to.equal(id);
    expect(info.Config.Labels[PROJECT_LABEL], 'project label').to.equal(t.projects.demo);
    // inside: no engine socket, the capability sets and no_new_privs as the kernel enforces them
    const inside = await execIn(docker, info.Id, ['sh', '-c',
      'for s in /var/run/docker.sock /run/docker.sock; do test -e $s && echo "present $s"; done; grep -E "^(CapEff|CapBnd|CapPrm|NoNewPrivs)" /proc/1/status /proc/self/status; true']);
    expect(inside, 'docker socket inside').to.not.contain('present');
    for (const field of ['CapEff', 'CapBnd', 'CapPrm']) {
      const masks = [...inside.matchAll(new RegExp(`${field}:\\s*([0-9a-f]+)`, 'g'))].map((m) => BigInt(`0x${m[1]}`));
      expect(masks.length, field).to.equal(2);
      for (const mask of masks) expect(mask.toString(16), `${field} of PID 1 and of an exec'd root shell`).to.equal(EXPECTED_CAP_MASK.toString(16));
    }
    expect([...inside.matchAll(/NoNewPrivs:\s*(\d)/g)].map((m) => m[1])).to.deep.equal(['1', '1']);
  }

  it('documents the kept capabilities in container-spec.ts exactly as asserted here', () => {
    expect([...KEPT_CAPABILITIES].sort()).to.deep.equal(DOCUMENTED_CAPABILITIES);
  });

  it('a plain server runs unprivileged with the documented capabilities, no-new-privileges and the flavor limits', async () => {
    const image = await uploadImage(busyboxTar());
    const { id, info } = await boot({ name: 'sec-plain', imageRef: image, flavorRef: flavor.id });
    await expectConfined(id, info, flavor);
    const tiny = await boot({ name: 'sec-tiny', imageRef: image, flavorRef: '1' });
    await expectConfined(tiny.id, tiny.info, { ram: 512, vcpus: 1 });
  });

  it('engine options smuggled through metadata, the name, user data and image properties never reach the container', async () => {
    const image = await uploadImage(busyboxTar(), SMUGGLING_PROPERTIES);
    const userData = Buffer.from('#!/bin/sh\n--privileged\n{"HostConfig":{"Privileged":true,"Binds":["/:/host"]}}\n').toString('base64');
    const { id, info } = await boot({
      name: SMUGGLING_NAME, imageRef: image, flavorRef: flavor.id, metadata: SMUGGLING_METADATA, user_data: userData, config_drive: true,
    });
    await expectConfined(id, info, flavor);
    // labels: the ownership labels and the image's own, nothing else; no metadata key became a label
    const imageLabels = (await docker.getImage(info.Image).inspect()).Config.Labels ?? {};
    const added = Object.entries(info.Config.Labels).filter(([k, v]) => imageLabels[k] !== v).map(([k]) => k);
    expect(added.sort()).to.deep.equal([INSTANCE_LABEL, PROJECT_LABEL].sort());
    for (const key of Object.keys(SMUGGLING_METADATA)) {
      if (key !== INSTANCE_LABEL && key !== PROJECT_LABEL) expect(info.Config.Labels, `label ${key}`).to.not.have.property(key);
    }
    // environment: metadata only as NOVA_METADATA and META_<name>; nothing sets PATH or LD_PRELOAD
    const env = info.Config.Env ?? [];
    expect(env.filter((e) => /^(LD_PRELOAD|HostConfig|Privileged|Binds)=/.test(e))).to.deep.equal([]);
    expect(env.filter((e) => e.startsWith('PATH=')).every((e) => !e.includes('/evil'))).to.equal(true);
    expect(env).to.include('META_LD_PRELOAD=/tmp/evil.so');
    // command, user and hostname: the image's, and a sanitized host name (no shell, no spaces)
    const plainImage = await docker.getImage(info.Image).inspect();
    expect(info.Config.Cmd ?? null).to.deep.equal(plainImage.Config.Cmd ?? null);
    expect(info.Config.Entrypoint ?? null).to.deep.equal(plainImage.Config.Entrypoint ?? null);
    expect(info.Config.User ?? '').to.equal(plainImage.Config.User ?? '');
    expect(info.Config.Hostname).to.match(/^[a-z0-9-]{1,63}$/);
    expect(info.Name).to.equal(`/novashim-${id}`);
    // the user data is a file in the guest, read by nothing of the engine
    expect(JSON.stringify(info.Config)).to.not.contain('Privileged":true');
    const pwned = await execIn(docker, info.Id, ['sh', '-c', 'test -e /pwned && echo pwned; true']);
    expect(pwned).to.not.contain('pwned');
  });

  it('refuses names with control characters and metadata keys outside Nova\'s pattern before anything reaches the engine', async () => {
    const image = await uploadImage(busyboxTar());
    const before = (await docker.listContainers({ all: true, filters: { label: [`${PROJECT_LABEL}=${t.projects.demo}`] } })).length;
    const bad = [
      { name: 'evil\n--privileged', imageRef: image, flavorRef: flavor.id },
      { name: 'evil\u0000name', imageRef: image, flavorRef: flavor.id },
      { name: 'ok', imageRef: image, flavorRef: flavor.id, metadata: { 'Host=Config': 'x' } },
      { name: 'ok', imageRef: image, flavorRef: flavor.id, metadata: { 'key\n--privileged': 'x' } },
      { name: 'ok', imageRef: image, flavorRef: flavor.id, metadata: { HostConfig: { Privileged: true } } },
      { name: 'ok', imageRef: image, flavorRef: flavor.id, HostConfig: { Privileged: true } },
      { name: 'ok', imageRef: image, flavorRef: flavor.id, user_data: 'not base64 $(id)' },
    ];
    for (const server of bad) {
      const res = await t.request.post(`${API}/servers`).set(as(t.tokens.demo)).send({ server });
      expect(res.status, `${JSON.stringify(server)}: ${res.text}`).to.equal(400);
      expect(res.body.badRequest.code).to.equal(400);
    }
    await t.services.tasks.idle();
    const after = (await docker.listContainers({ all: true, filters: { label: [`${PROJECT_LABEL}=${t.projects.demo}`] } })).length;
    expect(after).to.equal(before);
  });

  it('an image whose own labels claim novashim ownership cannot take over another server\'s identity', async () => {
    const variant = await fixtures.variant('sec-labels', [
      `LABEL ${INSTANCE_LABEL}=00000000-0000-0000-0000-000000000000`, `LABEL ${PROJECT_LABEL}=someone-else`, 'VOLUME /data', 'CMD ["/bin/sh"]',
    ]);
    const image = await uploadImage(variant);
    const { id, info } = await boot({ name: 'sec-labels', imageRef: image, flavorRef: flavor.id });
    expect(info.Config.Labels[INSTANCE_LABEL]).to.equal(id);
    expect(info.Config.Labels[PROJECT_LABEL]).to.equal(t.projects.demo);
    // an image's VOLUME is an engine-managed volume, never a path of the host
    await expectConfined(id, info, flavor);
  });
});
