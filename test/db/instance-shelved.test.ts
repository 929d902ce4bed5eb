import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { testDatabases } from '../helpers/databases';
import { instanceRecord, useDatabase } from '../helpers/store-fixtures';
import { InstanceStore, InstanceRecord } from '../../src/db/stores/instances';

const instance = (): InstanceRecord => instanceRecord();

/** What shelve writes on an instance (migration 0012: the shelve snapshot, time and host; the host cleared when offloaded). */
for (const database of testDatabases()) {
  describe(`instance shelve fields on ${database.name}`, () => {
    const suite = useDatabase(database);

    it('a new instance is not shelved; shelve info is stored, the host cleared, then both restored by an unshelve', async () => {
      const store = new InstanceStore(suite.db);
      const i = instance();
      await store.insert(i);
      expect((await store.find(i.uuid)).shelved).to.equal(null);
      const shelved = { imageId: randomUUID(), at: '2026-01-01T00:00:00.000Z', host: 'h1' };
      await store.update(i.uuid, { vmState: 'shelved_offloaded', shelved, host: null, node: null, driverState: null });
      const offloaded = await store.find(i.uuid);
      expect(offloaded.shelved).to.deep.equal(shelved);
      expect(offloaded).to.include({ host: null, node: null, vmState: 'shelved_offloaded' });
      expect((await store.list({ vmStates: ['shelved_offloaded'], projectId: 'p' })).map((x) => x.uuid)).to.deep.equal([i.uuid]);
      await store.update(i.uuid, { vmState: 'active', shelved: null, host: 'h1', node: 'h1' });
      expect((await store.find(i.uuid)).shelved).to.equal(null);
    });
  });
}
