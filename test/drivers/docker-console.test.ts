import { expect } from 'chai';
import { InstanceNotFoundInDriver } from '../../src/errors';
import { DriverInstance } from '../../src/drivers/driver';
import { DockerDriver } from '../../src/drivers/docker/driver';
import { consoleText, demuxLogFrames } from '../../src/drivers/docker/console-log';
import { containerName } from '../../src/drivers/docker/container-spec';
import { INSTANCE_LABEL, PROJECT_LABEL } from '../../src/drivers/docker/labels';
import { DEFAULT_DOCKER_HOST, dockerFromHost } from '../../src/drivers/docker/transport';
import { expectRejection, makeInstance } from './conformance';
import { FIXTURE_TAG, useEngine } from './docker-fixtures';

/** one Docker log frame: stream byte, 3 zero bytes, big-endian length, payload */
const frame = (stream: 1 | 2, text: string): Buffer => {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};

describe('Docker console log frames', function () {
  it('joins stdout and stderr payloads in order and drops the headers', function () {
    const framed = Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err 1\n'), frame(1, 'out 2\n')]);
    expect(demuxLogFrames(framed).toString()).to.equal('out 1\nerr 1\nout 2\n');
    expect(consoleText(framed, false)).to.equal('out 1\nerr 1\nout 2\n');
  });

  it('keeps a TTY stream as it is, with CRLF made LF', function () {
    expect(consoleText(Buffer.from('a\r\nb\r\n'), true)).to.equal('a\nb\n');
  });
});

describe('DockerDriver console output on a real engine', function () {
  this.timeout(120_000);
  const endpoint = process.env.DOCKER_HOST || DEFAULT_DOCKER_HOST;
  const docker = dockerFromHost(endpoint);
  const { fixtures, busyboxTar: fixtureTar } = useEngine(docker, endpoint, 'Docker console tests');
  const driver = new DockerDriver({ docker, defaultStopTimeoutSec: 3 });

  /** polls until the console holds `text`, so the test does not race the container's first writes */
  async function consoleWith(instance: DriverInstance, text: string, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const output = await driver.getConsoleOutput(instance);
      if (output.includes(text) || Date.now() > deadline) return output;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  describe('a spawned instance (TTY) writing to stdout and stderr', function () {
    let instance: DriverInstance;

    before(async function () {
      const script = 'for i in 1 2 3 4; do echo "line $i"; done; echo "to stderr" >&2; echo "last line"; while :; do sleep 1; done';
      const tarball = await fixtures.variant('console-lines', [`CMD ["/bin/sh", "-c", ${JSON.stringify(script)}]`]);
      const spawned = makeInstance({ projectId: fixtures.projectId });
      instance = { ...spawned, driverState: await driver.spawn(spawned, fixtures.image(tarball), { memoryMb: 64, vcpus: 1 }) };
    });
    after(async () => instance && driver.destroy(instance));

    it('returns every line, stderr included, with LF line ends', async function () {
      expect(await consoleWith(instance, 'last line')).to.equal('line 1\nline 2\nline 3\nline 4\nto stderr\nlast line\n');
    });

    it('returns only the last `lines` lines when asked', async function () {
      expect(await driver.getConsoleOutput(instance, 2)).to.equal('to stderr\nlast line\n');
      expect(await driver.getConsoleOutput(instance, 0)).to.equal('');
      expect((await driver.getConsoleOutput(instance, 100)).split('\n')).to.have.length(7);
    });

    it('still reads the log once the instance is stopped', async function () {
      await driver.powerOff(instance, { timeoutSec: 1 });
      expect(await driver.getConsoleOutput(instance, 1)).to.equal('last line\n');
    });
  });

  it('demultiplexes the log of a container without a TTY', async function () {
    const instance = makeInstance({ projectId: fixtures.projectId });
    // made by hand, as spawn always sets Tty; found by its name since there is no DriverState
    const container = await docker.createContainer({
      name: containerName(instance.uuid), Image: FIXTURE_TAG, Tty: false,
      Labels: { [INSTANCE_LABEL]: instance.uuid, [PROJECT_LABEL]: fixtures.projectId },
      Cmd: ['/bin/sh', '-c', 'echo out 1; sleep 0.2; echo err 1 >&2; sleep 0.2; echo out 2'],
    });
    await container.start();
    await container.wait();
    expect(await driver.getConsoleOutput(instance)).to.equal('out 1\nerr 1\nout 2\n');
    expect(await driver.getConsoleOutput(instance, 2)).to.equal('err 1\nout 2\n');
  });

  it('throws InstanceNotFoundInDriver for an instance without a container', async function () {
    await expectRejection(driver.getConsoleOutput(makeInstance({ projectId: fixtures.projectId })), InstanceNotFoundInDriver);
  });

  it('is reached through busybox too: the boot log of the fixture image', async function () {
    const spawned = makeInstance({ projectId: fixtures.projectId });
    const instance = { ...spawned, driverState: await driver.spawn(spawned, fixtures.image(fixtureTar()), { memoryMb: 64, vcpus: 1 }) };
    try {
      const log = await consoleWith(instance, 'novashim busybox up');
      expect(log.startsWith(`novashim busybox booting: ${instance.hostname}\n`), log).to.equal(true);
      expect(log.endsWith(`novashim busybox up: ${instance.hostname}\n`), log).to.equal(true);
      expect(await driver.getConsoleOutput(instance, 1)).to.equal(`novashim busybox up: ${instance.hostname}\n`);
    } finally {
      await driver.destroy(instance);
    }
  });
});
