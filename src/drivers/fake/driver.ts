import { Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import { InstanceNotReady } from '../../errors';
import { DriverError, ImageNotBootable, InstanceNotFoundInDriver, InstancePasswordSetFailed } from '../../errors';
import {
  ComputeDriver, DriverCapabilities, DriverFlavor, DriverHealth, DriverImage, DriverInstance,
  DriverState, HostInfo, InstanceInfo, PowerState, InstanceDiagnostics,
} from '../driver';
import { dockerSaveTarball } from './snapshot-tarball';

interface FakeInstance {
  powerState: PowerState;
  flavor: DriverFlavor;
  imageId: string;
  hostname: string;
  metadata: Record<string, string>;
  console: string[];
  ip: string;
  /** 2.37's `networks: "none"`: no address is reported */
  noNetwork?: boolean;
  /** root's authorized_keys lines, as written at spawn */
  authorizedKeys: string[];
  /** the last password setAdminPassword set (a fake keeps it in clear so tests can see it) */
  adminPassword: string | null;
  /** the config drive's files as a guest would read them (after the address rewrite), or null without one */
  configDrive: Record<string, Buffer> | null;
  /** while rescued: the rescue instance (powerState is then its state; the instance itself is stopped) */
  rescue?: { imageId: string; password: string; flavor: DriverFlavor } | null;
}

/**
 * In-memory driver: the executable spec of the driver contract (as Nova's fake virt driver).
 * Instant, with the same state semantics as a real engine. Subclass it for failure scenarios.
 */
export class FakeDriver implements ComputeDriver {
  readonly name: string = 'fake';
  readonly capabilities: DriverCapabilities = Object.freeze({ reboot: true, consoleOutput: true, setAdminPassword: true, snapshot: true, resize: true, pause: true, suspend: true, serialConsole: true, rescue: true, hostInfo: true, diagnostics: true });
  protected readonly instances = new Map<string, FakeInstance>();
  private nextIp = 2;
  private readonly consoles = new Map<string, Set<PassThrough>>();

  async init(): Promise<void> {}

  /** a fixed, made-up host: 8 CPUs, 16 GiB, 200 GB, up an hour */
  async hostInfo(): Promise<HostInfo> {
    return { vcpus: 8, memoryMb: 16384, diskGb: 200, hypervisorType: 'fake', hypervisorVersion: 1000, uptimeSec: 3600, cpuArch: 'x86_64', hostIp: '192.0.2.10' };
  }

  /** made-up usage of a running instance: its flavor's memory and vCPUs, one NIC, one disk, zero counters */
  async getDiagnostics(instance: DriverInstance): Promise<InstanceDiagnostics> {
    const found = this.get(instance);
    if (found.powerState !== PowerState.RUNNING) throw new InstanceNotReady(instance.uuid);
    const flavor = found.rescue?.flavor ?? found.flavor;
    const usedMb = Math.min(flavor.memoryMb, 16);
    return {
      hypervisor: 'fake', hypervisorOs: 'linux', uptimeSec: null,
      memory: { maximumMb: flavor.memoryMb, usedMb },
      cpus: Array.from({ length: flavor.vcpus }, (_, id) => ({ id, timeNs: null, utilisation: null })),
      nics: [{ mac: fakeMac(found.ip), rxOctets: 0, rxErrors: 0, rxDrop: 0, rxPackets: 0, txOctets: 0, txErrors: 0, txDrop: 0, txPackets: 0 }],
      disks: [{ readBytes: 0, readRequests: 0, writeBytes: 0, writeRequests: 0, errors: null }],
      raw: { memory: flavor.memoryMb * 1024, 'memory-rss': usedMb * 1024, eth0_rx: 0, eth0_tx: 0 },
    };
  }

  async health(): Promise<DriverHealth> {
    return { state: 'healthy', detail: `${this.instances.size} instances in memory` };
  }

  async spawn(instance: DriverInstance, image: DriverImage, flavor: DriverFlavor): Promise<DriverState> {
    if (image.containerFormat !== 'docker') {
      throw new ImageNotBootable(image.id, `container_format ${image.containerFormat || 'none'} cannot be booted by this driver`);
    }
    const ip = instance.fixedIps?.[0] ?? `10.0.0.${this.nextIp++ % 250}`; // a re-spawn (rebuild) keeps its address
    this.instances.set(instance.uuid, {
      powerState: PowerState.RUNNING,
      flavor,
      imageId: image.id,
      hostname: instance.hostname,
      metadata: { ...instance.metadata },
      console: [`booted ${instance.hostname} from image ${image.id}`],
      ip,
      authorizedKeys: [...(instance.publicKeys ?? [])],
      adminPassword: null,
      configDrive: fakeConfigDrive(instance, ip),
      noNetwork: instance.noNetwork,
    });
    return { v: 1, fakeId: instance.uuid, fixedIps: instance.noNetwork ? [] : [ip] };
  }

  async destroy(instance: DriverInstance): Promise<void> {
    this.endConsoles(instance.uuid);
    this.instances.delete(instance.uuid);
  }

  async powerOn(instance: DriverInstance): Promise<void> {
    this.get(instance).powerState = PowerState.RUNNING;
  }

  async powerOff(instance: DriverInstance): Promise<void> {
    this.get(instance).powerState = PowerState.SHUTDOWN;
    this.endConsoles(instance.uuid);
  }

  async reboot(instance: DriverInstance, kind: 'SOFT' | 'HARD'): Promise<void> {
    const found = this.get(instance);
    found.powerState = PowerState.RUNNING;
    found.console.push(`${kind.toLowerCase()} reboot`);
  }

  async getInfo(instance: DriverInstance): Promise<InstanceInfo> {
    const found = this.get(instance);
    const addresses = found.powerState !== PowerState.SHUTDOWN && !found.noNetwork // a frozen instance keeps its address
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

  // pause/unpause, suspend/resume: a frozen instance keeps everything, as libvirt's would
  async pause(instance: DriverInstance): Promise<void> {
    this.freeze(instance, PowerState.PAUSED);
  }

  async unpause(instance: DriverInstance): Promise<void> {
    this.thaw(instance, PowerState.PAUSED);
  }

  async suspend(instance: DriverInstance): Promise<void> {
    this.freeze(instance, PowerState.SUSPENDED);
  }

  async resume(instance: DriverInstance): Promise<void> {
    this.thaw(instance, PowerState.SUSPENDED);
  }

  /** records the flavor, as a real engine would apply its limits */
  async resize(instance: DriverInstance, flavor: DriverFlavor): Promise<void> {
    this.get(instance).flavor = { memoryMb: flavor.memoryMb, vcpus: flavor.vcpus };
  }

  /** a small docker-save tarball whose one file names the instance and the image it was booted from */
  async snapshot(instance: DriverInstance): Promise<NodeJS.ReadableStream> {
    const found = this.get(instance);
    return Readable.from([await dockerSaveTarball({ 'etc/novashim-snapshot': `${instance.uuid} ${found.imageId}\n` })]);
  }

  /** the serial console: an echo line, what is written comes back; it ends when the instance stops */
  async attachConsole(instance: DriverInstance): Promise<PassThrough> {
    if (this.get(instance).powerState !== PowerState.RUNNING) throw new InstanceNotReady(instance.uuid);
    const stream = new PassThrough();
    const open = this.consoles.get(instance.uuid) ?? new Set<PassThrough>();
    this.consoles.set(instance.uuid, open.add(stream));
    stream.once('close', () => open.delete(stream));
    return stream;
  }

  /** test helper: console streams still attached to an instance */
  openConsoles(uuid: string): number {
    return this.consoles.get(uuid)?.size ?? 0;
  }

  private endConsoles(uuid: string): void {
    for (const stream of this.consoles.get(uuid) ?? []) stream.end();
  }

  async setAdminPassword(instance: DriverInstance, password: string): Promise<void> {
    const found = this.get(instance);
    if (found.powerState !== PowerState.RUNNING) throw new InstancePasswordSetFailed(instance.uuid, `instance ${instance.uuid} is not running`);
    found.adminPassword = password;
  }

  /** rescue: the instance stops (kept), a rescue instance from `image` runs in its place and answers getInfo & co. */
  async rescue(instance: DriverInstance, image: DriverImage, flavor: DriverFlavor, password: string): Promise<DriverState> {
    if (image.containerFormat !== 'docker') {
      throw new ImageNotBootable(image.id, `container_format ${image.containerFormat || 'none'} cannot be booted by this driver`);
    }
    const found = this.get(instance);
    this.endConsoles(instance.uuid);
    found.rescue = { imageId: image.id, password, flavor: { memoryMb: flavor.memoryMb, vcpus: flavor.vcpus } };
    found.powerState = PowerState.RUNNING;
    found.console.push(`rescue from image ${image.id}, ${instance.hostname}'s disk at /mnt/rescue`);
    return { ...(instance.driverState ?? {}), v: 1, fakeId: instance.uuid, rescued: true };
  }

  /** unrescue: the rescue instance goes, the instance starts again */
  async unrescue(instance: DriverInstance): Promise<DriverState> {
    const found = this.get(instance);
    this.endConsoles(instance.uuid);
    found.rescue = null;
    found.powerState = PowerState.RUNNING;
    found.console.push('unrescued');
    const { rescued: _dropped, ...rest } = (instance.driverState ?? { v: 1 }) as DriverState & { rescued?: boolean };
    return { ...rest, v: 1, fakeId: instance.uuid };
  }

  async close(): Promise<void> {}

  /** test helper: what the fake holds for an instance, or undefined */
  peek(uuid: string): Readonly<FakeInstance> | undefined {
    return this.instances.get(uuid);
  }

  private freeze(instance: DriverInstance, to: PowerState): void {
    const found = this.get(instance);
    if (found.powerState === to) return;
    if (found.powerState !== PowerState.RUNNING) throw new DriverError(`instance ${instance.uuid} is not running`);
    found.powerState = to;
  }

  private thaw(instance: DriverInstance, from: PowerState): void {
    const found = this.get(instance);
    if (found.powerState === PowerState.RUNNING) return;
    if (found.powerState !== from) throw new DriverError(`instance ${instance.uuid} is not frozen that way`);
    found.powerState = PowerState.RUNNING;
  }

  protected get(instance: DriverInstance): FakeInstance {
    const found = this.instances.get(instance.uuid);
    if (!found) throw new InstanceNotFoundInDriver(instance.uuid);
    return found;
  }
}

/** the drive's files, then the address-dependent ones again with the address the fake assigned */
function fakeConfigDrive(instance: DriverInstance, ip: string): Record<string, Buffer> | null {
  const drive = instance.configDrive;
  if (!drive) return null;
  const addresses = [{ network: 'private', addr: ip, version: 4 as const, mac: fakeMac(ip) }];
  const files = { ...drive.files, ...drive.withAddresses?.(addresses) };
  return Object.fromEntries(Object.entries(files).map(([p, c]) => [p, Buffer.isBuffer(c) ? c : Buffer.from(c)]));
}

const fakeMac = (ip: string) => `fa:16:3e:00:00:${Number(ip.split('.')[3]).toString(16).padStart(2, '0')}`;
