import type { Duplex } from 'node:stream';
import type Dockerode from 'dockerode';
import { DriverError, InstanceNotFoundInDriver } from '../../errors';
import {
  ComputeDriver, DriverCapabilities, DriverFlavor, DriverHealth, DriverImage, DriverInstance,
  DriverState, HostInfo, InstanceInfo, PowerOffOptions, InstanceDiagnostics,
} from '../driver';
import { addressesOf } from './addresses';
import { setRootPassword } from './admin-password';
import { attachTty } from './attach';
import { consoleText } from './console-log';
import { containerName } from './container-spec';
import { freeze, thaw } from './freeze';
import { asDriverError, engineMessage, isConflict, isNotFound, isNotModified } from './engine-errors';
import { ImageLoader } from './images';
import { DEPLOYMENT_LABEL, OWNED_FILTER, instanceUuidOf } from './labels';
import {
  AddressAllocator, DEFAULT_PRIVATE_NETWORK, DEFAULT_PRIVATE_SUBNET, PrivateNetwork, ensurePrivateNetwork,
} from './network';
import { DriverLog, SILENT_LOG } from './log';
import { powerStateOf } from './states';
import { snapshotContainer } from './snapshot';
import { applyFlavorLimits, flavorLimits } from './resize';
import { closeDocker } from './transport';
import { engineHostInfo } from './host-info';
import { containerDiagnostics } from './diagnostics';
import { buildRescueSpec, removeRescueContainer, rescueContainer, RescueContext, unrescueContainer } from './rescue';
import { requireCommand, SpawnContext, spawnContainer } from './spawn';
import { containerIdOf, DockerStateV1, rescueIdOf } from './driver-state';

export interface DockerDriverOptions {
  readonly docker: Dockerode;
  /** the Nova network name reported for Docker's default "bridge" network and the private network */
  readonly networkLabel?: string;
  /** the user-defined bridge instances join, created when missing (default novashim-private, see network.ts) */
  readonly privateNetwork?: string;
  /** its IPv4 subnet when novashim creates it (default 10.213.0.0/16) */
  readonly privateSubnet?: string;
  readonly pidsLimit?: number;
  /** seconds a stop or soft reboot waits for the instance before killing it */
  readonly defaultStopTimeoutSec?: number;
  readonly log?: DriverLog;
  /** labels every container with this deployment (labels.ts); listInstances then lists only those */
  readonly deployment?: string;
}

type ContainerOp<T> = (container: Dockerode.Container) => Promise<T>;

/**
 * Runs each instance as one Docker container named novashim-<uuid>. Lifecycle only: the create
 * options are in container-spec.ts, image loading in images.ts, state mapping in states.ts.
 */
export class DockerDriver implements ComputeDriver {
  readonly name = 'docker';
  readonly capabilities: DriverCapabilities = Object.freeze({ reboot: true, consoleOutput: true, setAdminPassword: true, snapshot: true, resize: true, pause: true, suspend: true, serialConsole: true, rescue: true, hostInfo: true, diagnostics: true });

  private readonly docker: Dockerode;
  private readonly images: ImageLoader;
  private readonly networkLabel: string;
  private readonly pidsLimit: number;
  private readonly stopTimeoutSec: number;
  private readonly log: DriverLog;
  private hostCpus: Promise<number> | null = null;
  private readonly wantedNetwork: PrivateNetwork;
  private network: Promise<PrivateNetwork> | null = null;
  private readonly addresses = new AddressAllocator();
  private readonly deployment: string | undefined;

  constructor(opts: DockerDriverOptions) {
    this.docker = opts.docker;
    this.images = new ImageLoader(opts.docker);
    this.networkLabel = opts.networkLabel ?? 'private';
    this.pidsLimit = opts.pidsLimit ?? 1024;
    this.stopTimeoutSec = opts.defaultStopTimeoutSec ?? 10;
    this.log = opts.log ?? SILENT_LOG;
    this.deployment = opts.deployment;
    this.wantedNetwork = { name: opts.privateNetwork ?? DEFAULT_PRIVATE_NETWORK, subnet: opts.privateSubnet ?? DEFAULT_PRIVATE_SUBNET };
  }

