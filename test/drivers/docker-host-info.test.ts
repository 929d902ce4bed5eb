import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { expect } from 'chai';
import { DockerDriver } from '../../src/drivers/docker/driver';
import { versionNumber } from '../../src/drivers/docker/host-info';
import { DEFAULT_DOCKER_HOST, dockerFromHost } from '../../src/drivers/docker/transport';
import { makeTestApp } from '../helpers/app';
import { useEngine } from './docker-fixtures';

describe('Docker host info: version numbers', function () {
  it("turns the engine version into Nova's integer", function () {
    expect(versionNumber('24.0.7')).to.equal(24000007);
    expect(versionNumber('26.1.3-ce')).to.equal(26001003);
    expect(versionNumber('20.10')).to.equal(20010000);
    expect(versionNumber('')).to.equal(0);
  });
});

describe('Docker host info (real engine)', function () {
  const endpoint = process.env.DOCKER_HOST || DEFAULT_DOCKER_HOST;
  const docker = dockerFromHost(endpoint);
  useEngine(docker, endpoint, 'Docker host info tests');
  const driver = new DockerDriver({ docker });

  it("reports the engine's real CPUs, memory and version (docker info)", async function () {
    const info = await docker.info();
    const host = await driver.hostInfo();
    expect(driver.capabilities.hostInfo).to.equal(true);
    expect(host.vcpus).to.equal(info.NCPU);
    expect(host.vcpus).to.be.greaterThan(0);
    expect(host.memoryMb).to.equal(Math.floor(info.MemTotal / (1024 * 1024)));
    expect(host.memoryMb).to.be.greaterThan(0);
    expect(host.hypervisorType).to.equal('docker');
    expect(host.hypervisorVersion).to.equal(versionNumber(info.ServerVersion));
    expect(host.hypervisorVersion).to.be.greaterThan(0);
    expect(host.cpuArch).to.equal(info.Architecture);
  });

  it('reads disk and uptime of this machine for a local engine', async function () {
    const local = endpoint.startsWith('unix://') || endpoint.startsWith('/');
    const info = await docker.info();
    const host = await driver.hostInfo();
    if (!local) {
      expect(host.uptimeSec).to.equal(null);
      expect(host.diskGb).to.equal(0);
      return;
    }
    const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(/\s+/)[0]);
    expect(host.uptimeSec).to.be.a('number');
    expect(Math.abs((host.uptimeSec as number) - uptime)).to.be.lessThan(60);
    if (existsSync(info.DockerRootDir)) {
      const s = statfsSync(info.DockerRootDir);
      expect(host.diskGb).to.equal(Math.floor((s.blocks * s.bsize) / 1024 ** 3));
    }
  });

  it('shows the real totals through GET /os-hypervisors/detail', async function () {
    const info = await docker.info();
    const t = await makeTestApp({ driver: new DockerDriver({ docker: dockerFromHost(endpoint) }) });
    try {
      const res = await t.request.get('/compute/v2.1/os-hypervisors/detail').set({ 'x-auth-token': t.tokens.admin });
      expect(res.status, res.text).to.equal(200);
      expect(res.body.hypervisors[0]).to.include({
        vcpus: info.NCPU, memory_mb: Math.floor(info.MemTotal / (1024 * 1024)), hypervisor_type: 'docker', state: 'up',
      });
    } finally {
      await t.close();
      await t.driver.close();
    }
  });
});
