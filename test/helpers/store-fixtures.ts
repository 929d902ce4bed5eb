import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { TestDatabase } from './databases';
import type { InstanceRecord } from '../../src/db/stores/instances';

/**
 * The set-up most store suites share, registered in the calling describe(): `database` opened
 * (and migrated) before the suite, dropped after it.
 */
export function useDatabase(database: TestDatabase): { readonly db: Knex } {
  const state: { db?: Knex; drop?: () => Promise<void> } = {};
  before(async () => { ({ db: state.db, drop: state.drop } = await database.open()); });
  after(async () => { await state.drop?.(); });
  return { get db(): Knex { return state.db!; } };
}

/** A complete instance row for store tests: an active m1.tiny in project p on host h1; `fields` override any column. */
export function instanceRecord(fields: Partial<InstanceRecord> = {}): InstanceRecord {
  const at = new Date(1_700_000_000_000);
  return {
    uuid: randomUUID(), displayName: 'vm', hostname: 'vm', projectId: 'p', userId: 'u', host: 'h1', node: 'h1', availabilityZone: 'nova',
    imageRef: 'img-1', flavor: { id: '1', name: 'm1.tiny', memoryMb: 512, vcpus: 1, rootGb: 1, ephemeralGb: 0, swap: 0 },
    vmState: 'active', taskState: null, powerState: 1, keyName: null, keyData: null, metadata: {},
    addresses: [], driverState: null, accessIPv4: null, accessIPv6: null, diskConfig: 'MANUAL', configDrive: '',
    userData: null, reservationId: 'r-1', launchIndex: 0, progress: 0, createdAt: at, updatedAt: at,
    launchedAt: null, terminatedAt: null, deletedAt: null, fault: null, locked: false, lockedBy: null, ...fields,
  };
}
