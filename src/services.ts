import type { Knex } from 'knex';
import type { Config } from './config';
import type { Logger } from './log';
import type { ComputeDriver } from './drivers/driver';
import { IdentityStore } from './db/stores/identity';
import { IdentityService } from './identity/service';
import { IdentityAdmin } from './identity/admin';
import { ImageStore } from './db/stores/images';
import { ImageService } from './image/service';
import { ComputeService } from './compute/service';
import { RemoteConsoleService } from './compute/remote-consoles';
import { ConsoleTokenStore } from './db/stores/console-tokens';
import { PauseSuspendService } from './compute/pause-suspend';
import { AdminPasswordService } from './compute/admin-password';
import { SnapshotService } from './compute/snapshots';
import { TaskRunner } from './compute/tasks';
import { RebuildService } from './compute/rebuild';
import { ResizeService } from './compute/resize';
import { InstanceActionRecorder } from './compute/instance-actions';
import { ServerLocks } from './compute/lock';
import { RescueService } from './compute/rescue';
import { ShelveService } from './compute/shelve';
import { HostServices } from './compute/host-services';
import { AggregateService } from './compute/aggregates';
import { AvailabilityZones, HostZones } from './compute/availability-zones';
import { Hosts } from './compute/hosts';
import { AggregateStore } from './db/stores/aggregates';
import { ComputeServiceStore } from './db/stores/compute-services';
import { AdminActions } from './compute/admin-actions';
import { AdminViews, createAdminViews } from './compute/admin-views';
import { InstanceActionStore } from './db/stores/instance-actions';
import { FlavorStore } from './db/stores/flavors';
import { InstanceStore } from './db/stores/instances';
import { KeypairStore } from './db/stores/keypairs';
import { ServerGroupStore } from './db/stores/server-groups';
import { ServerGroupService } from './compute/server-groups';
import { ServerMetadataService } from './compute/server-metadata';
import { ServerTagService } from './compute/server-tags';
import { InstanceTagStore } from './db/stores/instance-tags';
import { DriverRegistry } from './drivers/registry';
import { QuotaService } from './compute/quotas';
import { MigrationService } from './compute/migrations';
import { MigrationStore } from './db/stores/migrations';
import { SoftDeleteService } from './compute/soft-delete';
import { PowerSync } from './compute/power-sync';
import { HostPoll } from './compute/host-poll';

/** The composition root: every service built once from config, db and drivers, passed explicitly. */
export interface Services {
  readonly db: Knex;
  readonly identity: IdentityService;
  readonly identityAdmin: IdentityAdmin;
  readonly images: ImageService;
  readonly compute: ComputeService;
  /** os-getSerialConsole URLs and their one-time tokens */
  readonly consoles: RemoteConsoleService;
  readonly pauseSuspend: PauseSuspendService;
  readonly adminPassword: AdminPasswordService;
  readonly snapshots: SnapshotService;
  readonly flavors: FlavorStore;
  readonly instances: InstanceStore;
  readonly keypairs: KeypairStore;
  readonly drivers: DriverRegistry;
  readonly tasks: TaskRunner;
  readonly rebuild: RebuildService;
  readonly resize: ResizeService;
  /** for views built outside the route factories (server action replies need the public URL) */
  readonly config: Config;
  readonly instanceActions: InstanceActionRecorder;
  readonly locks: ServerLocks;
  readonly rescue: RescueService;
  readonly shelve: ShelveService;
  readonly serverGroups: ServerGroupService;
  /** os-services and os-hypervisors */
  readonly hostServices: HostServices;
  /** os-aggregates, availability zones, os-hosts */
  readonly aggregates: AggregateService;
  readonly zones: AvailabilityZones;
  readonly hosts: Hosts;
  readonly adminActions: AdminActions;
  /** os-simple-tenant-usage, os-instance_usage_audit_log, os-server-external-events, server diagnostics */
  readonly adminViews: AdminViews;
  /** os-quota-sets, os-quota-class-sets, limits and quota enforcement */
  readonly quotas: QuotaService;
  readonly serverMetadata: ServerMetadataService;
  /** server tags (2.26) */
  readonly serverTags: ServerTagService;
  /** migration records, os-migrations, migrate and os-migrateLive */
  readonly migrations: MigrationService;
  /** deferred delete: soft delete, restore, forceDelete and the periodic reclaim */
  readonly softDelete: SoftDeleteService;
  /** the periodic power state sync and orphan sweep (Nova's _sync_power_states) */
  readonly powerSync: PowerSync;
  /** the compute hosts' periodic health and resource reports (os-services, os-hypervisors, host_status) */
  readonly hostPoll: HostPoll;
}

