import fs from 'node:fs';
import { expect } from 'chai';
import type Docker from 'dockerode';
import { dockerOrSkip, localDocker } from '../helpers/engine';
import { FIXTURE_TAR, liveConfig } from '../helpers/live-server';
import { until } from '../helpers/live-api';
import { adminSession, AdminSession, LiveProcess } from '../helpers/live-process';
import { openDatabase } from '../../src/db/knex';
import { DEPLOYMENT_LABEL, INSTANCE_LABEL, deploymentOf } from '../../src/drivers/docker/labels';
import { imageTag } from '../../src/drivers/docker/images';

/* eslint-disable @typescript-eslint/no-explicit-any -- API bodies are read field by field */

const SERVERS = 4;
const MIB = 1024 * 1024;
/** the flavors used: m1.tiny and m1.small (same vcpus, 512 and 2048 MiB) */
const MEMORY: Record<string, number> = { 1: 512 * MIB, 2: 2048 * MIB };
/** Nova's migration statuses of a move not ended */
const OPEN_MIGRATION = ['accepted', 'queued', 'preparing', 'pre-migrating', 'migrating', 'running', 'post-migrating', 'reverting', 'confirming'];

/**
 * kill -9 of novashim in the middle of resizes, then of reverts and confirms, on the real Docker
 * engine: SERVERS servers get a resize at once and the process is SIGKILLed just after the first
 * is accepted; the dead process's task_states are read from its database; it is started again.
 * Every server must end with no task_state, ACTIVE with the old flavor (rolled back) or
 * VERIFY_RESIZE with the new one (finished, where Nova's queued finish_resize would), with exactly
 * one running container whose memory limit is the flavor's, and no migration record left open.
 * The same for reverts and confirms cut by a kill: ACTIVE with the old, resp. new, flavor.
 */
