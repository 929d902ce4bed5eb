import type { Config } from '../config';
import type { Logger } from '../log';
import type { ComputeDriver } from './driver';

/** Builds the configured driver for the local compute host and checks its engine (Nova's load_compute_driver). */
export async function createDriver(config: Config, log: Logger): Promise<ComputeDriver> {
  const driver = config.driver === 'fake' ? fakeDriver() : dockerDriver(config, log);
  await driver.init();
  return driver;
}

// each driver's modules are required when it is the configured one, not imported: a process with
// the fake driver never loads the engine client (dockerode, ssh2), one with Docker not the fake
function fakeDriver(): ComputeDriver {
  const { FakeDriver } = require('./fake/driver') as typeof import('./fake/driver');
  return new FakeDriver();
}

function dockerDriver(config: Config, log: Logger): ComputeDriver {
  const { DockerDriver } = require('./docker/driver') as typeof import('./docker/driver');
  const { dockerFromHost } = require('./docker/transport') as typeof import('./docker/transport');
  const { deploymentOf } = require('./docker/labels') as typeof import('./docker/labels');
  return new DockerDriver({
    docker: dockerFromHost(config.dockerHost),
    defaultStopTimeoutSec: config.shutdownTimeoutSec,
    privateNetwork: config.privateNetwork,
    privateSubnet: config.privateSubnet,
    log: log.child({ driver: 'docker' }),
    deployment: deploymentOf(config.databaseUrl),
  });
}
