import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type Docker from 'dockerode';
import { containerOf, localDocker } from '../helpers/engine';
import { until, useLiveApi } from '../helpers/live-api';
import { DEPLOYMENT_LABEL, INSTANCE_LABEL, PROJECT_LABEL, deploymentOf } from '../../src/drivers/docker/labels';
import { imageTag } from '../../src/drivers/docker/images';

/* eslint-disable @typescript-eslint/no-explicit-any -- API bodies are read field by field */

/**
 * Containers changed behind novashim's back on the real Docker engine, seen by the periodic power
 * state sync (NOVASHIM_POWER_SYNC_INTERVAL, 1 s here): killed → SHUTOFF; started again while
 * SHUTOFF → stopped again (Nova's force_stop); restarted while ACTIVE → still ACTIVE; removed →
 * ERROR with a fault; a container labelled for this deployment that no server owns → stopped, not
 * removed, while another deployment's and unlabelled containers are never touched.
 */
describe('power state sync on the real Docker engine (out-of-band changes, orphans)', function () {
  this.timeout(120_000);
  const docker = localDocker();
  const made: string[] = []; // containers this suite made itself
  // registered before useLiveApi's, so it runs first: the image tag its after hook removes is then free
  after(async () => {
    for (const id of made) await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
  });
  const api = useLiveApi(docker, { powerSyncIntervalSec: 1 });
  let image = '';

  const show = async (id: string) => (await api.call('GET', `/compute/v2.1/servers/${id}`)).body.server;
  const states = (s: any) => [s.status, s['OS-EXT-STS:vm_state'], s['OS-EXT-STS:task_state'], s['OS-EXT-STS:power_state']];
  const containerId = async (server: string) => (await containerOf(docker, server))!.Id;
  const running = async (id: string) => (await docker.getContainer(id).inspect()).State.Running;
  const syncs = (n: number) => new Promise((r) => setTimeout(r, n * 1000 + 500));

  async function waitState(id: string, want: unknown[]): Promise<any> {
    let server: any = null;
    await until(async () => {
      server = await show(id);
      return JSON.stringify(states(server)) === JSON.stringify(want);
    }, 20).catch(() => expect(states(server), id).to.deep.equal(want));
    return server;
  }

  before(async () => {
    image = await api.busyboxImage();
  });

  it('a container killed behind novashim: the server becomes SHUTOFF (stopped, power_state 4); started again behind it: stopped again', async () => {
    const id = await api.boot({ name: 'killed', imageRef: image });
    const container = await containerId(id);
    await docker.getContainer(container).kill();
    await waitState(id, ['SHUTOFF', 'stopped', null, 4]);
    // Nova's force_stop for a STOPPED instance found running
    await docker.getContainer(container).start();
    await until(async () => !(await running(container)), 20);
    expect(states(await show(id))).to.deep.equal(['SHUTOFF', 'stopped', null, 4]);
    // and it is still a normal server: os-start brings it back
    await api.action(id, { 'os-start': null });
    await api.waitForStatus(id, 'ACTIVE');
    expect(await running(container)).to.equal(true);
  });

  it('a container restarted behind novashim (docker restart): the server stays ACTIVE, power_state 1', async () => {
    const id = await api.boot({ name: 'restarted', imageRef: image });
    const container = await containerId(id);
    await docker.getContainer(container).restart({ t: 1 });
    await syncs(2);
    expect(states(await show(id))).to.deep.equal(['ACTIVE', 'active', null, 1]);
    expect(await running(container)).to.equal(true);
  });

  it('a container removed behind novashim: the server becomes ERROR with a fault (power_state 0)', async () => {
    const id = await api.boot({ name: 'removed', imageRef: image });
    await docker.getContainer(await containerId(id)).remove({ force: true });
    const server = await waitState(id, ['ERROR', 'error', null, 0]);
    expect(server.fault.message).to.match(/removed outside novashim/);
  });

  it("orphans: this deployment's labelled container without a server is stopped (not removed); other deployments' and unlabelled ones are untouched", async () => {
    const deployment = deploymentOf(api.live.config.databaseUrl);
    const create = async (name: string, labels: Record<string, string>): Promise<Docker.Container> => {
      const c = await docker.createContainer({ name, Image: imageTag(image), Labels: labels, HostConfig: { Init: true } });
      made.push(c.id);
      await c.start();
      return c;
    };
    const orphanUuid = randomUUID();
    const orphan = await create(`novashim-${orphanUuid}`, { [INSTANCE_LABEL]: orphanUuid, [PROJECT_LABEL]: 'p', [DEPLOYMENT_LABEL]: deployment });
    const otherUuid = randomUUID();
    const other = await create(`novashim-${otherUuid}`, { [INSTANCE_LABEL]: otherUuid, [PROJECT_LABEL]: 'p', [DEPLOYMENT_LABEL]: 'another-deployment' });
    const legacyUuid = randomUUID(); // made before deployment labels existed: not provably ours
    const legacy = await create(`novashim-${legacyUuid}`, { [INSTANCE_LABEL]: legacyUuid, [PROJECT_LABEL]: 'p' });
    const plain = await create(`reliability-plain-${randomUUID().slice(0, 8)}`, {});
    await until(async () => !(await running(orphan.id)), 20);
    await syncs(1);
    expect((await orphan.inspect()).State.Status).to.equal('exited'); // kept, so nothing is lost
    for (const c of [other, legacy, plain]) expect(await running(c.id), c.id).to.equal(true);
  });
});
