import { expect } from 'chai';
import { DriverInstance, PowerState } from '../../src/drivers/driver';
import { DockerDriver } from '../../src/drivers/docker/driver';
import { DEFAULT_DOCKER_HOST, dockerFromHost } from '../../src/drivers/docker/transport';
import { expectRejection, makeInstance } from './conformance';
import { useEngine } from './docker-fixtures';
import { InstanceNotFoundInDriver } from '../../src/errors';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** pause/unpause and suspend/resume on a real engine: the cgroup freezer really stops the processes */
describe('DockerDriver pause/suspend on a real engine', function () {
  this.timeout(120_000);
  const endpoint = process.env.DOCKER_HOST || DEFAULT_DOCKER_HOST;
  const docker = dockerFromHost(endpoint);
  const { fixtures } = useEngine(docker, endpoint, 'Docker pause/suspend tests');
  const driver = new DockerDriver({ docker, defaultStopTimeoutSec: 2 });
  let tickerTar = '';

  // runs after useEngine's before (engine checked, busybox fixture built); skipped with it
  before(async function () {
    // a process that counts: one "tick N" line on the console every 100 ms
    const script = 'i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.1; done';
    tickerTar = await fixtures.variant('ticker', [`CMD ["/bin/sh", "-c", ${JSON.stringify(script)}]`]);
  });

  async function spawnTicker(): Promise<DriverInstance> {
    const instance = makeInstance({ projectId: fixtures.projectId });
    return { ...instance, driverState: await driver.spawn(instance, fixtures.image(tickerTar), { memoryMb: 64, vcpus: 1 }) };
  }

  /** the last tick the container's process wrote (its console log can be read while it is frozen) */
  async function lastTick(instance: DriverInstance): Promise<number> {
    const line = (await driver.getConsoleOutput(instance, 1)).trim();
    const match = /^tick (\d+)$/.exec(line);
    expect(match, `console line ${JSON.stringify(line)}`).to.not.equal(null);
    return Number(match![1]);
  }

  async function ticking(instance: DriverInstance): Promise<number> {
    for (let tries = 0; tries < 50; tries++) {
      const output = await driver.getConsoleOutput(instance, 1);
      if (/^tick \d+/.test(output)) return lastTick(instance);
      await sleep(100);
    }
    throw new Error('the ticker never ticked');
  }

  const inspect = (instance: DriverInstance) => docker.getContainer(instance.driverState!.containerId as string).inspect();

  for (const [freeze, thaw] of [['pause', 'unpause'], ['suspend', 'resume']] as const) {
    describe(`${freeze} and ${thaw}`, function () {
      let instance: DriverInstance;
      before(async function () { instance = await spawnTicker(); });
      after(async function () { if (instance) await driver.destroy(instance); });

      it(`${freeze} freezes the container: State.Paused, getInfo PAUSED, and its process stops counting`, async function () {
        await ticking(instance);
        await driver[freeze](instance);
        const state = (await inspect(instance)).State;
        expect(state.Paused).to.equal(true);
        expect(state.Status).to.equal('paused');
        expect(state.Running, 'frozen, not stopped').to.equal(true);
        // Docker cannot tell suspended from paused; the compute layer maps suspended to power state 7
        expect((await driver.getInfo(instance)).powerState).to.equal(PowerState.PAUSED);
        const frozenAt = await lastTick(instance);
        await sleep(1000);
        expect(await lastTick(instance), 'ticks while frozen').to.equal(frozenAt);
      });

      it(`${thaw} thaws it: State.Paused false, getInfo RUNNING, and the count goes on from where it stopped`, async function () {
        const frozenAt = await lastTick(instance);
        await driver[thaw](instance);
        const state = (await inspect(instance)).State;
        expect(state.Paused).to.equal(false);
        expect(state.Status).to.equal('running');
        expect((await driver.getInfo(instance)).powerState).to.equal(PowerState.RUNNING);
        await sleep(800);
        const after = await lastTick(instance);
        expect(after).to.be.greaterThan(frozenAt);
        // the same process carried on (a restart would count from 1 again, and leave the first lines)
        const output = await driver.getConsoleOutput(instance);
        expect(output.match(/^tick 1$/gm), 'one tick 1: never restarted').to.have.length(1);
      });
    });
  }

  it('removes a paused container on destroy', async function () {
    const instance = await spawnTicker();
    await driver.pause(instance);
    expect((await inspect(instance)).State.Paused).to.equal(true);
    await driver.destroy(instance);
    await expectRejection(driver.getInfo(instance), InstanceNotFoundInDriver);
    const left = await docker.listContainers({ all: true, filters: { id: [instance.driverState!.containerId as string] } });
    expect(left).to.deep.equal([]);
  });

  it('restarts a paused container on a HARD reboot: it runs again and counts from 1', async function () {
    const instance = await spawnTicker();
    try {
      await ticking(instance);
      await driver.suspend(instance);
      await driver.reboot(instance, 'HARD');
      const state = (await inspect(instance)).State;
      expect([state.Running, state.Paused]).to.deep.equal([true, false]);
      await sleep(500);
      const output = await driver.getConsoleOutput(instance);
      expect(output.match(/^tick 1$/gm), 'the process started over').to.have.length(2);
    } finally {
      await driver.destroy(instance);
    }
  });
});
