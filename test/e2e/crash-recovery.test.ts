import fs from 'node:fs';
import { expect } from 'chai';
import type Docker from 'dockerode';
import { dockerOrSkip, localDocker } from '../helpers/engine';
import { FIXTURE_TAR, liveConfig } from '../helpers/live-server';
import { until } from '../helpers/live-api';
import { adminSession, AdminSession, LiveProcess } from '../helpers/live-process';
import { DEPLOYMENT_LABEL, INSTANCE_LABEL, deploymentOf } from '../../src/drivers/docker/labels';
import { imageTag } from '../../src/drivers/docker/images';

/* eslint-disable @typescript-eslint/no-explicit-any -- API bodies are read field by field */

const ROUNDS = 3;
const BOOTS_PER_ROUND = 10;

/**
 * kill -9 of novashim in the middle of a boot storm, several times, on the real Docker engine: a
 * novashim child process gets BOOTS_PER_ROUND concurrent boots and is SIGKILLed at a random moment
 * while they run; it is started again on the same database. After every restart each server ends
 * ACTIVE (with a running container) or ERROR (with a fault), none keeps BUILD or a task_state, and
 * every container labelled for this deployment belongs to a live server.
 */
describe('crash recovery: SIGKILL during boot storms (child process, real Docker engine)', function () {
  this.timeout(180_000);
  const docker = localDocker();
  let proc: LiveProcess;
  let deployment = '';
  let session: AdminSession | null = null;
  let imageId = '';
  const outcomes: string[] = [];

  const call: AdminSession['call'] = (method, path, body) => session!.call(method, path, body);

  /** logs in as admin on the current process (again after each restart), quotas lifted, the busybox image */
  async function connect(): Promise<void> {
    session = await adminSession(proc);
    imageId = session.imageId;
  }

  const servers = async (): Promise<any[]> => (await call('GET', '/compute/v2.1/servers/detail?all_tenants=1')).body.servers;
  const ours = (): Promise<Docker.ContainerInfo[]> => docker.listContainers({ all: true, filters: { label: [`${DEPLOYMENT_LABEL}=${deployment}`] } });

  /** every server settled (no BUILD, no task_state), as the restarted process's recovery leaves them */
  async function settled(): Promise<any[]> {
    let last: any[] = [];
    await until(async () => {
      last = await servers();
      return last.every((s) => s.status !== 'BUILD' && s['OS-EXT-STS:task_state'] === null);
    }, 90, 500).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(last.filter((s) => s.status === 'BUILD' || s['OS-EXT-STS:task_state']).map((s) => [s.id, s.status, s['OS-EXT-STS:task_state']]))}`);
    });
    return last;
  }

  /** the invariants after a restart; answers "n ACTIVE / m ERROR" */
  async function checkConsistent(): Promise<string> {
    const all = await settled();
    for (const s of all) {
      expect(['ACTIVE', 'ERROR'], `${s.id} ${s.status}`).to.include(s.status);
      if (s.status === 'ERROR') expect(s.fault?.message, `${s.id} has no fault`).to.be.a('string').and.not.equal('');
    }
    const containers = await ours();
    const byServer = new Map(containers.map((c) => [c.Labels[INSTANCE_LABEL], c]));
    const live = new Set(all.map((s) => s.id as string));
    const orphans = containers.filter((c) => !live.has(c.Labels[INSTANCE_LABEL]));
    expect(orphans.map((c) => c.Names[0]), 'labelled containers without a server').to.deep.equal([]);
    for (const s of all.filter((x) => x.status === 'ACTIVE')) {
      expect(byServer.get(s.id)?.State, `ACTIVE server ${s.id} without a running container`).to.equal('running');
      expect(s['OS-EXT-STS:power_state']).to.equal(1);
    }
    const active = all.filter((s) => s.status === 'ACTIVE').length;
    return `${all.length} servers: ${active} ACTIVE, ${all.length - active} ERROR, ${containers.length} containers`;
  }

  before(async function () {
    await dockerOrSkip(this, docker);
    if (!fs.existsSync(FIXTURE_TAR)) throw new Error(`${FIXTURE_TAR} is missing: run fixtures/images/build-busybox.sh`);
    const config = await liveConfig({ powerSyncIntervalSec: 1, shutdownTimeoutSec: 1 });
    deployment = deploymentOf(config.databaseUrl);
    proc = new LiveProcess(config);
  });

  after(async function () {
    if (!proc) return;
    this.timeout(120_000);
    try {
      if (!proc.pid) await proc.start();
      await connect();
      for (const s of await servers()) await call('DELETE', `/compute/v2.1/servers/${s.id}`);
      await until(async () => (await servers()).length === 0, 60, 500).catch(() => undefined);
      await proc.stop();
    } finally {
      await proc.kill();
      // whatever is left of this deployment (only ours: the label carries its database's hash)
      for (const c of await ours()) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
      if (imageId) await docker.getImage(imageTag(imageId)).remove({ force: true }).catch(() => undefined);
      if (outcomes.length) console.log(`      crash recovery: ${outcomes.join('; ')}`); // eslint-disable-line no-console
      fs.rmSync(proc.config.dataDir, { recursive: true, force: true });
    }
  });

  it(`${ROUNDS} rounds of ${BOOTS_PER_ROUND} concurrent boots, each cut by SIGKILL at a random moment: all servers end ACTIVE or ERROR, no orphan`, async () => {
    let booted = 0;
    const refused: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      await proc.start();
      await connect();
      if (round > 1) outcomes.push(`after kill ${round - 1}: ${await checkConsistent()}`);
      const started = Date.now();
      const boots = Array.from({ length: BOOTS_PER_ROUND }, (_, i) => call('POST', '/compute/v2.1/servers', {
        server: { name: `storm-${round}-${i}`, imageRef: imageId, flavorRef: '1', networks: 'auto' },
      }).then((r) => {
        if (r.status !== 202 && r.status !== 0) refused.push(`${r.status} ${JSON.stringify(r.body)}`);
        return r.status === 202 ? 1 : 0;
      }, () => 0));
      // a random moment while the spawns run: once the first of this round is ACTIVE (others are then
      // still spawning: 10 concurrent starts take seconds on 2 cores), plus 0-1000 ms
      await until(async () => (await servers()).some((s) => s.name.startsWith(`storm-${round}-`) && s.status === 'ACTIVE'), 30, 50)
        .catch(() => undefined);
      const delay = Math.floor(Math.random() * 1000);
      await new Promise((r) => setTimeout(r, delay));
      const building = (await servers()).filter((s) => s.status === 'BUILD').length;
      await proc.kill();
      const accepted = (await Promise.all(boots)).reduce((a: number, b: number) => a + b, 0);
      booted += accepted;
      expect(refused, 'boots refused').to.deep.equal([]);
      expect(accepted, `round ${round}: no boot was accepted before the kill`).to.be.greaterThan(0);
      outcomes.push(`round ${round}: killed ${Date.now() - started} ms in (first ACTIVE + ${delay} ms), ${accepted} boots answered 202, ${building} in BUILD just before`);
    }
    await proc.start();
    await connect();
    const final = await checkConsistent();
    outcomes.push(`after kill ${ROUNDS}: ${final}`);
    const all = await servers();
    expect(all.length).to.be.at.least(booted);
    // the periodic sync (1 s here) keeps them so: a second look a few syncs later finds the same
    await new Promise((r) => setTimeout(r, 2500));
    expect(await checkConsistent()).to.equal(final);
  });
});