  async init(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (err) {
      throw new DriverError(`docker engine does not answer: ${engineMessage(err)}`);
    }
    await this.engineCpus();
    await this.privateNetwork();
  }

  /** `docker info` plus, for a local engine, this machine's disk, uptime and address (host-info.ts) */
  hostInfo(): Promise<HostInfo> {
    return engineHostInfo(this.docker);
  }

  /** `docker inspect` + one-shot `docker stats` of the running container (see diagnostics.ts) */
  async getDiagnostics(instance: DriverInstance): Promise<InstanceDiagnostics> {
    return this.onContainer(instance, (c) => containerDiagnostics(this.docker, c, instance.uuid), 'cannot read container stats');
  }

  async health(): Promise<DriverHealth> {
    const started = Date.now();
    try {
      await this.docker.ping();
      return { state: 'healthy', detail: `docker engine answered ping in ${Date.now() - started} ms` };
    } catch (err) {
      return { state: 'unhealthy', detail: `docker engine does not answer: ${engineMessage(err)}` };
    }
  }

  /** creates and starts the instance's container (spawn.ts) */
  async spawn(instance: DriverInstance, image: DriverImage, flavor: DriverFlavor): Promise<DriverState> {
    return spawnContainer(this.spawnContext, instance, image, flavor);
  }

  async destroy(instance: DriverInstance): Promise<void> {
    await Promise.all([
      removeRescueContainer({ docker: this.docker, uuid: instance.uuid }), // a rescued server has two, removed at once
      this.originalContainer(instance).remove({ force: true, v: true }).catch((err: unknown) => {
        if (isNotFound(err) || isRemovalInProgress(err)) return; // absent (or about to be) is success
        throw asDriverError(err, 'cannot remove container');
      }),
    ]);
  }

  async powerOn(instance: DriverInstance): Promise<void> {
    await this.onContainer(instance, (c) => unlessAlreadySo(c.start()), 'cannot start container');
  }

  async powerOff(instance: DriverInstance, opts: PowerOffOptions = {}): Promise<void> {
    const t = opts.timeoutSec ?? this.stopTimeoutSec;
    await this.onContainer(instance, (c) => unlessAlreadySo(c.stop({ t })), 'cannot stop container');
  }

  /** SOFT: TERM, then KILL after the stop timeout; HARD: KILL at once. Either way it ends running. */
  async reboot(instance: DriverInstance, kind: 'SOFT' | 'HARD'): Promise<void> {
    const t = kind === 'HARD' ? 0 : this.stopTimeoutSec;
    await this.onContainer(instance, (c) => c.restart({ t }), 'cannot restart container');
  }

  async getInfo(instance: DriverInstance): Promise<InstanceInfo> {
    const info = await this.onContainer(instance, (c) => c.inspect(), 'cannot inspect container');
    return {
      powerState: powerStateOf(info.State?.Status),
      addresses: addressesOf(info.NetworkSettings?.Networks, this.networkLabel, this.wantedNetwork.name),
    };
  }

  async listInstances(): Promise<string[]> {
    try {
      const filters = this.deployment ? { label: [...OWNED_FILTER.label, `${DEPLOYMENT_LABEL}=${this.deployment}`] } : OWNED_FILTER;
      const containers = await this.docker.listContainers({ all: true, filters });
      const uuids = containers.map((c) => instanceUuidOf(c.Labels)).filter((uuid): uuid is string => uuid !== null);
      return [...new Set(uuids)]; // a rescued instance has two containers
    } catch (err) {
      throw asDriverError(err, 'cannot list containers');
    }
  }

