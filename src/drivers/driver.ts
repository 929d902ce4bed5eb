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
  /** setAdminPassword sets root's password inside the running instance (Nova's set_admin_password) */
  readonly setAdminPassword: boolean;
  /** resize applies a new flavor's limits (memory, CPUs) to the instance in place */
  readonly resize: boolean;
  /** snapshot returns the instance's filesystem as a bootable `docker save` tarball */
  readonly snapshot: boolean;
  /** pause/unpause freeze and thaw the instance in place (memory kept, no CPU) */
  readonly pause: boolean;
  /** suspend/resume put the instance to sleep and wake it (see the driver for what is released) */
  readonly suspend: boolean;
  /** attachConsole connects to the instance's console TTY (an interactive serial console) */
  readonly serialConsole: boolean;
  /** rescue/unrescue: a rescue instance from an image, with the original's filesystem at /mnt/rescue */
  readonly rescue: boolean;
  /** hostInfo reports the engine host's real resources (os-hypervisors) */
  readonly hostInfo: boolean;
  /** getDiagnostics reads a running instance's live resource usage (server diagnostics) */
  readonly diagnostics: boolean;
  /**
   * Nova's optional capabilities no engine here has (absent = false; the API answers as Nova does
   * for a driver without them): supports_device_tagging (2.32/2.42 tagged NICs and disks: the build
   * aborts), supports_trusted_certs (2.63: the build or rebuild aborts), trigger_crash_dump (2.17: 400)
   */
  readonly deviceTagging?: boolean;
  readonly trustedImageCertificates?: boolean;
  readonly triggerCrashDump?: boolean;
}

export const NO_CAPABILITIES: DriverCapabilities = Object.freeze({
  reboot: false,
  consoleOutput: false,
  setAdminPassword: false,
  resize: false,
  snapshot: false,
  pause: false,
  suspend: false,
  serialConsole: false,
  rescue: false,
  hostInfo: false,
  diagnostics: false,
});

/** What the driver needs to know about the instance it acts on. */
export interface DriverInstance {
  readonly uuid: string;
  readonly projectId: string;
  readonly hostname: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** the opaque state a previous spawn returned, or null before the first spawn */
  readonly driverState: DriverState | null;
  /** OpenSSH public key lines for root's authorized_keys, written at spawn (the server's key_name) */
  readonly publicKeys?: readonly string[];
  /** Nova's config drive (server created with config_drive, or forced): written at spawn; absent when none */
  readonly configDrive?: DriverConfigDrive;
  /**
   * IPv4 fixed addresses the instance had, which a spawn re-creating it (rebuild) keeps when it can,
   * as Nova keeps the port: the compute layer fills them from the instance's addresses and from a
   * `fixedIps` string array a driver may record in its driverState (so a stopped server keeps its IP too)
   */
  readonly fixedIps?: readonly string[];
  /** true for a server booted with 2.37's `networks: "none"`: the instance joins no network at all (no addresses) */
  readonly noNetwork?: boolean;
}

/** Config drive files, by path inside the drive (`openstack/latest/meta_data.json`, …). */
export type ConfigDriveFiles = Readonly<Record<string, string | Buffer>>;

