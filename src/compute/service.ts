import { randomBytes, randomUUID } from 'node:crypto';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { AuthContext } from '../identity/auth-context';
import type { DriverRegistry } from '../drivers/registry';
import type { FlavorStore } from '../db/stores/flavors';
import type { InstancePatch, InstanceQuery, InstanceRecord, InstanceStore } from '../db/stores/instances';
import type { KeypairStore } from '../db/stores/keypairs';
import type { ImageService } from '../image/service';
import type { TaskRunner } from './tasks';
import {
  BadRequest, Forbidden, ImageNotFound, InstanceNotFound, InstanceNotFoundInDriver, InstanceNotReady, ItemNotFound,
  KeypairNotFound, FlavorNotFound, NotSupported,
} from '../errors';
import { PowerState } from '../drivers/driver';
import { ComputeManager, toDriverInstance } from './manager';
import { printable, tailLog } from './console-output';
import { Scheduler } from '../scheduler/scheduler';
import type { ServerGroupService } from './server-groups';
import type { HostServices } from './host-services';
import type { Deltas, QuotaService } from './quotas';
import type { MigrationStore } from '../db/stores/migrations';
import type { ServerGroupRecord } from '../db/stores/server-groups';
import type { AvailabilityZones } from './availability-zones';
import { requireState, StateRequirement } from './guards';
import { TaskState, VmState } from './states';
import { sanitizeHostname } from './hostname';
import { rethrowAs } from './rethrow';
import { InstanceActionRecorder, novaActionName } from './instance-actions';
import { requireUnlocked } from './lock';
import { recoverInterrupted } from './recovery';
import { byCodePoint } from '../db/stores/instance-tags';
import { canonicalIPv6, checkMetadataQuota, checkRequestedNetworks, checkSecurityGroups, RequestedNetwork } from './request-checks';
import {
  abortBuild, applyRequestedDestination, buildAbortReason, BuildNeeds, checkRequestedDestination, RequestedDestination,
} from './server-requests';

export const DEFAULT_AZ = 'nova';

export interface CreateRequest {
  readonly name: string;
  readonly imageRef: string;
  readonly flavorRef: string;
  readonly keyName?: string;
  readonly metadata?: Record<string, string>;
  readonly accessIPv4?: string;
  readonly accessIPv6?: string;
  readonly diskConfig?: string;
  readonly userData?: string;
  readonly availabilityZone?: string;
  readonly configDrive?: boolean;
  readonly minCount: number;
  readonly maxCount: number;
  readonly adminPass?: string;
  readonly networks?: readonly RequestedNetwork[] | string;
  readonly securityGroups?: readonly { name?: string }[];
  /** os:scheduler_hints group: the server group the new servers join */
  readonly group?: string;
  /** 2.19 description (2.74 destination, tagged networks and 2.63 trusted certs: CreateRequestFields, server-requests.ts) */
  readonly description?: string | null;
  /** 2.52: the new servers' tags */
  readonly tags?: readonly string[];
}

export type CreateRequestFields = CreateRequest & RequestedDestination & BuildNeeds;

/** One asynchronous server action, as startAction runs it. */
export interface ActionSpec {
  /** Nova's name for the action in its 409 message ("Cannot 'stop' instance …") */
  readonly method: string;
  readonly allowed: StateRequirement;
  /** the task_state claimed while the work runs */
  readonly task: TaskState;
  /** the background work; it must leave task_state null (ComputeManager.run does) */
  readonly work: () => Promise<void>;
  /** Nova's instance action name (os-instance-actions), when it is not novaActionName(method) */
  readonly action?: string;
  /** true for the few actions Nova allows on a locked server (no @check_instance_lock: createImage, createBackup) */
  readonly ignoresLock?: boolean;
  /**
   * the claim itself, for actions whose claim must be quota-checked (resize, revert, restore: see
   * quotas.ts admitChange): given the compare-and-set of the task_state (on a store, with fields
   * saved with it), returns whether it won; default: the compare-and-set alone
   */
  readonly claim?: (cas: (store: InstanceStore, fields?: InstancePatch) => Promise<boolean>) => Promise<boolean>;
}

export interface CreateResult {
  readonly instances: InstanceRecord[];
  readonly reservationId: string;
  readonly adminPass: string;
}

interface Deps {
  config: Config; log: Logger; instances: InstanceStore; flavors: FlavorStore; keypairs: KeypairStore;
  images: ImageService; drivers: DriverRegistry; tasks: TaskRunner;
  actions: InstanceActionRecorder;
  serverGroups: ServerGroupService;
  /** enabled/disabled nova-compute services (os-services), for the scheduler */
  hostServices?: HostServices;
  /** quota enforcement (os-quota-sets); absent: nothing is enforced but the default metadata_items */
  quotas?: QuotaService;
  /** aggregates' availability zones: the create's zone check, its hosts, a new server's zone */
  zones?: AvailabilityZones;
  /** migration records, for startup recovery to end those of interrupted moves */
  migrationRecords?: MigrationStore;
}

