import { expect } from 'chai';
import type { Knex } from 'knex';
import { testDatabases } from '../helpers/databases';
import { FlavorStore } from '../../src/db/stores/flavors';
import { Conflict, FlavorNotFound, NotFound } from '../../src/errors';

const base = { memoryMb: 64, vcpus: 1, rootGb: 0, ephemeralGb: 0, swap: 0, rxtxFactor: 1 };

async function rejection(p: Promise<unknown>): Promise<Error> {
  try { await p; } catch (err) { return err as Error; }
  throw new Error('expected a rejection');
}

/** Flavor create/delete, extra-spec writes and the private-flavor access list (migration 0015: flavor_projects). */
for (const database of testDatabases()) {
  describe(`flavor administration store on ${database.name}`, () => {
    let db: Knex;
    let drop: () => Promise<void>;
    let store: FlavorStore;
    before(async () => {
      ({ db, drop } = await database.open());
      store = new FlavorStore(db);
      await store.seedDefaults();
    });
    after(async () => { await drop(); });

    it('creates flavors, refusing a taken id or name with Conflict', async () => {
      const f = await store.create({ ...base, id: 'a', name: 'fa', isPublic: true });
      expect(await store.find('a')).to.deep.equal(f);
      expect((await rejection(store.create({ ...base, id: 'a', name: 'other', isPublic: true })))).to.be.instanceOf(Conflict);
      expect((await rejection(store.create({ ...base, id: 'b', name: 'fa', isPublic: true })))).to.be.instanceOf(Conflict);
    });

    it('shows private flavors only to admins and to projects with access; lists by is_public', async () => {
      await store.create({ ...base, id: 'p1', name: 'private-1', isPublic: false });
      const member = { isAdmin: false, projectId: 'proj-a' };
      const admin = { isAdmin: true, projectId: 'proj-admin' };
      expect(await rejection(store.find('p1', member))).to.be.instanceOf(FlavorNotFound);
      expect((await store.find('p1', admin)).id).to.equal('p1');
      const ids = async (q: Parameters<FlavorStore['list']>[0]) => (await store.list(q)).map((f) => f.id);
      expect(await ids({ isPublic: true, viewer: member })).to.not.include('p1');
      expect(await ids({ isPublic: null, viewer: member })).to.not.include('p1');
      expect(await ids({ isPublic: false, viewer: admin })).to.deep.equal(['p1']);
      expect(await ids({ isPublic: null, viewer: admin })).to.include('p1');

      await store.addAccess('p1', 'proj-a');
      expect(await rejection(store.addAccess('p1', 'proj-a'))).to.be.instanceOf(Conflict);
      expect(await store.accessList('p1')).to.deep.equal(['proj-a']);
      expect((await store.find('p1', member)).id).to.equal('p1');
      expect(await ids({ isPublic: true, viewer: member })).to.include('p1');
      expect(await ids({ isPublic: true, viewer: { isAdmin: false, projectId: 'proj-b' } })).to.not.include('p1');

      await store.removeAccess('p1', 'proj-a');
      expect(await rejection(store.removeAccess('p1', 'proj-a'))).to.be.instanceOf(NotFound);
      expect(await rejection(store.find('p1', member))).to.be.instanceOf(FlavorNotFound);
      expect(await rejection(store.addAccess('nope', 'proj-a'))).to.be.instanceOf(FlavorNotFound);
    });

    it('creates, replaces and deletes extra specs', async () => {
      await store.create({ ...base, id: 'x', name: 'fx', isPublic: true });
      await store.setExtraSpecs('x', { a: '1', b: '2' });
      await store.setExtraSpecs('x', { b: '3' });
      expect(await store.extraSpecs('x')).to.deep.equal({ a: '1', b: '3' });
      await store.deleteExtraSpec('x', 'a');
      expect(await store.extraSpecs('x')).to.deep.equal({ b: '3' });
      expect(await rejection(store.deleteExtraSpec('x', 'a'))).to.be.instanceOf(NotFound);
      expect(await rejection(store.setExtraSpecs('nope', { a: '1' }))).to.be.instanceOf(FlavorNotFound);
    });

    it('deletes a flavor with its extra specs and access list; its id and name can be reused', async () => {
      await store.create({ ...base, id: 'd', name: 'fd', isPublic: false });
      await store.setExtraSpecs('d', { k: 'v' });
      await store.addAccess('d', 'proj-a');
      await store.delete('d');
      expect(await rejection(store.find('d'))).to.be.instanceOf(FlavorNotFound);
      expect(await rejection(store.delete('d'))).to.be.instanceOf(FlavorNotFound);
      expect(await db('flavor_extra_specs').where('flavor_id', 'd')).to.have.length(0);
      expect(await db('flavor_projects').where('flavor_id', 'd')).to.have.length(0);
      await store.create({ ...base, id: 'd', name: 'fd', isPublic: true });
      expect(await store.extraSpecs('d')).to.deep.equal({});
      expect(await store.accessList('d')).to.deep.equal([]);
    });
  });
}
