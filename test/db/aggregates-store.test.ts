import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { testDatabases } from '../helpers/databases';
import {
  AggregateHostExists, AggregateHostNotFound, AggregateNameExists, AggregateNotFound, AggregateStore,
} from '../../src/db/stores/aggregates';

/** aggregates, aggregate_hosts and aggregate_metadata (migration 0019) */
for (const database of testDatabases()) {
  describe(`aggregate store on ${database.name} (migration 0019)`, () => {
    let db: Knex;
    let drop: () => Promise<void>;
    let store: AggregateStore;
    before(async () => {
      ({ db, drop } = await database.open());
      store = new AggregateStore(db);
    });
    after(async () => { await drop(); });

    const make = (name: string, metadata: Record<string, string> = {}) => store.create({ uuid: randomUUID(), name, metadata, createdAt: new Date() });

    it('creates with metadata, finds, lists in id order', async () => {
      const a = await make('s-a', { availability_zone: 'z1' });
      const b = await make('s-b');
      expect(a.id).to.be.a('number');
      expect(await store.find(a.id)).to.deep.include({ name: 's-a', hosts: [], metadata: { availability_zone: 'z1' }, updatedAt: null });
      expect((await store.list()).map((x) => x.id)).to.deep.equal([a.id, b.id]);
    });

    it('keeps names unique, also against concurrent creates and renames', async () => {
      await make('s-dup');
      try { await make('s-dup'); expect.fail('duplicate created'); } catch (err) { expect(err).to.be.instanceOf(AggregateNameExists); }
      const results = await Promise.allSettled([make('s-race'), make('s-race'), make('s-race')]);
      expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
      for (const r of results.filter((x): x is PromiseRejectedResult => x.status === 'rejected')) expect(r.reason).to.be.instanceOf(AggregateNameExists);
      const c = await make('s-c');
      try { await store.rename(c.id, 's-dup', new Date()); expect.fail('renamed onto a taken name'); } catch (err) { expect(err).to.be.instanceOf(AggregateNameExists); }
      await store.rename(c.id, 's-c2', new Date());
      expect((await store.find(c.id)).name).to.equal('s-c2');
      expect((await store.find(c.id)).updatedAt).to.be.instanceOf(Date);
    });

    it('adds a host once, removes it, and knows the zones of each host', async () => {
      const z = await make('s-zone', { availability_zone: 'z9' });
      const plain = await make('s-plain');
      await store.addHost(z.id, 'h1', new Date());
      await store.addHost(plain.id, 'h1', new Date());
      try { await store.addHost(z.id, 'h1', new Date()); expect.fail('added twice'); } catch (err) { expect(err).to.be.instanceOf(AggregateHostExists); }
      expect((await store.zonesByHost()).get('h1')).to.deep.equal(['z9']);
      await store.removeHost(z.id, 'h1');
      try { await store.removeHost(z.id, 'h1'); expect.fail('removed twice'); } catch (err) { expect(err).to.be.instanceOf(AggregateHostNotFound); }
      expect((await store.zonesByHost()).get('h1')).to.equal(undefined);
      expect((await store.find(plain.id)).hosts).to.deep.equal(['h1']);
    });

    it('updates metadata (null removes a key) and deletes an aggregate with its rows', async () => {
      const a = await make('s-meta', { k1: 'v1', k2: 'v2' });
      await store.updateMetadata(a.id, { k1: null, k2: 'v2b', k3: 'v3' }, new Date());
      expect((await store.find(a.id)).metadata).to.deep.equal({ k2: 'v2b', k3: 'v3' });
      await store.delete(a.id);
      try { await store.find(a.id); expect.fail('still there'); } catch (err) { expect(err).to.be.instanceOf(AggregateNotFound); }
      expect(await db('aggregate_metadata').where({ aggregate_id: a.id })).to.deep.equal([]);
      try { await store.delete(a.id); expect.fail('deleted twice'); } catch (err) { expect(err).to.be.instanceOf(AggregateNotFound); }
    });
  });
}