/** The compute API (Nova's compute/api.py): checks, state transitions, then background work. */
export class ComputeService {
  /** the background side; feature modules hand it their work through startAction */
  readonly manager: ComputeManager;
  private readonly scheduler: Scheduler;

  constructor(private readonly d: Deps) {
    this.manager = new ComputeManager(d.instances, d.images, d.drivers, d.log.child({ component: 'manager' }), d.actions);
    this.scheduler = new Scheduler(d.drivers, d.instances, d.hostServices);
  }

  async create(auth: AuthContext, req: CreateRequestFields): Promise<CreateResult> {
    const projectId = requireProject(auth);
    checkRequestedDestination(auth, this.d.drivers.hosts(), req);
    checkRequestedNetworks(req.networks);
    checkSecurityGroups(req.securityGroups, projectId);
    await this.checkMetadataQuota(projectId, req.metadata);
    const flavor = await this.d.flavors.find(req.flavorRef, auth).catch(rethrowAs(BadRequest, FlavorNotFound));
    const image = await this.d.images.getVisible(req.imageRef, auth)
      .catch(rethrowAs(BadRequest, ImageNotFound, () => 'Can not find requested image'));
    if (image.status !== 'active') throw new BadRequest(`Image ${image.id} is not active.`);
    if (image.minRam > flavor.memoryMb) throw new BadRequest("Flavor's memory is too small for requested image.");
    if (image.minDisk > flavor.rootGb) throw new BadRequest("Flavor's disk is too small for requested image.");
    const key = req.keyName
      ? await this.d.keypairs.find(auth.userId, req.keyName).catch(rethrowAs(BadRequest, KeypairNotFound, () => 'Invalid key_name provided.'))
      : null;
    const zone = this.d.zones ? await this.d.zones.hostsFor(req.availabilityZone, auth.isAdmin) : undefined;
    if (!this.d.zones && (req.availabilityZone ?? DEFAULT_AZ) !== DEFAULT_AZ) throw new BadRequest('The requested availability zone is not available');

    const reservationId = `r-${randomBytes(4).toString('hex')}`;
    const group = await this.d.serverGroups.requested(auth, req.group);
    const hosts = applyRequestedDestination(await this.d.serverGroups.place(this.scheduler, group, req.maxCount, zone?.hosts), req, group !== null);
    const now = new Date();
    const instances: InstanceRecord[] = [];
    for (let index = 0; index < req.maxCount; index++) {
      const uuid = randomUUID();
      const displayName = req.maxCount > 1 ? `${req.name}-${index + 1}` : req.name;
      const host = hosts[index]; // null: no valid host, the instance is born in ERROR
      instances.push({
        uuid, displayName, hostname: sanitizeHostname(displayName, `server-${uuid}`), projectId, userId: auth.userId,
        host, node: host, availabilityZone: host && this.d.zones ? await this.d.zones.zoneOf(host) : zone?.zone ?? req.availabilityZone ?? DEFAULT_AZ, imageRef: image.id,
        flavor: { id: flavor.id, name: flavor.name, memoryMb: flavor.memoryMb, vcpus: flavor.vcpus, rootGb: flavor.rootGb, ephemeralGb: flavor.ephemeralGb, swap: flavor.swap },
        vmState: host ? VmState.BUILDING : VmState.ERROR, taskState: host ? TaskState.SCHEDULING : null, powerState: PowerState.NOSTATE,
        keyName: key?.name ?? null, keyData: key?.publicKey ?? null, metadata: req.metadata ?? {}, addresses: [],
        driverState: null, accessIPv4: req.accessIPv4 ?? null, accessIPv6: req.accessIPv6 ? canonicalIPv6(req.accessIPv6) : null,
        diskConfig: req.diskConfig ?? 'MANUAL', configDrive: req.configDrive || this.d.config.forceConfigDrive ? 'True' : '', userData: req.userData ?? null,
        reservationId, launchIndex: index, progress: 0, createdAt: now, updatedAt: now,
        launchedAt: null, terminatedAt: null, deletedAt: null, fault: null, locked: false, lockedBy: null,
        description: req.description ?? null, requestedNetworks: req.networks === 'none' ? 'none' : null,
        tags: [...new Set(req.tags ?? [])].sort(byCodePoint),
      });
    }
    instances.splice(0, instances.length, ...(await this.admit(auth, req, flavor, group, instances)));
    for (const instance of instances) {
      const actionId = await this.d.actions.start(auth, instance.uuid, 'create');
      if (!instance.host) {
        await this.d.serverGroups.failScheduling(instance.uuid);
        continue;
      }
      const abort = buildAbortReason(this.d.drivers.forHost(instance.host).capabilities, req);
      if (abort) {
        await abortBuild(this.d.instances, instance.uuid, abort);
        continue;
      }
      this.d.tasks.run(instance.uuid, 'spawn', this.d.actions.within(instance.uuid, actionId, () => this.manager.spawn(instance.uuid, image)));
    }
    return { instances, reservationId, adminPass: req.adminPass ?? randomBytes(9).toString('base64url').slice(0, 12) };
  }

