import type { Logger } from '../log';
import { requireAdminPolicy } from './policy';
import type { AuthContext } from '../identity/auth-context';
import type { InstanceRecord, InstanceStore } from '../db/stores/instances';
import type { DriverRegistry } from '../drivers/registry';
import { instanceTypeId, MigrationNotFoundForInstance, MigrationRecord, MigrationStore, MigrationType } from '../db/stores/migrations';
import { BadRequest, InstanceNotReady, NotFound, NotSupported } from '../errors';
import { NoValidHost, Scheduler } from '../scheduler/scheduler';
import type { ComputeService } from './service';
import { requireState, StateRequirement } from './guards';
import { TaskState, VmState } from './states';
import { requireUnlocked } from './lock';

/** Nova's live-migration statuses in which os-migrations links it and /servers/{id}/migrations lists it. */
export const LIVE_MIGRATION_IN_PROGRESS = ['queued', 'preparing', 'running', 'post-migrating'] as const;

/** Nova's compute/api.py check_instance_state for resize (also cold migrate) and live_migrate. */
const MIGRATE_ALLOWED: StateRequirement = { vm: [VmState.ACTIVE, VmState.STOPPED], task: [null] };
const LIVE_MIGRATE_ALLOWED: StateRequirement = { vm: [VmState.ACTIVE, VmState.PAUSED], task: [null] };
/** live_migrate_force_complete: ACTIVE and migrating; live_migrate_abort: migrating */
const FORCE_COMPLETE_ALLOWED: StateRequirement = { vm: [VmState.ACTIVE], task: [TaskState.MIGRATING] };
const ABORT_ALLOWED: StateRequirement = { task: [TaskState.MIGRATING] };

/** Nova's ComputeHostNotFound (the migrate actions answer it as 400). */
export class ComputeHostNotFound extends BadRequest {
  constructor(host: string) {
    super(`Compute host ${host} could not be found.`);
  }
}

/** Nova's InvalidMigrationState (400). */
export class InvalidMigrationState extends BadRequest {
  constructor(id: number | string, instanceUuid: string, state: string, method: string) {
    super(`Migration ${id} state of instance ${instanceUuid} is ${state}. Cannot ${method} while the migration is in this state.`);
  }
}

export interface MigrationDeps {
  readonly compute: ComputeService;
  readonly instances: InstanceStore;
  readonly store: MigrationStore;
  readonly drivers: DriverRegistry;
  readonly log: Logger;
  /** Nova's ComputeFilter input: only hosts whose nova-compute service is enabled */
  readonly hostServices?: { isEnabled(host: string): boolean };
}

/**
 * Migration records (Nova's objects.Migration) and the move operations on them: resize records
 * one per resize through its steps; cold migrate and live migrate ask the scheduler for another
 * host. With one compute host there is none, so they end as Nova's do: the migration in `error`,
 * the server back where it was with a "No valid host" fault. A container cannot be moved between
 * engines, so even with several hosts a selected destination fails the migration (not supported).
 */
export class MigrationService {
  private readonly scheduler: Scheduler;

  constructor(private readonly d: MigrationDeps) {
    this.scheduler = new Scheduler(d.drivers, d.instances, d.hostServices);
  }

  get store(): MigrationStore {
    return this.d.store;
  }

  // ---- records (used by resize) ----

  /** A new record for a move of `instance` starting now (Nova's conductor creates it 'pre-migrating' or 'accepted'). */
  async begin(instance: InstanceRecord, type: MigrationType, newFlavorId: string, opts: { status?: string; dest?: string | null } = {}): Promise<MigrationRecord> {
    const dest = opts.dest === undefined ? instance.host : opts.dest;
    return this.d.store.create({
      instanceUuid: instance.uuid, migrationType: type, status: opts.status ?? 'pre-migrating',
      sourceCompute: instance.host, sourceNode: instance.node,
      destCompute: dest, destNode: dest, destHost: dest ? await this.hostIp(dest) : null,
      oldInstanceTypeId: instanceTypeId(instance.flavor.id), newInstanceTypeId: instanceTypeId(newFlavorId),
      projectId: instance.projectId, userId: instance.userId,
    });
  }

  /** Moves a record on; a failure to record is logged, never fails the operation it describes. */
  async set(m: MigrationRecord | undefined, status: string): Promise<void> {
    if (!m) return;
    await this.d.store.update(m.id, { status }).catch((err) => this.d.log.warn({ err, migration: m.uuid }, 'cannot update migration'));
  }

