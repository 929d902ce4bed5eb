import type { Logger } from '../log';
import type { ComputeDriver, DriverInstance } from '../drivers/driver';
import { PowerState } from '../drivers/driver';
import type { DriverRegistry } from '../drivers/registry';
import type { InstanceRecord, InstancePatch, InstanceStore } from '../db/stores/instances';
import type { ImageService } from '../image/service';
import type { ImageRecord } from '../db/stores/images';
import { DomainError, InstanceNotFoundInDriver } from '../errors';
import { TaskState, VmState } from './states';
import { computeEventName, EventHandle, InstanceActionRecorder } from './instance-actions';
import { settleFrozen } from './pause-suspend';
import { discardImage, settleShelved } from './shelve';
import { configDriveFor } from './config-drive';

/**
 * The compute manager: the work that runs in the background once the API has accepted a request
 * (Nova's nova-compute). Each method ends with the instance in a settled state, task_state null.
 */
export class ComputeManager {
  constructor(
    private readonly instances: InstanceStore,
    private readonly images: ImageService,
    private readonly drivers: DriverRegistry,
    private readonly log: Logger,
    /** records each run/spawn/destroy as an event of the instance action it belongs to */
    private readonly actions?: InstanceActionRecorder,
  ) {}

  async spawn(uuid: string, image: ImageRecord): Promise<void> {
    const instance = await this.instances.find(uuid);
    if (!(await this.instances.update(uuid, { taskState: TaskState.SPAWNING }, TaskState.SCHEDULING))) return; // deleted meanwhile
    const driver = this.driverOf(instance);
    const { event, work } = await this.startWithEvent(uuid, 'spawn', () => driver.spawn(toDriverInstance(instance), this.images.driverImage(image), instance.flavor));
    try {
      const driverState = await work;
      const info = await driver.getInfo({ ...toDriverInstance(instance), driverState });
      const settled = await this.instances.update(uuid, {
        vmState: VmState.ACTIVE, taskState: null, powerState: info.powerState, addresses: info.addresses,
        driverState, launchedAt: new Date(), progress: 100,
      }, TaskState.SPAWNING);
      // the server was deleted while it spawned: its delete task runs next and removes the container
      if (!settled) this.log.info({ instanceId: uuid }, 'instance deleted while spawning');
      await event.finish();
    } catch (err) {
      await event.finish(err);
      await this.fail(instance, driver, err);
    }
  }

  async destroy(uuid: string): Promise<void> {
    const instance = await this.instances.find(uuid);
    // a shelved-offloaded server has no host and no container
    const { event, work } = await this.startWithEvent(uuid, 'delete', async () => { if (instance.host) await this.driverOf(instance).destroy(toDriverInstance(instance)); });
    await work.catch(async (err) => { await event.finish(err); throw err; });
    await event.finish();
    if (instance.shelved) await discardImage(this.images, instance.shelved.imageId, this.log); // Nova's _delete of a shelved server
    const now = new Date();
    await this.instances.update(uuid, {
      vmState: VmState.DELETED, taskState: null, powerState: PowerState.NOSTATE, deletedAt: now, terminatedAt: now,
    });
  }

  async powerOff(uuid: string, timeoutSec: number): Promise<void> {
    await this.run(uuid, 'stop', async (driver, di) => {
      await driver.powerOff(di, { timeoutSec });
      return { vmState: VmState.STOPPED, powerState: PowerState.SHUTDOWN, addresses: [] };
    });
  }

  async powerOn(uuid: string): Promise<void> {
    await this.run(uuid, 'start', async (driver, di) => {
      await driver.powerOn(di);
      return { vmState: VmState.ACTIVE, ...(await this.observed(driver, di)) };
    });
  }

  async reboot(uuid: string, kind: 'SOFT' | 'HARD'): Promise<void> {
    await this.run(uuid, 'reboot', async (driver, di) => {
      await driver.reboot(di, kind);
      return { vmState: VmState.ACTIVE, ...(await this.observed(driver, di)) };
    });
  }

  /** A build the previous process did not finish: remove what it may have left, then ERROR. */
  async abandonBuild(uuid: string): Promise<void> {
    const instance = await this.instances.find(uuid);
    await this.fail(instance, this.driverOf(instance), new Error('The service restarted while this server was being built.'));
  }

