import type { Knex } from 'knex';
import * as identity from './0001-identity';
import * as flavors from './0002-flavors';
import * as instances from './0003-instances';
import * as keypairs from './0004-keypairs';
import * as images from './0005-images';
import * as identityAdmin from './0006-identity-admin';
import * as locksAndActions from './0007-locks-and-instance-actions';
import * as oldFlavor from './0009-instance-old-flavor';
import * as consoleAuthTokens from './0011-console-auth-tokens';
import * as instanceShelved from './0012-instance-shelved';
import * as flavorProjects from './0015-flavor-projects';
import * as serverGroups from './0016-server-groups';
import * as quotas from './0017-quotas';
import * as instanceTags from './0018-instance-tags';
import * as aggregates from './0019-aggregates';
import * as migrationRecords from './0020-migrations';
import * as serverRequestFields from './0023-server-request-fields';
import * as resourceMicroversions from './0024-resource-microversions';
import * as instanceNewFlavor from './0025-instance-new-flavor';

interface Migration {
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

/** Listed explicitly so compiled output needs no globbing; one concern per migration (MySQL DDL is not transactional). */
const MIGRATIONS: [string, Migration][] = [
  ['0001-identity', identity],
  ['0002-flavors', flavors],
  ['0003-instances', instances],
  ['0004-keypairs', keypairs],
  ['0005-images', images],
  ['0006-identity-admin', identityAdmin],
  ['0007-locks-and-instance-actions', locksAndActions],
  ['0009-instance-old-flavor', oldFlavor],
  ['0011-console-auth-tokens', consoleAuthTokens],
  ['0012-instance-shelved', instanceShelved],
  ['0015-flavor-projects', flavorProjects],
  ['0016-server-groups', serverGroups],
  ['0017-quotas', quotas],
  ['0018-instance-tags', instanceTags],
  ['0019-aggregates', aggregates],
  ['0020-migrations', migrationRecords],
  ['0023-server-request-fields', serverRequestFields],
  ['0024-resource-microversions', resourceMicroversions],
  ['0025-instance-new-flavor', instanceNewFlavor],
];

export const migrationSource: Knex.MigrationSource<[string, Migration]> = {
  getMigrations: async () => MIGRATIONS,
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};