  /** The server's resize waiting for a confirm or revert (Nova's get_by_instance_and_status 'finished'). */
  async finishedResize(uuid: string): Promise<MigrationRecord | undefined> {
    return this.d.store.latest(uuid, 'resize', ['finished']).catch(() => undefined);
  }

  // ---- actions ----

  /**
   * Nova's migrate action (compute API resize without a flavor): the admin policy after the
   * lookup, the lock, the state, the host; a named host must exist and differ from the current
   * one (400). Then task resize_prep and, in the background, the conductor's scheduling.
   */
  async migrate(auth: AuthContext, uuid: string, host: string | null): Promise<void> {
    const instance = await this.d.compute.get(auth, uuid);
    requireAdminPolicy(auth, 'os-migrate-server:migrate');
    requireUnlocked(instance, auth);
    requireState(instance, MIGRATE_ALLOWED, 'migrate');
    if (!instance.host || instance.driverState === null) throw new InstanceNotReady(uuid);
    if (host !== null) this.validateDestination(instance, host, () => new BadRequest('Cannot migrate to the host where the server exists.'));
    await this.d.compute.startAction(auth, uuid, {
      method: 'migrate', allowed: MIGRATE_ALLOWED, task: TaskState.RESIZE_PREP,
      work: () => this.coldMigrate(uuid, host),
    });
  }

  /**
   * Nova's os-migrateLive: the policy, the lock, ACTIVE or PAUSED; a named host must exist (400).
   * From 2.34 the checks after that run in the background (202, then the migration in error);
   * before, their failure is the answer (400), as Nova's synchronous conductor call.
   */
  async liveMigrate(auth: AuthContext, uuid: string, host: string | null, opts: { force: boolean | null; async: boolean }): Promise<void> {
    const instance = await this.d.compute.get(auth, uuid);
    requireAdminPolicy(auth, 'os-migrate-server:migrate_live');
    if (opts.force && !host) throw new BadRequest("Can't force to a non-provided destination");
    requireUnlocked(instance, auth);
    requireState(instance, LIVE_MIGRATE_ALLOWED, 'os-migrateLive');
    if (host !== null && !this.d.drivers.hosts().includes(host)) throw new ComputeHostNotFound(host);
    if (!opts.async) {
      // the conductor's checks, answered now (Nova below 2.34 calls the conductor synchronously)
      await this.pickLiveDestination(instance, host, opts.force).catch((err: unknown) => {
        throw err instanceof NoValidHost ? new BadRequest(err.message) : err;
      });
      throw new NotSupported('Moving a container to another compute host is not supported.');
    }
    await this.d.compute.startAction(auth, uuid, {
      method: 'os-migrateLive', allowed: LIVE_MIGRATE_ALLOWED, task: TaskState.MIGRATING, action: 'live-migration',
      work: () => this.liveMigrateWork(uuid, host, opts.force),
    });
  }

  /** POST /servers/{id}/migrations/{mid}/action force_complete (2.22): only a running live migration. */
  async forceComplete(auth: AuthContext, uuid: string, migrationId: string): Promise<void> {
    const instance = await this.d.compute.get(auth, uuid);
    requireAdminPolicy(auth, 'servers:migrations:force_complete');
    requireUnlocked(instance, auth);
    requireState(instance, FORCE_COMPLETE_ALLOWED, 'force_complete');
    const m = await this.d.store.findForInstance(migrationId, uuid).catch((err) => {
      throw err instanceof MigrationNotFoundForInstance ? new BadRequest(err.message) : err;
    });
    if (m.status !== 'running') throw new InvalidMigrationState(m.id, uuid, m.status, 'force complete');
    throw new NotSupported(); // a running live migration cannot exist here: nothing starts one
  }

  /** DELETE /servers/{id}/migrations/{mid} (2.24; queued/preparing too from 2.65). */
  async abort(auth: AuthContext, uuid: string, migrationId: string, inQueue: boolean): Promise<void> {
    const instance = await this.d.compute.get(auth, uuid);
    requireAdminPolicy(auth, 'servers:migrations:delete');
    requireUnlocked(instance, auth);
    requireState(instance, ABORT_ALLOWED, 'abort live migration');
    const m = await this.d.store.findForInstance(migrationId, uuid);
    const allowed = inQueue ? ['running', 'queued', 'preparing'] : ['running'];
    if (!allowed.includes(m.status)) throw new InvalidMigrationState(m.id, uuid, m.status, 'abort live migration');
    throw new NotSupported();
  }