export function createServices(config: Config, log: Logger, db: Knex, driver: ComputeDriver): Services {
  const identityStore = new IdentityStore(db);
  const identity = new IdentityService(identityStore, config.tokenTtlSec, () => Date.now(), config.tokenCacheSec);
  const identityAdmin = new IdentityAdmin(identityStore);
  const images = new ImageService(new ImageStore(db), config);
  const flavors = new FlavorStore(db);
  const instances = new InstanceStore(db);
  const keypairs = new KeypairStore(db);
  const drivers = new DriverRegistry({ [config.computeHost]: driver });
  const tasks = new TaskRunner(log.child({ component: 'tasks' }));
  const instanceActions = new InstanceActionRecorder(new InstanceActionStore(db), log.child({ component: 'instance-actions' }));
  const quotas = new QuotaService(db, identityStore);
  const serverGroups = new ServerGroupService(new ServerGroupStore(db), instances, quotas);
  const hostServices = new HostServices(drivers, instances, new ComputeServiceStore(db));
  const aggregateStore = new AggregateStore(db);
  const hostZones = new HostZones(aggregateStore);
  hostServices.zones = hostZones;
  const hostPoll = new HostPoll(drivers, config.hostPollIntervalSec, log.child({ component: 'host-poll' }));
  hostServices.poll = hostPoll;
  const zones = new AvailabilityZones(hostZones, hostServices);
  const aggregates = new AggregateService(aggregateStore, drivers, hostZones);
  const hosts = new Hosts(hostServices);
  const compute = new ComputeService({ config, log, instances, flavors, keypairs, images, drivers, tasks, actions: instanceActions, serverGroups, hostServices, quotas, zones, migrationRecords: new MigrationStore(db) });
  const adminActions = new AdminActions(compute, instances, instanceActions);
  const adminViews = createAdminViews({ instances, drivers, hostServices, tasks, actions: instanceActions, log: log.child({ component: 'admin-views' }) });
  const locks = new ServerLocks(compute, instances, instanceActions);
  const pauseSuspend = new PauseSuspendService(compute, drivers);
  const adminPassword = new AdminPasswordService(compute, drivers);
  const snapshots = new SnapshotService({ compute, instances, images, drivers, log: log.child({ component: 'snapshots' }), publicUrl: config.publicUrl });
  const rebuild = new RebuildService({ compute, instances, images, shutdownTimeoutSec: config.shutdownTimeoutSec, keypairs });
  const migrations = new MigrationService({ compute, instances, store: new MigrationStore(db), drivers, hostServices, log: log.child({ component: 'migrations' }) });
  const resize = new ResizeService({ compute, instances, flavors, images, drivers, migrations });
  const softDelete = new SoftDeleteService({
    compute, instances, tasks, actions: instanceActions, log: log.child({ component: 'soft-delete' }),
    reclaimIntervalSec: config.reclaimInstanceIntervalSec, shutdownTimeoutSec: config.shutdownTimeoutSec,
  });
  const rescue = new RescueService({ compute, instances, images, drivers });
  const shelve = new ShelveService({
    compute, instances, images, snapshots, drivers, tasks, log: log.child({ component: 'shelve' }),
    shutdownTimeoutSec: config.shutdownTimeoutSec, shelvedOffloadTimeSec: config.shelvedOffloadTimeSec,
  });
  const consoles = new RemoteConsoleService({ config, compute, instances, drivers, tokens: new ConsoleTokenStore(db) });
  const serverMetadata = new ServerMetadataService(compute, instances);
  const serverTags = new ServerTagService(instances, new InstanceTagStore(db));
  const powerSync = new PowerSync({ instances, drivers, tasks, manager: compute.manager, log: log.child({ component: 'power-sync' }), intervalSec: config.powerSyncIntervalSec, orphanAction: config.orphanContainerAction });
  return { hostPoll, powerSync, migrations, softDelete, aggregates, zones, hosts, quotas, serverMetadata, serverTags, db, identity, identityAdmin, images, compute, pauseSuspend, adminPassword, snapshots, flavors, instances, keypairs, drivers, tasks, instanceActions, locks, rebuild, resize, config, consoles, shelve, rescue, serverGroups, hostServices, adminActions, adminViews };
}