describe('crash recovery: SIGKILL during resizes, reverts and confirms (child process, real Docker engine)', function () {
  this.timeout(120_000);
  const docker = localDocker();
  let proc: LiveProcess;
  let deployment = '';
  let session: AdminSession | null = null;
  let imageId = '';
  const ids: string[] = [];
  const outcomes: string[] = [];

  const call: AdminSession['call'] = (method, path, body) => session!.call(method, path, body);

  /** logs in as admin on the current process (again after each restart), quotas lifted, the busybox image */
  async function connect(): Promise<void> {
    session = await adminSession(proc);
    imageId = session.imageId;
  }

  const servers = async (): Promise<any[]> => (await call('GET', '/compute/v2.1/servers/detail')).body.servers;
  const ours = (): Promise<Docker.ContainerInfo[]> => docker.listContainers({ all: true, filters: { label: [`${DEPLOYMENT_LABEL}=${deployment}`] } });

  /** until every server has no task_state (and is not building) */
  async function settled(): Promise<any[]> {
    let last: any[] = [];
    await until(async () => {
      last = await servers();
      return last.length > 0 && last.every((s) => s.status !== 'BUILD' && s['OS-EXT-STS:task_state'] === null);
    }, 60, 250).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(last.map((s) => [s.id, s.status, s['OS-EXT-STS:task_state']]))}`);
    });
    return last;
  }

  /** the task_states the killed process left, read from its database */
  async function leftBehind(): Promise<string[]> {
    const db = openDatabase(proc.config.databaseUrl);
    try {
      const rows: { task_state: string | null }[] = await db('instances').whereIn('uuid', ids).select('task_state');
      return rows.map((r) => r.task_state ?? 'none');
    } finally {
      await db.destroy();
    }
  }

  /**
   * sends `body` to each server at once; SIGKILL once the first is accepted and, with `waitFor`,
   * once a server shows one of those task_states (polled; at most 3 s), plus 0-`jitterMs` ms
   */
  async function killDuring(bodies: [string, object][], jitterMs: number, waitFor: string[] = []): Promise<string> {
    let first!: () => void;
    const accepted = new Promise<void>((resolve) => { first = resolve; });
    const sent = bodies.map(([id, body]) => call('POST', `/compute/v2.1/servers/${id}/action`, body).then((r) => {
      if (r.status === 202 || r.status === 204) first(); // confirmResize answers 204
      return r.status;
    }, () => 0));
    await Promise.race([accepted, Promise.all(sent)]);
    if (waitFor.length) {
      await until(async () => (await servers()).some((s) => waitFor.includes(s['OS-EXT-STS:task_state'])), 3, 5).catch(() => undefined);
    }
    const delay = Math.floor(Math.random() * jitterMs);
    await new Promise((r) => setTimeout(r, delay));
    await proc.kill();
    const statuses = await Promise.all(sent);
    expect(statuses.filter((s) => s !== 202 && s !== 204 && s !== 0), 'refused').to.deep.equal([]);
    const left = await leftBehind();
    return `${statuses.filter((s) => s === 202 || s === 204).length} accepted, killed ${delay} ms after the first; left: ${left.join(', ')}`;
  }

  /** the invariants after a restart; `allowed` maps each status to the flavor id it must show */
  async function checkConsistent(allowed: Record<string, string[]>): Promise<string> {
    const all = await settled();
    const containers = await ours();
    const byServer = new Map<string, Docker.ContainerInfo[]>();
    for (const c of containers) byServer.set(c.Labels[INSTANCE_LABEL], [...(byServer.get(c.Labels[INSTANCE_LABEL]) ?? []), c]);
    const live = new Set(all.map((s) => s.id as string));
    expect(containers.filter((c) => !live.has(c.Labels[INSTANCE_LABEL])).map((c) => c.Names[0]), 'containers without a server').to.deep.equal([]);
    const seen: string[] = [];
    for (const s of all) {
      const flavor = s.flavor.original_name === 'm1.tiny' ? '1' : s.flavor.original_name === 'm1.small' ? '2' : s.flavor.original_name;
      expect(allowed[s.status], `${s.id} ${s.status}`).to.be.an('array');
      expect(allowed[s.status], `${s.id} ${s.status} with flavor ${flavor}`).to.include(flavor);
      const mine = byServer.get(s.id) ?? [];
      expect(mine, `${s.id}: exactly one container`).to.have.length(1);
      expect(mine[0].State, `${s.id}'s container`).to.equal('running');
      const inspected = await docker.getContainer(mine[0].Id).inspect();
      expect(inspected.HostConfig.Memory, `${s.id}: the container's memory is its flavor's`).to.equal(MEMORY[flavor]);
      seen.push(`${s.status}/${flavor}`);
    }
    const migrations = (await call('GET', '/compute/v2.1/os-migrations')).body.migrations as any[];
    expect(migrations.filter((m) => OPEN_MIGRATION.includes(m.status)).map((m) => [m.instance_uuid, m.status]), 'migrations left open').to.deep.equal([]);
    return seen.sort().join(' ');
  }

  before(async function () {
    await dockerOrSkip(this, docker);
    if (!fs.existsSync(FIXTURE_TAR)) throw new Error(`${FIXTURE_TAR} is missing: run fixtures/images/build-busybox.sh`);
    const config = await liveConfig({ shutdownTimeoutSec: 1 });
    deployment = deploymentOf(config.databaseUrl);
    proc = new LiveProcess(config);
  });

  after(async function () {
    if (!proc) return;
    this.timeout(60_000);
    try {
      if (!proc.pid) await proc.start();
      await connect();
      for (const s of await servers()) await call('DELETE', `/compute/v2.1/servers/${s.id}`);
      await until(async () => (await servers()).length === 0, 30, 250).catch(() => undefined);
      await proc.stop();
    } finally {
      await proc.kill();
      for (const c of await ours()) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
      if (imageId) await docker.getImage(imageTag(imageId)).remove({ force: true }).catch(() => undefined);
      if (outcomes.length) console.log(`      resize crash recovery: ${outcomes.join('; ')}`); // eslint-disable-line no-console
      fs.rmSync(proc.config.dataDir, { recursive: true, force: true });
    }
  });

  it(`resizes of ${SERVERS} servers cut by SIGKILL: each ends ACTIVE with the old flavor or VERIFY_RESIZE with the new, one container with matching limits`, async () => {
    await proc.start();
    await connect();
    for (let i = 0; i < SERVERS; i++) {
      const res = await call('POST', '/compute/v2.1/servers', { server: { name: `rs-${i}`, imageRef: imageId, flavorRef: '1', networks: 'none' } });
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
      ids.push(res.body.server.id);
    }
    await settled();
    // a kill right after the first resize is accepted catches some mid-way; a round that caught none is repeated
    // (round 1 as soon as one is migrating, round 2 just after the first is accepted); each round
    // starts from ACTIVE with m1.tiny: those a previous round left in VERIFY_RESIZE are reverted
    let caught = 0;
    for (let round = 1; round <= 4 && (caught === 0 || round === 2); round++) {
      for (const s of (await servers()).filter((x) => x.status === 'VERIFY_RESIZE')) {
        expect((await call('POST', `/compute/v2.1/servers/${s.id}/action`, { revertResize: null })).status).to.equal(202);
      }
      const active = (await settled()).map((s) => s.id as string);
      const waitFor = round === 1 ? ['resize_migrating', 'resize_finish'] : [];
      const report = await killDuring(active.map((id) => [id, { resize: { flavorRef: '2' } }]), 20, waitFor);
      caught += (await leftBehind()).filter((task) => task.startsWith('resize_')).length;
      await proc.start();
      await connect();
      const result = await checkConsistent({ ACTIVE: ['1'], VERIFY_RESIZE: ['2'] });
      outcomes.push(`resize round ${round}: ${report} → ${result}`);
    }
    expect(caught, 'no kill caught a resize under way').to.be.greaterThan(0);
  });

  it('reverts and confirms cut by SIGKILL: each ends ACTIVE with the old (reverted) or new (confirmed) flavor, or still VERIFY_RESIZE', async () => {
    // every server in VERIFY_RESIZE first
    for (const s of (await servers()).filter((x) => x.status === 'ACTIVE')) {
      expect((await call('POST', `/compute/v2.1/servers/${s.id}/action`, { resize: { flavorRef: '2' } })).status).to.equal(202);
    }
    const verify = await settled();
    expect(verify.map((s) => s.status)).to.deep.equal(verify.map(() => 'VERIFY_RESIZE'));
    const report = await killDuring(ids.map((id, i) => [id, i % 2 === 0 ? { revertResize: null } : { confirmResize: null }]), 30);
    await proc.start();
    await connect();
    const result = await checkConsistent({ ACTIVE: ['1', '2'], VERIFY_RESIZE: ['2'] });
    outcomes.push(`revert/confirm: ${report} → ${result}`);
    // a reverted server shows the old flavor, a confirmed one the new
    for (const s of await servers()) {
      if (s.status !== 'ACTIVE') continue;
      const reverting = ids.indexOf(s.id) % 2 === 0;
      expect(s.flavor.original_name, s.id).to.equal(reverting ? 'm1.tiny' : 'm1.small');
    }
  });
});
