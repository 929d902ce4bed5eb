import { expect } from 'chai';
import { testDatabases } from '../helpers/databases';
import { instanceRecord, useDatabase } from '../helpers/store-fixtures';
import { InstanceStore, InstanceRecord, FlavorSnapshot } from '../../src/db/stores/instances';

const TINY: FlavorSnapshot = { id: '1', name: 'm1.tiny', memoryMb: 512, vcpus: 1, rootGb: 1, ephemeralGb: 0, swap: 0 };
const SMALL: FlavorSnapshot = { id: '2', name: 'm1.small', memoryMb: 2048, vcpus: 1, rootGb: 20, ephemeralGb: 0, swap: 0 };

const instance = (): InstanceRecord => instanceRecord({ flavor: TINY, metadata: { a: 'b' } });

/** What rebuild and resize write on an instance (migration 0009 and the InstanceStore patch fields). */
for (const database of testDatabases()) {
  describe(`instance rebuild/resize fields on ${database.name}`, () => {
    const suite = useDatabase(database);

    it('a new instance has no old flavor', async () => {
      const store = new InstanceStore(suite.db);
      const i = instance();
      await store.insert(i);
      expect((await store.find(i.uuid)).oldFlavor).to.equal(null);
    });

    it('resize: the new flavor (and its id column, for ?flavor=) and the old one; confirm drops the old one', async () => {
      const store = new InstanceStore(suite.db);
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
      const store = new InstanceStore(suite.db);
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
