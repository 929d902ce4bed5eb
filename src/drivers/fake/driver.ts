import { ImageNotBootable, InstanceNotFoundInDriver } from '../../errors';
import {
  ComputeDriver, DriverCapabilities, DriverFlavor, DriverHealth, DriverImage, DriverInstance,
  DriverState, InstanceInfo, PowerState,
} from '../driver';

interface FakeInstance {
  powerState: PowerState;
  flavor: DriverFlavor;
  imageId: string;
  hostname: string;
  metadata: Record<string, string>;
  console: string[];
  ip: string;
}

/**
 * In-memory driver: the executable spec of the driver contract (as Nova's fake virt driver).
 * Instant, with the same state semantics as a real engine. Subclass it for failure scenarios.
 */
export class FakeDriver implements ComputeDriver {
  readonly name: string = 'fake';
  readonly capabilities: DriverCapabilities = Object.freeze({ reboot: true, consoleOutput: true });
  protected readonly instances = new Map<string, FakeInstance>();
  private nextIp = 2;

  async init(): Promise<void> {}

  async health(): Promise<DriverHealth> {
    return { state: 'healthy', detail: `${this.instances.size} instances in memory` };
  }

  async spawn(instance: DriverInstance, image: DriverImage, flavor: DriverFlavor): Promise<DriverState> {
    if (image.containerFormat !== 'docker') {
      throw new ImageNotBootable(image.id, `container_format ${image.containerFormat || 'none'} cannot be booted by this driver`);
    }
    this.instances.set(instance.uuid, {
      powerState: PowerState.RUNNING,
      flavor,
      imageId: image.id,
      hostname: instance.hostname,
      metadata: { ...instance.metadata },
      console: [`booted ${instance.hostname} from image ${image.id}`],
      ip: `10.0.0.${this.nextIp++ % 250}`,
    });
    return { v: 1, fakeId: instance.uuid };
  }

  async destroy(instance: DriverInstance): Promise<void> {
    this.instances.delete(instance.uuid);
  }

  async powerOn(instance: DriverInstance): Promise<void> {
    this.get(instance).powerState = PowerState.RUNNING;
  }

  async powerOff(instance: DriverInstance): Promise<void> {
    this.get(instance).powerState = PowerState.SHUTDOWN;
  }

  async reboot(instance: DriverInstance, kind: 'SOFT' | 'HARD'): Promise<void> {
    const found = this.get(instance);
    found.powerState = PowerState.RUNNING;
    found.console.push(`${kind.toLowerCase()} reboot`);
  }

  async getInfo(instance: DriverInstance): Promise<InstanceInfo> {
    const found = this.get(instance);
    const addresses = found.powerState === PowerState.RUNNING
      ? [{ network: 'private', addr: found.ip, version: 4 as const, mac: fakeMac(found.ip) }]
      : [];
    return { powerState: found.powerState, addresses };
  }

  async listInstances(): Promise<string[]> {
    return [...this.instances.keys()];
  }

  async getConsoleOutput(instance: DriverInstance, lines?: number): Promise<string> {
    const all = this.get(instance).console;
    const shown = lines === undefined ? all : all.slice(Math.max(0, all.length - lines)); // slice(-0) would be all
    return shown.map((line) => `${line}\n`).join('');
  }

  async close(): Promise<void> {}

  /** test helper: what the fake holds for an instance, or undefined */
  peek(uuid: string): Readonly<FakeInstance> | undefined {
    return this.instances.get(uuid);
  }

  protected get(instance: DriverInstance): FakeInstance {
    const found = this.instances.get(instance.uuid);
    if (!found) throw new InstanceNotFoundInDriver(instance.uuid);
    return found;
  }
}

const fakeMac = (ip: string) => `fa:16:3e:00:00:${Number(ip.split('.')[3]).toString(16).padStart(2, '0')}`;
