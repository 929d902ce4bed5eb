import { expect } from 'chai';
import { testDatabases } from '../helpers/databases';
import { instanceRecord, useDatabase } from '../helpers/store-fixtures';
import { InstanceStore, InstanceRecord } from '../../src/db/stores/instances';

const instance = (extra: Partial<InstanceRecord> = {}): InstanceRecord => instanceRecord(extra);

/** Migration 0023: description (microversion 2.19), locked_reason (2.73) and networks "none" (2.37), and the rebuild's key and user data (2.54, 2.57). */
for (const database of testDatabases()) {
  describe(`instance request fields on ${database.name} (microversion 2.19, 2.37, 2.54, 2.57 and 2.73)`, () => {
    const suite = useDatabase(database);

    it('stores and clears description, lock reason, key and user data; keeps the requested networks', async () => {
      const store = new InstanceStore(suite.db);
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
