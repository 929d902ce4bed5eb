import { expect } from 'chai';
import type Dockerode from 'dockerode';
import { InstanceNotReady } from '../../src/errors';
import { DriverFlavor, DriverInstance } from '../../src/drivers/driver';
import { DockerDriver } from '../../src/drivers/docker/driver';
import { diagnosticsOf } from '../../src/drivers/docker/diagnostics';
import { DEFAULT_DOCKER_HOST, dockerFromHost } from '../../src/drivers/docker/transport';
import { expectRejection, makeInstance } from './conformance';
import { execInInstance, useEngine } from './docker-fixtures';

const MIB = 1024 * 1024;

describe('Docker diagnostics mapping (pure)', function () {
  const now = new Date('2026-01-01T00:01:40Z');
  const inspect = {
    State: { Running: true, StartedAt: '2026-01-01T00:00:00.5Z' },
    HostConfig: { Memory: 256 * MIB, NanoCpus: 2e9 },
    NetworkSettings: { Networks: { novashim: { MacAddress: '02:42:AC:11:00:02' } } },
  };

  it('cgroup v1 stats: used memory less inactive file cache, per-vCPU entries, blkio sums, libvirt-style raw keys', function () {
    const d = diagnosticsOf(inspect, {
      cpu_stats: { cpu_usage: { total_usage: 5e9, percpu_usage: [3e9, 2e9] }, online_cpus: 8 },
      memory_stats: { usage: 40 * MIB, limit: 999 * MIB, stats: { total_inactive_file: 8 * MIB, rss: 20 * MIB } },
      networks: { eth0: { rx_bytes: 100, rx_packets: 2, rx_errors: 0, rx_dropped: 1, tx_bytes: 50, tx_packets: 1, tx_errors: 0, tx_dropped: 0 } },
      blkio_stats: {
        io_service_bytes_recursive: [{ op: 'Read', value: 4096 }, { op: 'Write', value: 8192 }, { op: 'Read', value: 4096 }, { op: 'Total', value: 1 }],
        io_serviced_recursive: [{ op: 'Read', value: 3 }, { op: 'Write', value: 5 }],
      },
    }, 'linux', now);
    expect(d.memory).to.deep.equal({ maximumMb: 256, usedMb: 32 });
    expect(d.cpus).to.deep.equal([{ id: 0, timeNs: null, utilisation: null }, { id: 1, timeNs: null, utilisation: null }]);
    expect(d.uptimeSec).to.equal(99);
    expect(d.hypervisor).to.equal('docker');
    expect(d.hypervisorOs).to.equal('linux');
    expect(d.nics).to.deep.equal([{ mac: '02:42:ac:11:00:02', rxOctets: 100, rxErrors: 0, rxDrop: 1, rxPackets: 2, txOctets: 50, txErrors: 0, txDrop: 0, txPackets: 1 }]);
    expect(d.disks).to.deep.equal([{ readBytes: 8192, writeBytes: 8192, readRequests: 3, writeRequests: 5, errors: null }]);
    expect(d.raw).to.include({ memory: 256 * 1024, 'memory-actual': 32 * 1024, 'memory-rss': 20 * 1024, cpu0_time: 3e9, cpu1_time: 2e9, eth0_rx: 100, eth0_tx_packets: 1 });
  });

  it('cgroup v2 stats and an unlimited container: host CPUs, inactive_file, no per-op request counts', function () {
    const d = diagnosticsOf({ ...inspect, HostConfig: { Memory: 0, NanoCpus: 0 } }, {
      cpu_stats: { cpu_usage: { total_usage: 7 }, online_cpus: 1 },
      memory_stats: { usage: 10 * MIB, limit: 2048 * MIB, stats: { inactive_file: 2 * MIB, anon: 5 * MIB } },
      blkio_stats: { io_service_bytes_recursive: [], io_serviced_recursive: null },
    }, null, now);
    expect(d.memory).to.deep.equal({ maximumMb: 2048, usedMb: 8 });
    expect(d.cpus).to.deep.equal([{ id: 0, timeNs: 7, utilisation: null }]);
    expect(d.nics).to.deep.equal([]);
    expect(d.disks).to.deep.equal([{ readBytes: 0, writeBytes: 0, readRequests: null, writeRequests: null, errors: null }]);
  });
});

describe('DockerDriver getDiagnostics on a real engine', function () {
  this.timeout(120_000);
  const endpoint = process.env.DOCKER_HOST || DEFAULT_DOCKER_HOST;
  const docker = dockerFromHost(endpoint);
  const { fixtures, busyboxTar } = useEngine(docker, endpoint, 'Docker diagnostics tests');
  const driver = new DockerDriver({ docker, defaultStopTimeoutSec: 2, pidsLimit: 500 });
  const flavor: DriverFlavor = Object.freeze({ memoryMb: 96, vcpus: 1 });
  let instance: DriverInstance;
  let container: Dockerode.ContainerInspectInfo;

  before(async function () {
    const spawned = makeInstance({ projectId: fixtures.projectId });
    instance = { ...spawned, driverState: await driver.spawn(spawned, fixtures.image(busyboxTar()), flavor) };
    container = await docker.getContainer(instance.driverState!.containerId as string).inspect();
  });
  after(async () => instance && driver.destroy(instance));

  it("memory maximum is the flavor's RAM (the container's limit), one vCPU with its CPU time, the container's NIC", async function () {
    const d = await driver.getDiagnostics(instance);
    expect(container.HostConfig.Memory).to.equal(96 * MIB);
    expect(d.memory.maximumMb).to.equal(96);
    expect(d.raw.memory).to.equal(96 * 1024);
    expect(d.memory.usedMb).to.be.a('number').and.to.be.within(0, 95);
    expect(d.cpus).to.have.length(1);
    expect(d.cpus[0].timeNs).to.be.a('number').and.greaterThan(0);
    expect(d.hypervisor).to.equal('docker');
    expect(d.hypervisorOs).to.equal('linux');
    const macs = Object.values(container.NetworkSettings.Networks).map((n) => n.MacAddress.toLowerCase());
    expect(d.nics).to.have.length(macs.length);
    if (macs.length === 1) expect(d.nics[0].mac).to.equal(macs[0]);
    expect(d.nics[0].rxOctets).to.be.a('number');
    expect(d.disks).to.have.length(1);
    const started = Date.parse(container.State.StartedAt);
    expect(d.uptimeSec).to.be.within(0, Math.ceil((Date.now() - started) / 1000) + 1);
  });

  it('memory used follows what the guest really holds: 32 MiB written to its tmpfs show up', async function () {
    const before = (await driver.getDiagnostics(instance)).memory.usedMb!;
    await execInInstance(docker, instance.uuid, ['sh', '-c', 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=32 2>/dev/null; sync']);
    try {
      const after = (await driver.getDiagnostics(instance)).memory.usedMb!;
      expect(after - before, `${before} → ${after} MiB`).to.be.at.least(28);
    } finally {
      await execInInstance(docker, instance.uuid, ['rm', '-f', '/dev/shm/fill']);
    }
  });

  it('a paused or stopped container has no diagnostics (InstanceNotReady)', async function () {
    await driver.pause!(instance);
    await expectRejection(driver.getDiagnostics(instance), InstanceNotReady);
    await driver.unpause!(instance);
    await driver.powerOff(instance, { timeoutSec: 1 });
    await expectRejection(driver.getDiagnostics(instance), InstanceNotReady);
    await driver.powerOn(instance);
    expect((await driver.getDiagnostics(instance)).memory.maximumMb).to.equal(96);
  });
});
