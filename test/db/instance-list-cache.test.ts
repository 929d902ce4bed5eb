import { expect } from 'chai';
import { testDatabases } from '../helpers/databases';
import { instanceRecord, useDatabase } from '../helpers/store-fixtures';
import { InstanceStore } from '../../src/db/stores/instances';
import { InstanceTagStore } from '../../src/db/stores/instance-tags';

/**
 * InstanceStore.list reads rows as one JSON text each on SQLite (plain rows elsewhere) and gives
 * back the same frozen record for an unchanged row and tags (db/stores/instance-rows.ts): on every
 * database, the listed records must equal what find() reads, and any write must show.
 */
for (const database of testDatabases()) {
  describe(`instance list records on ${database.name}`, () => {
    const d = useDatabase(database);

    it('lists what find() reads, the same objects while unchanged, new ones after any write', async () => {
      const store = new InstanceStore(d.db);
      const tags = new InstanceTagStore(d.db);
      const a = instanceRecord({ projectId: 'lc', displayName: 'ä "q" \\ 😀', metadata: { k: 'v\u0001' }, userData: 'dXNlcg==', createdAt: new Date(1_700_000_000_000) });
      const b = instanceRecord({ projectId: 'lc', addresses: [{ network: 'private', addr: '10.0.0.9', version: 4, mac: 'fa:16:3e:00:00:09' }], createdAt: new Date(1_700_000_001_000) });
      await store.insert(a, b);
      await store.setFault(b.uuid, { code: 500, message: 'm', details: 'd', createdAt: new Date(1_700_000_002_000) });
      await tags.set(a.uuid, ['x', 'a']);
      const first = await store.list({ projectId: 'lc' });
      expect(first.map((r) => r.uuid)).to.deep.equal([b.uuid, a.uuid]);
      for (const r of first) expect(r).to.deep.equal(await store.find(r.uuid));
      const again = await store.list({ projectId: 'lc' });
      expect(again[0]).to.equal(first[0]);
      expect(again[1]).to.equal(first[1]);
      expect(Object.isFrozen(again[0])).to.equal(true);

      await store.update(a.uuid, { metadata: { k: 'w' } });
      await store.setFault(b.uuid, { code: 500, message: 'm2', details: 'd', createdAt: new Date(1_700_000_002_000) });
      const changed = await store.list({ projectId: 'lc' });
      expect(changed[1]).to.not.equal(first[1]);
      expect(changed[1].metadata).to.deep.equal({ k: 'w' });
      expect(changed[0].fault?.message).to.equal('m2');
      await d.db('instances').where({ uuid: b.uuid }).update({ display_name: 'quiet' }); // updated_at unchanged
      await tags.delete(a.uuid, 'x');
      const last = await store.list({ projectId: 'lc' });
      expect(last[0].displayName).to.equal('quiet');
      expect(last[1].tags).to.deep.equal(['a']);
      for (const r of last) expect(r).to.deep.equal(await store.find(r.uuid));
    });
  });
}