  /** stdout and stderr as written, also of a stopped container; only the last `lines` lines when given */
  async getConsoleOutput(instance: DriverInstance, lines?: number): Promise<string> {
    const tail = lines !== undefined && Number.isSafeInteger(lines) ? { tail: lines } : {};
    return this.onContainer(instance, async (c) => {
      // spawn always sets Tty, but a container made otherwise logs framed stdout/stderr
      const tty = (await c.inspect()).Config?.Tty === true;
      const logs = await c.logs({ stdout: true, stderr: true, follow: false, ...tail });
      return consoleText(Buffer.from(logs), tty);
    }, 'cannot read container logs');
  }

  // pause/unpause and suspend/resume: the cgroup freezer, both (see freeze.ts for what suspend releases)
  async pause(instance: DriverInstance): Promise<void> {
    await this.onContainer(instance, freeze, 'cannot pause container');
  }

  async unpause(instance: DriverInstance): Promise<void> {
    await this.onContainer(instance, thaw, 'cannot unpause container');
  }

  async suspend(instance: DriverInstance): Promise<void> {
    await this.onContainer(instance, freeze, 'cannot suspend container');
  }

  async resume(instance: DriverInstance): Promise<void> {
    await this.onContainer(instance, thaw, 'cannot resume container');
  }

  /** `docker update` of memory, swap, CPUs and pids to the flavor's values (see resize.ts) */
  async resize(instance: DriverInstance, flavor: DriverFlavor): Promise<void> {
    const limits = flavorLimits({ instance, flavor, pidsLimit: this.pidsLimit, hostCpus: await this.engineCpus() });
    await this.onContainer(instance, (c) => applyFlavorLimits(c, limits), 'cannot resize container');
  }

  /** `docker commit` + `docker save` of the container, running or not (see snapshot.ts) */
  async snapshot(instance: DriverInstance): Promise<NodeJS.ReadableStream> {
    return this.onContainer(instance, (c) => snapshotContainer(this.docker, c, instance.uuid, this.log), 'cannot snapshot container');
  }

  /** `docker attach` to the running container's TTY: the serial console (see attach.ts) */
  async attachConsole(instance: DriverInstance): Promise<Duplex> {
    return this.onContainer(instance, (c) => attachTty(c, instance.uuid), 'cannot attach to container');
  }

  /** root's password as a SHA-512 crypt hash in the guest's /etc/shadow or /etc/passwd (see admin-password.ts) */
  async setAdminPassword(instance: DriverInstance, password: string): Promise<void> {
    await this.onContainer(instance, (c) => setRootPassword(c, instance.uuid, password), 'cannot set the admin password');
  }

  /** stops the container and runs a rescue container with its filesystem copied to /mnt/rescue (see rescue.ts) */
  async rescue(instance: DriverInstance, image: DriverImage, flavor: DriverFlavor, password: string): Promise<DriverState> {
    return this.rescueOnce(instance, image, flavor, password).catch((err: unknown) => {
      if (/no such image/i.test(engineMessage(err))) this.images.forget(image.id); // gone behind our back: the next try loads it
      throw err;
    });
  }

  private async rescueOnce(instance: DriverInstance, image: DriverImage, flavor: DriverFlavor, password: string): Promise<DriverState> {
    const engineImage = await this.images.ensure(image);
    requireCommand(image.id, engineImage);
    const input = await this.specInput(instance, flavor, engineImage.tag);
    const original = this.originalContainer(instance);
    const rescueId = await this.onOriginal(instance, () => rescueContainer(this.rescueContext(instance), original,
      (network) => buildRescueSpec({ ...input, network }), password), 'cannot rescue container');
    const { Id: id } = await this.onOriginal(instance, () => original.inspect(), 'cannot inspect container');
    return { ...(instance.driverState ?? {}), v: 1, containerId: id, rescueContainerId: rescueId } satisfies DockerStateV1;
  }