  /**
   * An ActionSpec claim for a change that consumes quota (resize, revert of a downsize, restore):
   * `deltas` are checked and the task_state claimed (with `fields`) in one step under the project's
   * lock (quotas.ts admitChange; Nova's 403 TooManyInstances past them), so concurrent changes
   * never exceed a limit together. Without quotas: the claim alone.
   */
  quotaClaim(instance: Pick<InstanceRecord, 'projectId' | 'userId'>, deltas: Deltas, fields?: InstancePatch): NonNullable<ActionSpec['claim']> {
    const quotas = this.d.quotas;
    return (cas) => (quotas ? quotas.admitChange(instance, deltas, (store) => cas(store, fields)) : cas(this.d.instances, fields));
  }

  /** Nova's metadata_items quota of a project (403 past it), for every path that writes server metadata. */
  async checkMetadataQuota(projectId: string, metadata: Record<string, string> | undefined): Promise<void> {
    if (this.d.quotas) await this.d.quotas.checkMetadata(projectId, metadata);
    else checkMetadataQuota(metadata);
  }

  /**
   * Stores the new servers (and their group membership). With quotas, counting and inserting run
   * under the project's lock and as many of min_count..max_count are kept as fit (Nova's
   * check_num_instances_quota; a lone survivor of a multiple create keeps the plain name).
   */
  private async admit(auth: AuthContext, req: CreateRequest, flavor: { vcpus: number; memoryMb: number }, group: ServerGroupRecord | null,
    candidates: InstanceRecord[]): Promise<InstanceRecord[]> {
    if (!this.d.quotas) {
      await this.d.instances.insert(...candidates);
      await this.d.serverGroups.join(group, candidates);
      return candidates;
    }
    const keep = (count: number) => (count === 1 && candidates.length > 1
      ? [{ ...candidates[0], displayName: req.name, hostname: sanitizeHostname(req.name, `server-${candidates[0].uuid}`) }]
      : candidates.slice(0, count));
    return this.d.quotas.admitInstances({
      projectId: requireProject(auth), userId: auth.userId, flavor, minCount: req.minCount, maxCount: req.maxCount, groupUuid: group?.uuid ?? null,
    }, keep);
  }

  /** An instance the caller may see: its own project's, or any for an admin; 404 otherwise. */
  async get(auth: AuthContext, uuid: string): Promise<InstanceRecord> {
    const instance = await this.d.instances.find(uuid);
    if (!auth.isAdmin && instance.projectId !== auth.projectId) throw new InstanceNotFound(uuid);
    return instance;
  }

  async list(auth: AuthContext, q: InstanceQuery & { allTenants?: boolean }): Promise<InstanceRecord[]> {
    const projectId = auth.isAdmin && q.allTenants ? q.projectId : requireProject(auth);
    return this.d.instances.list({ ...q, projectId });
  }

  async update(auth: AuthContext, uuid: string, patch: { name?: string; accessIPv4?: string; accessIPv6?: string; diskConfig?: string; description?: string | null }): Promise<InstanceRecord> {
    const instance = await this.get(auth, uuid);
    await this.d.instances.update(uuid, {
      ...(patch.name !== undefined && { displayName: patch.name, hostname: sanitizeHostname(patch.name, instance.hostname) }),
      ...(patch.accessIPv4 !== undefined && { accessIPv4: patch.accessIPv4 }),
      ...(patch.accessIPv6 !== undefined && { accessIPv6: patch.accessIPv6 && canonicalIPv6(patch.accessIPv6) }),
      ...(patch.diskConfig !== undefined && { diskConfig: patch.diskConfig }),
      ...(patch.description !== undefined && { description: patch.description }),
    });
    return this.d.instances.find(uuid);
  }

  /** Delete is allowed in any state; the server answers 404 once its container is gone. */
  async delete(auth: AuthContext, uuid: string): Promise<void> {
    const instance = await this.get(auth, uuid);
    requireUnlocked(instance, auth);
    if (instance.taskState === TaskState.DELETING) return;
    await this.d.instances.update(uuid, { taskState: TaskState.DELETING });
    const actionId = await this.d.actions.start(auth, uuid, 'delete');
    this.d.tasks.run(uuid, 'delete', this.d.actions.within(uuid, actionId, () => this.manager.destroy(uuid)));
  }

