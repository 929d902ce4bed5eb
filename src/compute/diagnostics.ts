import type { DriverRegistry } from '../drivers/registry';
import type { InstanceDiagnostics } from '../drivers/driver';
import { PowerState } from '../drivers/driver';
import type { InstanceRecord } from '../db/stores/instances';
import { InstanceInvalidState, InstanceNotFoundInDriver, InstanceNotReady, NotSupported } from '../errors';
import { toDriverInstance } from './manager';

/** Nova's InstancePowerState names (objects/fields.py), by power_state code */
export const POWER_STATE_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [PowerState.NOSTATE]: 'pending', [PowerState.RUNNING]: 'running', [PowerState.PAUSED]: 'paused',
  [PowerState.SHUTDOWN]: 'shutdown', [PowerState.CRASHED]: 'crashed', [PowerState.SUSPENDED]: 'suspended',
});

/**
 * Server diagnostics (Nova's get_diagnostics / get_instance_diagnostics): the running instance's
 * usage, read from its engine now. As Nova: 409 InstanceNotReady without a host (or container),
 * 501 when the driver cannot report diagnostics, 409 "Cannot 'get_diagnostics' instance … while it
 * is in power state …" unless the engine reports it running (a container that is gone counts as
 * 'pending', Nova's NOSTATE).
 */
export class DiagnosticsService {
  constructor(private readonly drivers: DriverRegistry) {}

  async get(instance: InstanceRecord): Promise<{ diagnostics: InstanceDiagnostics; powerState: PowerState }> {
    if (!instance.host || instance.driverState === null) throw new InstanceNotReady(instance.uuid);
    const driver = this.drivers.forHost(instance.host);
    if (!driver.capabilities.diagnostics || !driver.getDiagnostics) throw new NotSupported();
    const di = toDriverInstance(instance);
    const invalid = (state: PowerState) => new InstanceInvalidState(instance.uuid, 'power state', POWER_STATE_NAMES[state] ?? 'pending', 'get_diagnostics');
    const powerState = await driver.getInfo(di).then((i) => i.powerState, (err: unknown) => {
      if (err instanceof InstanceNotFoundInDriver) return PowerState.NOSTATE;
      throw err;
    });
    if (powerState !== PowerState.RUNNING) throw invalid(powerState);
    try {
      return { diagnostics: await driver.getDiagnostics(di), powerState };
    } catch (err) {
      // it stopped (or went away) between the two reads
      if (err instanceof InstanceNotReady) throw invalid(PowerState.SHUTDOWN);
      if (err instanceof InstanceNotFoundInDriver) throw invalid(PowerState.NOSTATE);
      throw err;
    }
  }
}