export interface DriverConfigDrive {
  /** every file, written before the instance first starts */
  readonly files: ConfigDriveFiles;
  /** the files that depend on the addresses the engine assigns at start (network_data.json…), written again once it runs */
  readonly withAddresses?: (addresses: readonly NetworkAddress[]) => ConfigDriveFiles;
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

/** What a compute host offers (Nova's ComputeNode totals); used values are the compute layer's. */
export interface HostInfo {
  readonly vcpus: number;
  readonly memoryMb: number;
  readonly diskGb: number;
  /** e.g. 'docker' (Nova's hypervisor_type) */
  readonly hypervisorType: string;
  /** the engine version as Nova's integer (major*1000000 + minor*1000 + patch) */
  readonly hypervisorVersion: number;
  /** seconds the host has been up, or null when the driver cannot tell (a remote engine) */
  readonly uptimeSec: number | null;
  /** the host's CPU architecture (x86_64, aarch64), for cpu_info */
  readonly cpuArch: string;
  /** an address of the host (host_ip) */
  readonly hostIp: string;
}

/** A running instance's usage as the engine reports it (Nova's Diagnostics object; null: not known). */
export interface InstanceDiagnostics {
  /** the engine's name for itself, e.g. 'docker' (Nova's hypervisor) */
  readonly hypervisor: string | null;
  /** the engine host's OS type, e.g. 'linux' */
  readonly hypervisorOs: string | null;
  /** seconds since the instance last started */
  readonly uptimeSec: number | null;
  /** the memory limit and what is in use, in MiB */
  readonly memory: { readonly maximumMb: number | null; readonly usedMb: number | null };
  /** one entry per vCPU: CPU time in ns (null when the engine does not account it per vCPU) */
  readonly cpus: readonly { readonly id: number; readonly timeNs: number | null; readonly utilisation: number | null }[];
  readonly nics: readonly DiagnosticsNic[];
  readonly disks: readonly DiagnosticsDisk[];
  /** the engine's raw counters, flat (Nova's driver-specific get_diagnostics before 2.48) */
  readonly raw: Readonly<Record<string, number>>;
}

export interface DiagnosticsNic {
  readonly mac: string | null;
  readonly rxOctets: number | null; readonly rxErrors: number | null; readonly rxDrop: number | null; readonly rxPackets: number | null;
  readonly txOctets: number | null; readonly txErrors: number | null; readonly txDrop: number | null; readonly txPackets: number | null;
}

export interface DiagnosticsDisk {
  readonly readBytes: number | null; readonly readRequests: number | null;
  readonly writeBytes: number | null; readonly writeRequests: number | null;
  readonly errors: number | null;
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
  /**
   * set root's password in the running instance; SetAdminPasswdNotSupported when its image has no
   * way to hold one, InstancePasswordSetFailed when it is not running or the change fails
   */
  setAdminPassword?(instance: DriverInstance, password: string): Promise<void>;
  /** apply the flavor's limits to the existing instance, running or stopped, without recreating it */
  resize?(instance: DriverInstance, flavor: DriverFlavor): Promise<void>;
  /**
   * the instance as it is now (running or not) as a `docker save` tarball of one image keeping the
   * original CMD/ENTRYPOINT, bootable with container_format=docker; the driver cleans up what it
   * made on the engine once the stream ends, fails or is destroyed
   */
  snapshot?(instance: DriverInstance): Promise<NodeJS.ReadableStream>;
  /** freeze a running instance (getInfo: PAUSED); already paused counts as success */
  pause?(instance: DriverInstance): Promise<void>;
  /** thaw a paused instance (getInfo: RUNNING); already running counts as success */
  unpause?(instance: DriverInstance): Promise<void>;
  /**
   * suspend a running instance: it stops running, keeping its state. getInfo then reports
   * SUSPENDED, or PAUSED on an engine that cannot tell the two apart (the compute layer keeps
   * vm_state and maps it). Already suspended counts as success.
   */
  suspend?(instance: DriverInstance): Promise<void>;
  /** wake a suspended instance (getInfo: RUNNING); already running counts as success */
  resume?(instance: DriverInstance): Promise<void>;
  /**
   * a live, raw byte stream to the running instance's console TTY: what is written reaches it as
   * typed input, what it prints is read back; destroying it detaches, and it ends when the
   * instance stops. InstanceNotFoundInDriver when the instance is gone, InstanceNotReady when it is not
   * running. Nothing earlier is replayed (that is getConsoleOutput).
   */
  attachConsole?(instance: DriverInstance): Promise<ConsoleStream>;
  /**
   * rescue (Nova's rescue): stop the instance, keeping it, and run a rescue instance from `image`
   * with the same flavor, in which the instance's root filesystem is reachable at /mnt/rescue;
   * root's password there is `password` when the image can hold one. While rescued, getInfo,
   * getConsoleOutput, attachConsole... act on the rescue instance; destroy removes both. Returns
   * the new state; on failure the instance is left as it was (running again if it was running).
   */
  rescue?(instance: DriverInstance, image: DriverImage, flavor: DriverFlavor, password: string): Promise<DriverState>;
  /**
   * end the rescue: the rescue instance is removed, what was changed under its /mnt/rescue written
   * back (as far as the driver can; see its docs), and the instance started. Returns the new state.
   */
  unrescue?(instance: DriverInstance): Promise<DriverState>;
  /** the engine host's resources, as Nova's compute node record (os-hypervisors) */
  hostInfo?(): Promise<HostInfo>;
  /**
   * a running instance's live usage (Nova's get_instance_diagnostics), read from the engine;
   * InstanceNotFoundInDriver when it is gone, InstanceNotReady when it is not running
   */
  getDiagnostics?(instance: DriverInstance): Promise<InstanceDiagnostics>;
  /** release connections */
  close(): Promise<void>;
}

/** A console connection: a duplex byte stream (Node's Duplex satisfies it). */
export type ConsoleStream = import('node:stream').Duplex;