  /** removes the rescue container, writing changes under /mnt/rescue back first, and starts the container (see rescue.ts) */
  async unrescue(instance: DriverInstance): Promise<DriverState> {
    const original = this.originalContainer(instance);
    await this.onOriginal(instance, () => unrescueContainer(this.rescueContext(instance), original, rescueIdOf(instance.driverState)),
      'cannot unrescue container');
    const { Id: id } = await this.onOriginal(instance, () => original.inspect(), 'cannot inspect container');
    const { rescueContainerId: _dropped, ...rest } = (instance.driverState ?? {}) as Partial<DockerStateV1>;
    return { ...rest, v: 1, containerId: id } satisfies DockerStateV1;
  }

  private rescueContext(instance: DriverInstance): RescueContext {
    return { docker: this.docker, uuid: instance.uuid, log: this.log, stopTimeoutSec: this.stopTimeoutSec };
  }

  /** as onContainer, on the instance's own container (404 of it → InstanceNotFoundInDriver) */
  private async onOriginal<T>(instance: DriverInstance, op: () => Promise<T>, doing: string): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (isNotFound(err)) throw new InstanceNotFoundInDriver(instance.uuid);
      throw asDriverError(err, doing);
    }
  }

  /** ends the ssh connection when the Dockerode came from dockerFromHost over ssh */
  async close(): Promise<void> {
    await closeDocker(this.docker);
  }

  /** by the id spawn recorded; by name when there is no state yet (e.g. a spawn that died midway) */
  private container(instance: DriverInstance): Dockerode.Container {
    const rescue = rescueIdOf(instance.driverState); // while rescued, the rescue container answers
    return rescue ? this.docker.getContainer(rescue) : this.originalContainer(instance);
  }

  /** the instance's own container, also while rescued */
  private originalContainer(instance: DriverInstance): Dockerode.Container {
    return this.docker.getContainer(containerIdOf(instance.driverState) ?? containerName(instance.uuid));
  }

  /** 404 → InstanceNotFoundInDriver; any other engine error → DriverError */
  private async onContainer<T>(instance: DriverInstance, op: ContainerOp<T>, doing: string): Promise<T> {
    try {
      return await op(this.container(instance));
    } catch (err) {
      if (isNotFound(err)) throw new InstanceNotFoundInDriver(instance.uuid);
      throw asDriverError(err, doing);
    }
  }

  private async specInput(instance: DriverInstance, flavor: DriverFlavor, imageTag: string) {
    return { instance, flavor, imageTag, pidsLimit: this.pidsLimit, stopTimeoutSec: this.stopTimeoutSec, hostCpus: await this.engineCpus() };
  }

  private get spawnContext(): SpawnContext {
    return {
      docker: this.docker, images: this.images, addresses: this.addresses, networkLabel: this.networkLabel, deployment: this.deployment, log: this.log,
      specInput: (instance, flavor, imageTag) => this.specInput(instance, flavor, imageTag),
      privateNetwork: () => this.privateNetwork(),
    };
  }

  /** the private network, made when missing, once per driver (again after a failure) */
  private privateNetwork(): Promise<PrivateNetwork> {
    this.network ??= ensurePrivateNetwork(this.docker, this.wantedNetwork, this.log).catch((err: unknown) => {
      this.network = null;
      throw err;
    });
    return this.network;
  }

  /** the engine's CPU count, asked once; vcpus above it would make create fail */
  private engineCpus(): Promise<number> {
    this.hostCpus ??= this.docker.info().then(
      (info: { NCPU?: number }) => info.NCPU ?? 0,
      (err: unknown) => {
        this.hostCpus = null; // ask again next time
        throw asDriverError(err, 'cannot read engine info');
      },
    );
    return this.hostCpus;
  }
}

/** Docker answers 304 to a start of a running or a stop of a stopped container: already done */
async function unlessAlreadySo(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (err) {
    if (!isNotModified(err)) throw err;
  }
}

function isRemovalInProgress(err: unknown): boolean {
  return isConflict(err) && /already in progress/i.test(engineMessage(err));
}