  async stop(auth: AuthContext, uuid: string): Promise<void> {
    await this.startAction(auth, uuid, {
      method: 'stop', allowed: { vm: [VmState.ACTIVE, VmState.ERROR], task: [null] }, task: TaskState.POWERING_OFF,
      work: () => this.manager.powerOff(uuid, this.d.config.shutdownTimeoutSec),
    });
  }

  async start(auth: AuthContext, uuid: string): Promise<void> {
    await this.startAction(auth, uuid, {
      method: 'start', allowed: { vm: [VmState.STOPPED], task: [null] }, task: TaskState.POWERING_ON,
      work: () => this.manager.powerOn(uuid),
    });
  }

  async reboot(auth: AuthContext, uuid: string, kind: 'SOFT' | 'HARD'): Promise<void> {
    const soft = kind === 'SOFT';
    await this.startAction(auth, uuid, {
      method: 'reboot',
      allowed: soft ? { vm: [VmState.ACTIVE], task: [null] } : {
        // Nova's ALLOW_HARD_REBOOT and ALLOW_REBOOT: a hard reboot also thaws a paused or suspended server
        vm: [VmState.ACTIVE, VmState.STOPPED, VmState.ERROR, VmState.PAUSED, VmState.SUSPENDED],
        task: [null, TaskState.REBOOTING, TaskState.PAUSING, TaskState.UNPAUSING, TaskState.SUSPENDING, TaskState.RESUMING],
      },
      task: soft ? TaskState.REBOOTING : TaskState.REBOOTING_HARD,
      work: () => this.manager.reboot(uuid, kind),
    });
  }

  /**
   * Nova's pattern for an asynchronous server action: find the server the caller may see, refuse
   * a non-admin on a locked server, check its state, claim the task_state atomically (a concurrent
   * loser gets the same 409), record the instance action, then run the work in the background,
   * serialized per server (the events it reports attach to that action). Returns the server as it
   * was before the claim.
   */
  async startAction(auth: AuthContext, uuid: string, spec: ActionSpec): Promise<InstanceRecord> {
    const instance = await this.get(auth, uuid);
    if (!spec.ignoresLock) requireUnlocked(instance, auth);
    await this.transition(instance, spec.allowed, spec.method, spec.task, spec.claim);
    const actionId = await this.d.actions.start(auth, uuid, spec.action ?? novaActionName(spec.method));
    this.d.tasks.run(uuid, spec.method, this.d.actions.within(uuid, actionId, spec.work));
    return instance;
  }

  async getConsoleOutput(auth: AuthContext, uuid: string, length: number | null): Promise<string> {
    const instance = await this.get(auth, uuid);
    // no container yet (building, or the spawn failed): Nova's check_instance_host answers 409
    if (!instance.host || instance.driverState === null) throw new InstanceNotReady(uuid);
    const driver = this.d.drivers.forHost(instance.host);
    if (!driver.capabilities.consoleOutput || !driver.getConsoleOutput) throw new NotSupported();
    const lines = length === null || length < 0 ? undefined : length;
    // the driver only trims what the engine sends; the exact cut is Nova's, done here
    const log = await driver.getConsoleOutput(toDriverInstance(instance), lines)
      .catch(rethrowAs(ItemNotFound, InstanceNotFoundInDriver, () => new InstanceNotFound(uuid).message));
    return printable(lines === undefined ? log : tailLog(log, lines));
  }

  /** After a restart, work that was under way is gone with the old process: see recovery.ts. */
  async recoverInterrupted(): Promise<void> {
    await recoverInterrupted({ ...this.d, manager: this.manager, shutdownTimeoutSec: this.d.config.shutdownTimeoutSec });
  }

  /** Checks the state guard, then claims the task_state atomically: a concurrent loser gets the same 409. */
  private async transition(instance: InstanceRecord, req: StateRequirement, method: string, task: TaskState, claim?: ActionSpec['claim']): Promise<void> {
    requireState(instance, req, method);
    const cas = (store: InstanceStore, fields: InstancePatch = {}) => store.update(instance.uuid, { ...fields, taskState: task }, instance.taskState);
    if (!(await (claim ? claim(cas) : cas(this.d.instances)))) {
      const fresh = await this.d.instances.find(instance.uuid);
      requireState(fresh, { task: [instance.taskState] }, method);
    }
  }
}

function requireProject(auth: AuthContext): string {
  if (!auth.projectId) throw new Forbidden('A project-scoped token is required.');
  return auth.projectId;
}