  /** A power action the previous process did not finish: take the state the engine reports. */
  async settle(uuid: string): Promise<void> {
    const before = await this.instances.find(uuid);
    const shelved = await settleShelved(before, this.drivers);
    if (shelved) {
      await this.instances.update(uuid, shelved);
      return;
    }
    await this.run(uuid, 'settle', async (driver, di) => {
      const seen = await this.observed(driver, di);
      const frozen = settleFrozen(before, seen.powerState); // paused or suspended, not stopped
      if (frozen) return { ...seen, ...frozen };
      return { ...seen, vmState: seen.powerState === PowerState.RUNNING ? VmState.ACTIVE : VmState.STOPPED };
    });
  }

  /**
   * Runs one driver action; on success applies its patch with task_state null, on failure records
   * a fault and clears the task (Nova's wrap_instance_fault). Feature modules build on this.
   */
  async run(uuid: string, name: string,
    action: (driver: ComputeDriver, di: DriverInstance) => Promise<InstancePatch>): Promise<void> {
    const instance = await this.instances.find(uuid);
    const driver = this.driverOf(instance);
    const event = await this.startEvent(uuid, name);
    try {
      const patch = await action(driver, toDriverInstance(instance));
      await this.instances.update(uuid, { ...patch, taskState: null });
      await event.finish();
    } catch (err) {
      await event.finish(err);
      this.log.warn({ err, instanceId: uuid, action: name }, 'instance action failed');
      await this.recordFault(uuid, err);
      const gone = err instanceof InstanceNotFoundInDriver;
      await this.instances.update(uuid, gone ? { taskState: null, vmState: VmState.ERROR, powerState: PowerState.NOSTATE } : { taskState: null });
    }
  }

  /** Nova's @wrap_instance_event(prefix='compute'): the event of `name` on the current instance action. */
  private async startEvent(uuid: string, name: string): Promise<EventHandle> {
    return this.actions ? this.actions.startEvent(uuid, computeEventName(name)) : { finish: async () => undefined };
  }

  /**
   * Starts `work` and records its event at the same time: the event row is written while the
   * engine works, so it is off a boot's or delete's critical path. The caller awaits `work`.
   */
  private async startWithEvent<T>(uuid: string, name: string, run: () => Promise<T>): Promise<{ event: EventHandle; work: Promise<T> }> {
    const eventStarted = this.startEvent(uuid, name);
    const work = run();
    work.catch(() => undefined); // the caller handles it once the event exists: never an unhandled rejection meanwhile
    return { event: await eventStarted, work };
  }

  private async observed(driver: ComputeDriver, di: DriverInstance): Promise<InstancePatch> {
    const info = await driver.getInfo(di);
    return { powerState: info.powerState, addresses: info.addresses };
  }

  private async fail(instance: InstanceRecord, driver: ComputeDriver, err: unknown): Promise<void> {
    this.log.warn({ err, instanceId: instance.uuid }, 'spawn failed');
    // the driver contract says spawn leaves nothing behind; destroy anyway in case it did not
    await driver.destroy(toDriverInstance(instance)).catch(() => undefined);
    await this.recordFault(instance.uuid, err);
    await this.instances.update(instance.uuid, { vmState: VmState.ERROR, taskState: null, powerState: PowerState.NOSTATE });
  }

  private async recordFault(uuid: string, err: unknown): Promise<void> {
    const known = err instanceof DomainError;
    await this.instances.setFault(uuid, {
      code: known && err.status < 500 ? err.status : 500,
      message: err instanceof Error ? err.message : String(err),
      details: err instanceof Error && !known ? (err.stack ?? '') : '',
      createdAt: new Date(),
    });
  }

  private driverOf(instance: InstanceRecord): ComputeDriver {
    return this.drivers.forHost(instance.host!);
  }
}

export function toDriverInstance(i: InstanceRecord): DriverInstance {
  return {
    uuid: i.uuid, projectId: i.projectId, hostname: i.hostname, metadata: i.metadata, driverState: i.driverState,
    publicKeys: i.keyData ? [i.keyData] : [],
    configDrive: configDriveFor(i),
    fixedIps: fixedIpsOf(i),
    ...(i.requestedNetworks === 'none' && { noNetwork: true }),
  };
}

/** the instance's IPv4 addresses, then those its driver noted in driverState.fixedIps (see DriverInstance) */
function fixedIpsOf(i: InstanceRecord): string[] {
  const noted = (i.driverState as { fixedIps?: unknown } | null)?.fixedIps;
  const fromState = Array.isArray(noted) ? noted.filter((ip): ip is string => typeof ip === 'string') : [];
  const seen = i.addresses.filter((a) => a.version === 4).map((a) => a.addr);
  return [...new Set([...seen, ...fromState])];
}