  /** GET /servers/{id}/migrations: the server's live migrations in progress. */
  async inProgress(auth: AuthContext, uuid: string): Promise<MigrationRecord[]> {
    await this.d.compute.get(auth, uuid);
    requireAdminPolicy(auth, 'servers:migrations:index');
    const all = await this.d.store.list({ instanceUuid: uuid, migrationType: 'live-migration' });
    return all.filter((m) => (LIVE_MIGRATION_IN_PROGRESS as readonly string[]).includes(m.status)).reverse();
  }

  /** GET /servers/{id}/migrations/{mid}: Nova's three 404s. */
  async inProgressOne(auth: AuthContext, uuid: string, migrationId: string): Promise<MigrationRecord> {
    await this.d.compute.get(auth, uuid);
    requireAdminPolicy(auth, 'servers:migrations:show');
    const m = await this.d.store.findForInstance(migrationId, uuid).catch((err) => {
      throw err instanceof MigrationNotFoundForInstance
        ? new NotFound(`In-progress live migration ${migrationId} is not found for server ${uuid}.`) : err;
    });
    if (m.migrationType !== 'live-migration') throw new NotFound(`Migration ${migrationId} for server ${uuid} is not live-migration.`);
    if (!(LIVE_MIGRATION_IN_PROGRESS as readonly string[]).includes(m.status)) {
      throw new NotFound(`Live migration ${migrationId} for server ${uuid} is not in progress.`);
    }
    return m;
  }

  // ---- background work (Nova's conductor) ----

  /** Nova's MigrationTask: a 'migration' record, the scheduler without the current host, then the move. */
  private async coldMigrate(uuid: string, host: string | null): Promise<void> {
    const instance = await this.d.instances.find(uuid);
    await this.conductor(uuid, 'cold_migrate', instance, 'migration', 'pre-migrating', async () => {
      try {
        await this.selectOther(instance, host);
      } catch (err) {
        throw err instanceof NoValidHost ? new NoValidHost('No valid host found for cold migrate') : err;
      }
    });
  }

  /** Nova's LiveMigrationTask: an 'accepted' record, the destination checks, then the move. */
  private async liveMigrateWork(uuid: string, host: string | null, force: boolean | null): Promise<void> {
    const instance = await this.d.instances.find(uuid);
    await this.conductor(uuid, 'live_migration', instance, 'live-migration', 'accepted',
      () => this.pickLiveDestination(instance, host, force), force === false ? null : host);
  }

  /**
   * Nova's LiveMigrationTask: a host kept as given (before 2.30, or forced) is only checked not to
   * be the source (UnableToMigrateToSelf); otherwise the scheduler picks one, the source excluded,
   * limited to the requested host from 2.30 (NoValidHost when none is left).
   */
  private async pickLiveDestination(instance: InstanceRecord, host: string | null, force: boolean | null): Promise<string> {
    if (host !== null && force !== false) {
      if (host === instance.host) throw new BadRequest(`Unable to migrate instance (${instance.uuid}) to current host (${host}).`);
      return host;
    }
    return this.selectOther(instance, host);
  }

  /** The scheduler, the server's current host ignored (Nova's ignore_hosts), limited to a requested host. */
  private async selectOther(instance: InstanceRecord, requested: string | null): Promise<string> {
    const candidates = this.d.drivers.hosts().filter((h) => h !== instance.host && (requested === null || h === requested));
    return this.scheduler.selectHost(undefined, candidates);
  }

  /**
   * Runs one conductor task: the record, `schedule` (a NoValidHost or any failure sets the record
   * to error, the server back to its vm_state with task_state null and a fault, as Nova's
   * set_vm_state_and_notify), and then the move itself, which no driver can do across engines.
   */
  private async conductor(uuid: string, event: string, instance: InstanceRecord, type: MigrationType, status: string,
    schedule: () => Promise<unknown>, dest: string | null = null): Promise<void> {
    let m: MigrationRecord | undefined;
    await this.d.compute.manager.run(uuid, event, async () => {
      m = await this.begin(instance, type, instance.flavor.id, { status, dest });
      await schedule();
      throw new NotSupported('Moving a container to another compute host is not supported.');
    });
    await this.set(m, 'error');
  }

  /** The named host exists (ComputeHostNotFound, 400) and is not the current one. */
  private validateDestination(instance: InstanceRecord, host: string, same: () => Error): void {
    if (host === instance.host) throw same();
    if (!this.d.drivers.hosts().includes(host)) throw new ComputeHostNotFound(host);
  }

  private async hostIp(host: string): Promise<string | null> {
    try {
      const driver = this.d.drivers.forHost(host);
      if (!driver.capabilities.hostInfo || !driver.hostInfo) return null;
      return (await driver.hostInfo()).hostIp;
    } catch {
      return null;
    }
  }
}

