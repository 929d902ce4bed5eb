import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { testDatabases } from '../helpers/databases';
import { InstanceStore, InstanceRecord } from '../../src/db/stores/instances';

function instance(extra: Partial<InstanceRecord> = {}): InstanceRecord {
  const at = new Date(1_700_000_000_000);
  return {
    uuid: randomUUID(), displayName: 'vm', hostname: 'vm', projectId: 'p', userId: 'u', host: 'h1', node: 'h1', availabilityZone: 'nova',
    imageRef: 'img-1', flavor: { id: '1', name: 'm1.tiny', memoryMb: 512, vcpus: 1, rootGb: 1, ephemeralGb: 0, swap: 0 },
    vmState: 'active', taskState: null, powerState: 1, keyName: null, keyData: null, metadata: {},
    addresses: [], driverState: null, accessIPv4: null, accessIPv6: null, diskConfig: 'MANUAL', configDrive: '',
    userData: null, reservationId: 'r-1', launchIndex: 0, progress: 0, createdAt: at, updatedAt: at,
    launchedAt: null, terminatedAt: null, deletedAt: null, fault: null, locked: false, lockedBy: null, ...extra,
  };
}

/** Migration 0023: description (microversion 2.19), locked_reason (2.73) and networks "none" (2.37), and the rebuild's key and user data (2.54, 2.57). */
for (const database of testDatabases()) {
  describe(`instance request fields on ${database.name} (microversion 2.19, 2.37, 2.54, 2.57 and 2.73)`, () => {
    let db: Knex;
    let drop: () => Promise<void>;
    before(async () => ({ db, drop } = await database.open()));
    after(async () => { await drop(); });

    it('stores and clears description, lock reason, key and user data; keeps the requested networks', async () => {
      const store = new InstanceStore(db);
      const plain = instance();
      await store.insert(plain);
      expect(await store.find(plain.uuid)).to.include({ description: null, lockedReason: null, requestedNetworks: null });

      const i = instance({ description: 'ünïcode description', requestedNetworks: 'none' });
      await store.insert(i);
      expect(await store.find(i.uuid)).to.include({ description: 'ünïcode description', requestedNetworks: 'none' });
      await store.update(i.uuid, { locked: true, lockedBy: 'owner', lockedReason: 'x'.repeat(255), description: null });
      expect(await store.find(i.uuid)).to.include({ lockedReason: 'x'.repeat(255), description: null });
      await store.update(i.uuid, { keyName: 'k', keyData: 'ssh-ed25519 AAAA k', userData: 'aGk=' });
      expect(await store.find(i.uuid)).to.include({ keyName: 'k', keyData: 'ssh-ed25519 AAAA k', userData: 'aGk=' });
      await store.update(i.uuid, { keyName: null, keyData: null, userData: null, lockedReason: null });
      expect(await store.find(i.uuid)).to.include({ keyName: null, keyData: null, userData: null, lockedReason: null, requestedNetworks: 'none' });
    });
  });
}
