import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { testDatabases } from '../helpers/databases';
import { InstanceStore, InstanceRecord, FlavorSnapshot } from '../../src/db/stores/instances';

const TINY: FlavorSnapshot = { id: '1', name: 'm1.tiny', memoryMb: 512, vcpus: 1, rootGb: 1, ephemeralGb: 0, swap: 0 };
const SMALL: FlavorSnapshot = { id: '2', name: 'm1.small', memoryMb: 2048, vcpus: 1, rootGb: 20, ephemeralGb: 0, swap: 0 };

function instance(): InstanceRecord {
  const at = new Date(1_700_000_000_000);
  return {
    uuid: randomUUID(), displayName: 'vm', hostname: 'vm', projectId: 'p', userId: 'u', host: 'h1', node: 'h1', availabilityZone: 'nova',
    imageRef: 'img-1', flavor: TINY, vmState: 'active', taskState: null, powerState: 1, keyName: null, keyData: null, metadata: { a: 'b' },
    addresses: [], driverState: null, accessIPv4: null, accessIPv6: null, diskConfig: 'MANUAL', configDrive: '',
    userData: null, reservationId: 'r-1', launchIndex: 0, progress: 0, createdAt: at, updatedAt: at,
    launchedAt: null, terminatedAt: null, deletedAt: null, fault: null, locked: false, lockedBy: null,
  } as InstanceRecord;
}

/** What rebuild and resize write on an instance (migration 0009 and the InstanceStore patch fields). */
for (const database of testDatabases()) {
  describe(`instance rebuild/resize fields on ${database.name}`, () => {
    let db: Knex;
    let drop: () => Promise<void>;
    before(async () => ({ db, drop } = await database.open()));
    after(async () => { await drop(); });

    it('a new instance has no old flavor', async () => {
      const store = new InstanceStore(db);
      const i = instance();
      await store.insert(i);
      expect((await store.find(i.uuid)).oldFlavor).to.equal(null);
    });

    it('resize: the new flavor (and its id column, for ?flavor=) and the old one; confirm drops the old one', async () => {
      const store = new InstanceStore(db);
      const i = instance();
      await store.insert(i);
      await store.update(i.uuid, { flavor: SMALL, oldFlavor: TINY, vmState: 'resized' });
      const resized = await store.find(i.uuid);
      expect(resized.flavor).to.deep.equal(SMALL);
      expect(resized.oldFlavor).to.deep.equal(TINY);
      expect((await store.list({ flavorId: '2', projectId: 'p' })).map((x) => x.uuid)).to.include(i.uuid);
      expect((await store.list({ flavorId: '1', projectId: 'p' })).map((x) => x.uuid)).to.not.include(i.uuid);
      await store.update(i.uuid, { oldFlavor: null, vmState: 'active' });
      expect((await store.find(i.uuid)).oldFlavor).to.equal(null);
      expect((await store.find(i.uuid)).flavor).to.deep.equal(SMALL);
    });

    it('rebuild: the image and the metadata replaced', async () => {
      const store = new InstanceStore(db);
      const i = instance();
      await store.insert(i);
      await store.update(i.uuid, { imageRef: 'img-2', metadata: { fresh: 'yes' }, displayName: 'renamed' });
      const rebuilt = await store.find(i.uuid);
      expect(rebuilt).to.include({ imageRef: 'img-2', displayName: 'renamed', hostname: 'vm' });
      expect(rebuilt.metadata).to.deep.equal({ fresh: 'yes' });
      expect((await store.list({ imageRef: 'img-2', projectId: 'p' })).map((x) => x.uuid)).to.deep.equal([i.uuid]);
    });
  });
}
