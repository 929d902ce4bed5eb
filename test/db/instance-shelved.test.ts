import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { testDatabases } from '../helpers/databases';
import { InstanceStore, InstanceRecord } from '../../src/db/stores/instances';

function instance(): InstanceRecord {
  const at = new Date(1_700_000_000_000);
  return {
    uuid: randomUUID(), displayName: 'vm', hostname: 'vm', projectId: 'p', userId: 'u', host: 'h1', node: 'h1', availabilityZone: 'nova',
    imageRef: 'img-1', flavor: { id: '1', name: 'm1.tiny', memoryMb: 512, vcpus: 1, rootGb: 1, ephemeralGb: 0, swap: 0 },
    vmState: 'active', taskState: null, powerState: 1, keyName: null, keyData: null, metadata: {},
    addresses: [], driverState: null, accessIPv4: null, accessIPv6: null, diskConfig: 'MANUAL', configDrive: '',
    userData: null, reservationId: 'r-1', launchIndex: 0, progress: 0, createdAt: at, updatedAt: at,
    launchedAt: null, terminatedAt: null, deletedAt: null, fault: null, locked: false, lockedBy: null,
  };
}

/** What shelve writes on an instance (migration 0012: the shelve snapshot, time and host; the host cleared when offloaded). */
for (const database of testDatabases()) {
  describe(`instance shelve fields on ${database.name}`, () => {
    let db: Knex;
    let drop: () => Promise<void>;
    before(async () => ({ db, drop } = await database.open()));
    after(async () => { await drop(); });

    it('a new instance is not shelved; shelve info is stored, the host cleared, then both restored by an unshelve', async () => {
      const store = new InstanceStore(db);
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
