/**
 * The compute driver contract: what the compute service asks of a container engine.
 * Verbs mirror Nova's ComputeDriver (spawn, destroy, powerOn, powerOff, reboot, getInfo),
 * so Nova's docstrings double as documentation. Container ids never leave a driver:
 * everything above speaks instance UUIDs, and a driver keeps what it needs in DriverState.
 */

/** Nova's power_state codes (nova/compute/power_state.py). */
export const PowerState = {
  NOSTATE: 0,
  RUNNING: 1,
  PAUSED: 3,
  SHUTDOWN: 4,
  CRASHED: 6,
  SUSPENDED: 7,
} as const;
export type PowerState = (typeof PowerState)[keyof typeof PowerState];

/** Optional features. Every flag defaults to false; core code checks flags, never driver names. */
export interface DriverCapabilities {
  /** reboot restarts the instance's main process */
  readonly reboot: boolean;
  /** getConsoleOutput returns the instance's console log */
  readonly consoleOutput: boolean;
}

export const NO_CAPABILITIES: DriverCapabilities = Object.freeze({
  reboot: false,
  consoleOutput: false,
});

/** What the driver needs to know about the instance it acts on. */
export interface DriverInstance {
  readonly uuid: string;
  readonly projectId: string;
  readonly hostname: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** the opaque state a previous spawn returned, or null before the first spawn */
  readonly driverState: DriverState | null;
}

export interface DriverFlavor {
  readonly memoryMb: number;
  readonly vcpus: number;
}

/** A bootable image as the driver sees it: the id plus a way to get its docker-save tarball. */
export interface DriverImage {
  readonly id: string;
  readonly containerFormat: string;
  /** opens the stored image data (a `docker save` tarball for container_format=docker) */
  openData(): NodeJS.ReadableStream;
}

/** Opaque, versioned JSON that only the driver that wrote it reads. */
export type DriverState = { readonly v: number } & Readonly<Record<string, unknown>>;

export interface NetworkAddress {
  readonly network: string;
  readonly addr: string;
  readonly version: 4 | 6;
  readonly mac: string | null;
}

export interface InstanceInfo {
  readonly powerState: PowerState;
  readonly addresses: readonly NetworkAddress[];
}

export interface DriverHealth {
  readonly state: 'healthy' | 'unhealthy';
  readonly detail: string;
}

export interface PowerOffOptions {
  /** seconds to wait for a clean shutdown before the instance is killed (Nova's shutdown_timeout) */
  readonly timeoutSec?: number;
}

export interface ComputeDriver {
  readonly name: string;
  readonly capabilities: DriverCapabilities;
  /** connect and check the engine; like Nova's init_host */
  init(): Promise<void>;
  health(): Promise<DriverHealth>;
  /** create and start the instance; on failure nothing may be left behind */
  spawn(instance: DriverInstance, image: DriverImage, flavor: DriverFlavor): Promise<DriverState>;
  /** remove the instance; absent already counts as success */
  destroy(instance: DriverInstance): Promise<void>;
  /** start a stopped instance; already running counts as success */
  powerOn(instance: DriverInstance): Promise<void>;
  /** stop the instance, killing it once timeoutSec has passed; already stopped counts as success */
  powerOff(instance: DriverInstance, opts?: PowerOffOptions): Promise<void>;
  reboot(instance: DriverInstance, kind: 'SOFT' | 'HARD'): Promise<void>;
  /** power state and addresses; throws InstanceNotFoundInDriver when the instance is gone */
  getInfo(instance: DriverInstance): Promise<InstanceInfo>;
  /** UUIDs of the instances this driver owns on its engine (from ownership labels) */
  listInstances(): Promise<string[]>;
  getConsoleOutput?(instance: DriverInstance, lines?: number): Promise<string>;
  /** release connections */
  close(): Promise<void>;
}
