import type { Config } from '../config';
import type { Logger } from '../log';
import type { ComputeDriver } from './driver';
import { FakeDriver } from './fake/driver';
import { DockerDriver } from './docker/driver';
import { dockerFromHost } from './docker/transport';
import { deploymentOf } from './docker/labels';

/** Builds the configured driver for the local compute host and checks its engine (Nova's load_compute_driver). */
export async function createDriver(config: Config, log: Logger): Promise<ComputeDriver> {
  const driver = config.driver === 'fake' ? new FakeDriver() : dockerDriver(config, log);
  await driver.init();
  return driver;
}

function dockerDriver(config: Config, log: Logger): ComputeDriver {
  return new DockerDriver({
    docker: dockerFromHost(config.dockerHost),
    defaultStopTimeoutSec: config.shutdownTimeoutSec,
    privateNetwork: config.privateNetwork,
    privateSubnet: config.privateSubnet,
    log: log.child({ driver: 'docker' }),
    deployment: deploymentOf(config.databaseUrl),
  });
}
