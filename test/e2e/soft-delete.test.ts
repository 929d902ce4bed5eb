import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Config } from '../../src/config';
import { silentLogger } from '../../src/log';
import { start, Running } from '../../src/main';
import { containerOf, dockerOrSkip, localDocker } from '../helpers/engine';
import { FIXTURE_TAR, liveConfig, readOpenrc } from '../helpers/live-server';
import { login, until } from '../helpers/live-api';
import { imageTag } from '../../src/drivers/docker/images';

/* eslint-disable @typescript-eslint/no-explicit-any -- API bodies are read field by field */

const RECLAIM_SEC = 6;

/**
 * Deferred delete on the real Docker engine, across a restart: with a reclaim interval a DELETE
 * keeps the server's container (stopped), restore runs it again, and once the server has waited
 * the interval in SOFT_DELETED the reclaim removes it, even when the service was down meanwhile.
 */
describe('soft delete end to end (live novashim with NOVASHIM_RECLAIM_INSTANCE_INTERVAL, real Docker engine)', function () {
  this.timeout(240_000);
  const docker = localDocker();
  let config: Config;
  let running: Running | null = null;
  let token = '';
  let serverId = '';
  let imageId = '';

  async function up(): Promise<void> {
    running = await start(config, silentLogger());
    token = await login(readOpenrc(path.join(config.dataDir, 'openrc.demo')));
  }
  async function down(): Promise<void> {
    const r = running;
    running = null;
    await r?.stop();
  }
  async function call(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${config.publicUrl}/compute/v2.1${p}`, {
      method, headers: { 'x-auth-token': token, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }
  async function waitFor(status: string): Promise<any> {
    let server: any = {};
    await until(async () => {
      server = (await call('GET', `/servers/${serverId}`)).body?.server ?? {};
      return server.status === status && server['OS-EXT-STS:task_state'] === null;
    }, 90).catch(() => { throw new Error(`never ${status}: ${JSON.stringify(server)}`); });
    return server;
  }

  before(async function () {
    await dockerOrSkip(this, docker);
    if (!fs.existsSync(FIXTURE_TAR)) throw new Error(`${FIXTURE_TAR} is missing: run fixtures/images/build-busybox.sh`);
    process.env.NOVASHIM_FIXTURES_DIR = path.dirname(FIXTURE_TAR);
    config = await liveConfig({ reclaimInstanceIntervalSec: RECLAIM_SEC });
    await up();
  });

  after(async () => {
    if (!config) return;
    if (!running && serverId) await up().catch(() => undefined);
    if (running && serverId) {
      await call('POST', `/servers/${serverId}/action`, { forceDelete: null }).catch(() => undefined);
      await running.services.tasks.idle();
    }
    await down().catch(() => undefined);
    const left = serverId ? await containerOf(docker, serverId) : null;
    if (left) await docker.getContainer(left.Id).remove({ force: true }).catch(() => undefined);
    if (imageId) await docker.getImage(imageTag(imageId)).remove().catch(() => undefined);
    fs.rmSync(config.dataDir, { recursive: true, force: true });
  });

  it('keeps the stopped container on DELETE, runs it again on restore, and reclaims it after the interval across a restart', async () => {
    imageId = (await call('GET', '/images?name=busybox')).body.images[0].id;
    const created = await call('POST', '/servers', { server: { name: 'soft', imageRef: imageId, flavorRef: '1' } });
    expect(created.status, JSON.stringify(created.body)).to.equal(202);
    serverId = created.body.server.id;
    await waitFor('ACTIVE');
    const first = (await containerOf(docker, serverId))!;
    expect(first.State.Running).to.equal(true);

    expect((await call('DELETE', `/servers/${serverId}`)).status).to.equal(204);
    const soft = await waitFor('SOFT_DELETED');
    expect(soft['OS-EXT-STS:vm_state']).to.equal('soft-delete');
    const kept = (await containerOf(docker, serverId))!;
    expect(kept.Id, 'the same container is kept').to.equal(first.Id);
    expect(kept.State.Running, 'stopped').to.equal(false);

    expect((await call('POST', `/servers/${serverId}/action`, { restore: null })).status).to.equal(202);
    await waitFor('ACTIVE');
    const restored = (await containerOf(docker, serverId))!;
    expect(restored.Id).to.equal(first.Id);
    expect(restored.State.Running, 'running again').to.equal(true);

    expect((await call('DELETE', `/servers/${serverId}`)).status).to.equal(204);
    await waitFor('SOFT_DELETED');
    await down(); // the deadline is in the database, not in a timer of this process
    await new Promise((r) => setTimeout(r, (RECLAIM_SEC + 1) * 1000));
    expect((await containerOf(docker, serverId))!.Id, 'nothing reclaims while the service is down').to.equal(first.Id);
    await up(); // the reclaim runs at start for what came due meanwhile
    await until(async () => (await call('GET', `/servers/${serverId}`)).status === 404, 60);
    await until(async () => (await containerOf(docker, serverId)) === null, 60);
    serverId = '';
  });
});
