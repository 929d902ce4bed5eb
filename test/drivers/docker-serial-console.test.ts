import { expect } from 'chai';
import { InstanceNotReady } from '../../src/errors';
import { ConsoleStream, DriverInstance, PowerState } from '../../src/drivers/driver';
import { DockerDriver } from '../../src/drivers/docker/driver';
import { containerName } from '../../src/drivers/docker/container-spec';
import { DEFAULT_DOCKER_HOST, dockerFromHost } from '../../src/drivers/docker/transport';
import { expectRejection, makeInstance } from './conformance';
import { useEngine } from './docker-fixtures';

const endpoint = process.env.DOCKER_HOST || DEFAULT_DOCKER_HOST;
const docker = dockerFromHost(endpoint);

/** Collects what a console prints, and waits for text in it. */
class ConsoleReader {
  private seen = '';
  constructor(readonly stream: ConsoleStream) {
    stream.on('data', (chunk: Buffer) => { this.seen += chunk.toString('utf8'); });
  }

  get text(): string {
    return this.seen;
  }

  async waitFor(text: string | RegExp, ms = 10_000): Promise<string> {
    const deadline = Date.now() + ms;
    const found = () => (typeof text === 'string' ? this.seen.includes(text) : text.test(this.seen));
    while (!found() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (!found()) throw new Error(`the console never showed ${String(text)}; it showed ${JSON.stringify(this.seen.slice(-400))}`);
    return this.seen;
  }

  /** types a command until its answer shows (the shell may still be starting when first typed) */
  async run(command: string, answer: string | RegExp): Promise<string> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      this.stream.write(`${command}\n`);
      try {
        return await this.waitFor(answer, 1000);
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
    }
  }
}

describe('DockerDriver serial console on a real engine (docker attach to the TTY)', function () {
  this.timeout(120_000);
  const { fixtures, busyboxTar } = useEngine(docker, endpoint, 'Docker serial console tests');
  const driver = new DockerDriver({ docker, defaultStopTimeoutSec: 3 });
  let instance: DriverInstance;

  before(async function () {
    const spawned = makeInstance({ projectId: fixtures.projectId });
    instance = { ...spawned, driverState: await driver.spawn(spawned, fixtures.image(busyboxTar()), { memoryMb: 64, vcpus: 1 }) };
  });
  after(async () => {
    if (instance) await driver.destroy(instance);
  });

  it('spawns the container with an interactive TTY whose stdin outlives an attach (Tty, OpenStdin, not StdinOnce)', async function () {
    const config = (await docker.getContainer(containerName(instance.uuid)).inspect()).Config;
    expect({ Tty: config.Tty, OpenStdin: config.OpenStdin, StdinOnce: config.StdinOnce }).to.deep.equal({ Tty: true, OpenStdin: true, StdinOnce: false });
  });

  it("reaches the busybox fixture's login shell: a typed command runs, raw bytes (no stream framing) come back", async function () {
    const console = new ConsoleReader(await driver.attachConsole(instance));
    try {
      const seen = await console.run('echo novashim-$((6*7))', 'novashim-42');
      // a multiplexed (non-TTY) attach would put 8-byte headers starting with 0x01/0x02 in front
      expect(seen).to.not.match(/[\x01\x02]\x00\x00\x00/); // eslint-disable-line no-control-regex
      expect(seen).to.include('echo novashim-$((6*7))');
    } finally {
      console.stream.destroy();
    }
  });

  it('ctrl-c interrupts a command in the console without stopping the instance', async function () {
    const console = new ConsoleReader(await driver.attachConsole(instance));
    try {
      await console.run('echo ready-$((1+1))', 'ready-2');
      console.stream.write('sleep 60; echo slept-$((1+2))\n');
      await new Promise((r) => setTimeout(r, 500));
      const started = Date.now();
      console.stream.write('\x03');
      await console.run('echo after-$((2+3))', 'after-5');
      expect(Date.now() - started, 'answered without waiting for the sleep').to.be.below(20_000);
      expect(console.text).to.not.include('slept-3');
      expect((await driver.getInfo(instance)).powerState).to.equal(PowerState.RUNNING);
    } finally {
      console.stream.destroy();
    }
  });

  it('a detached console leaves the shell running for the next attach, and the console log keeps what was typed', async function () {
    const first = new ConsoleReader(await driver.attachConsole(instance));
    await first.run('export NOVASHIM_MARK=kept-$((3*3))', /export NOVASHIM_MARK[^\n]*\n/);
    first.stream.destroy();
    const second = new ConsoleReader(await driver.attachConsole(instance));
    try {
      await second.run('echo mark=$NOVASHIM_MARK', 'mark=kept-9');
    } finally {
      second.stream.destroy();
    }
    const log = await driver.getConsoleOutput(instance);
    expect(log).to.include('novashim busybox up').and.include('mark=kept-9');
  });

  it('ends the stream when the container stops; a paused or stopped container gives InstanceNotReady', async function () {
    const stream = await driver.attachConsole(instance);
    const ended = new Promise<void>((resolve) => { stream.once('end', resolve); stream.once('close', resolve); stream.resume(); });
    await driver.pause(instance);
    try {
      await expectRejection(driver.attachConsole(instance), InstanceNotReady);
    } finally {
      await driver.unpause(instance);
    }
    await driver.powerOff(instance, { timeoutSec: 3 });
    await ended;
    await expectRejection(driver.attachConsole(instance), InstanceNotReady);
    await driver.powerOn(instance);
    const again = new ConsoleReader(await driver.attachConsole(instance));
    try {
      await again.run('echo back-$((4*4))', 'back-16');
    } finally {
      again.stream.destroy();
    }
  });
});
