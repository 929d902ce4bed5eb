import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { expect } from 'chai';
import { dockerOrSkip, localDocker } from '../helpers/engine';
import { FIXTURE_TAR } from '../helpers/live-server';
import { LiveApi, until } from '../helpers/live-api';

/* eslint-disable @typescript-eslint/no-explicit-any -- API bodies are read field by field */

/**
 * A second, private dockerd (the recipe of shared/docs/engines.md §3a: own data root, exec root,
 * socket, bridge, no iptables), so that killing it does not touch the shared engine. Everything is
 * named after this process's pid, so two runs (or another suite's second engine) do not collide.
 */
class SecondEngine {
  readonly tag = `nsrel${process.pid % 100000}`;
  readonly root = fs.mkdtempSync(`/tmp/${this.tag}-`);
  readonly socket = `/run/${this.tag}.sock`;
  readonly bridge = `br-${this.tag}`.slice(0, 15);
  readonly docker = new Docker({ socketPath: this.socket });
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  /** the bridge (once) and the daemon; resolves when it answers /_ping */
  async start(): Promise<void> {
    if (!fs.existsSync(`/sys/class/net/${this.bridge}`)) {
      execFileSync('ip', ['link', 'add', this.bridge, 'type', 'bridge']);
      execFileSync('ip', ['addr', 'add', '172.31.253.1/24', 'dev', this.bridge]);
      execFileSync('ip', ['link', 'set', this.bridge, 'up']);
    }
    fs.writeFileSync(path.join(this.root, 'daemon.json'), '{}');
    const log = fs.openSync(path.join(this.root, 'dockerd.log'), 'a');
    const child = spawn('/usr/sbin/dockerd', [
      '--config-file', path.join(this.root, 'daemon.json'), '--data-root', path.join(this.root, 'data'),
      '--exec-root', `/run/${this.tag}`, '--pidfile', `/run/${this.tag}.pid`, '-H', `unix://${this.socket}`,
      '--bridge', this.bridge, '--iptables=false', '--ip-masq=false', '--ip-forward=false', '--cgroup-parent', `/${this.tag}`,
    ], { stdio: ['ignore', log, log], detached: true });
    fs.closeSync(log);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await until(async () => this.docker.ping().then(() => true, () => false), 30, 100);
  }

  /** SIGKILL: a crash, as an OOM kill or a host problem would do */
  async crash(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
    this.child = null;
  }

  /** a clean stop, the bridge and the data removed */
  async destroy(): Promise<void> {
    if (this.child) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child?.kill('SIGKILL'), 20_000);
      await this.exited;
      clearTimeout(timer);
      this.child = null;
    }
    try { execFileSync('ip', ['link', 'del', this.bridge]); } catch { /* already gone */ }
    // dockerd bind-mounts its data root (a crashed one leaves the mount): deepest first
    const mounts = fs.readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1])
      .filter((m) => m && (m.startsWith(this.root) || m.startsWith(`/run/${this.tag}`))).sort().reverse();
    for (const m of mounts) { try { execFileSync('umount', ['-l', m]); } catch { /* gone meanwhile */ } }
    for (const p of [this.root, `/run/${this.tag}`, `/run/${this.tag}.pid`, this.socket]) fs.rmSync(p, { recursive: true, force: true });
  }
}

/**
 * The Docker engine under a novashim restarting while requests flow: a novashim on a second
 * engine boots servers, the engine is SIGKILLed and started again. While it is down the API keeps
 * answering (reads come from the database), os-services and os-hypervisors report the compute host
 * down, and no server changes state; once it is back the host is up again and the periodic power
 * sync records what the engine shows (the containers, which have no restart policy, come back
 * exited: SHUTOFF), after which the servers start again normally.
 */
describe('Docker engine restart under load (second dockerd, live server)', function () {
  this.timeout(150_000);
  let engine: SecondEngine;
  let api: LiveApi;
  const servers: string[] = [];

  before(async function () {
    await dockerOrSkip(this, localDocker()); // the same requirement as the other Docker suites
    if (!fs.existsSync(FIXTURE_TAR)) throw new Error(`${FIXTURE_TAR} is missing: run fixtures/images/build-busybox.sh`);
    engine = new SecondEngine();
    await engine.start();
    api = new LiveApi(engine.docker, {
      dockerHost: `unix://${engine.socket}`, privateNetwork: `${engine.tag}-net`, privateSubnet: '10.231.77.0/24',
      powerSyncIntervalSec: 1, hostPollIntervalSec: 1,
    });
    await api.start();
  });

  after(async function () {
    this.timeout(120_000);
    try {
      if (api?.started) await api.stop();
      await engine?.docker.getNetwork(`${engine.tag}-net`).remove().catch(() => undefined);
    } finally {
      await engine?.destroy();
    }
  });

  const admin = (p: string) => api.call('GET', p, undefined, { token: api.adminToken });
  const computeState = async () => (await admin('/compute/v2.1/os-services?binary=nova-compute')).body.services[0].state;
  const hypervisorState = async () => (await admin('/compute/v2.1/os-hypervisors')).body.hypervisors[0].state;
  const states = async () => Promise.all(servers.map(async (id) => {
    const s = (await api.call('GET', `/compute/v2.1/servers/${id}`)).body.server;
    return `${s.status}/${s['OS-EXT-STS:power_state']}`;
  }));

  it('while the engine is down the API answers, the host is down, servers keep their state; afterwards the host is up and power states re-sync', async () => {
    const image = await api.busyboxImage();
    for (const name of ['eng-a', 'eng-b']) servers.push(await api.boot({ name, imageRef: image }));
    expect(await computeState()).to.equal('up');

    // requests flow during the whole outage: every one must answer (from the database)
    let flowing = true;
    const answered: number[] = [];
    const load = (async () => {
      while (flowing) {
        answered.push((await api.call('GET', '/compute/v2.1/servers/detail')).status);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    await engine.crash();
    await until(async () => (await computeState()) === 'down', 20);
    expect(await hypervisorState()).to.equal('down');
    await new Promise((r) => setTimeout(r, 2500)); // two power syncs skip the host: no server changes
    expect(await states()).to.deep.equal(['ACTIVE/1', 'ACTIVE/1']);

    await engine.start();
    await until(async () => (await computeState()) === 'up', 20);
    expect(await hypervisorState()).to.equal('up');
    // a crashed dockerd's successor stops containers without a restart policy: SHUTOFF via the sync
    await until(async () => (await states()).every((s) => s === 'SHUTOFF/4'), 30);
    flowing = false;
    await load;
    expect(answered.length).to.be.greaterThan(10);
    expect(answered.filter((s) => s !== 200), 'requests that failed during the outage').to.deep.equal([]);

    // and the servers are usable again on the restarted engine
    await api.action(servers[0], { 'os-start': null });
    await api.waitForStatus(servers[0], 'ACTIVE', { seconds: 60 });
  });
});
