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
import { TaskRunner } from './compute/tasks';
import { FlavorStore } from './db/stores/flavors';
import { InstanceStore } from './db/stores/instances';
import { KeypairStore } from './db/stores/keypairs';
import { DriverRegistry } from './drivers/registry';

/** The composition root: every service built once from config, db and drivers, passed explicitly. */
export interface Services {
  readonly db: Knex;
  readonly identity: IdentityService;
  readonly identityAdmin: IdentityAdmin;
  readonly images: ImageService;
  readonly compute: ComputeService;
  readonly flavors: FlavorStore;
  readonly instances: InstanceStore;
  readonly keypairs: KeypairStore;
  readonly drivers: DriverRegistry;
  readonly tasks: TaskRunner;
}

export function createServices(config: Config, log: Logger, db: Knex, driver: ComputeDriver): Services {
  const identityStore = new IdentityStore(db);
  const identity = new IdentityService(identityStore, config.tokenTtlSec);
  const identityAdmin = new IdentityAdmin(identityStore);
  const images = new ImageService(new ImageStore(db), config);
  const flavors = new FlavorStore(db);
  const instances = new InstanceStore(db);
  const keypairs = new KeypairStore(db);
  const drivers = new DriverRegistry({ [config.computeHost]: driver });
  const tasks = new TaskRunner(log.child({ component: 'tasks' }));
  const compute = new ComputeService({ config, log, instances, flavors, keypairs, images, drivers, tasks });
  return { db, identity, identityAdmin, images, compute, flavors, instances, keypairs, drivers, tasks };
}
