import { expect } from 'chai';
import { openDatabase, migrateLatest } from '../../src/db/knex';
import { IdentityStore } from '../../src/db/stores/identity';
import { bootstrapIdentity } from '../../src/identity/bootstrap';
import { verifyPassword } from '../../src/identity/passwords';

/** bootstrap hashes the passwords of the users it creates concurrently (idle memory, issue 6) */
describe('bootstrap identity', () => {
  it('creates admin and demo, each with a hash of its own password, and a later start changes no hash', async () => {
    const db = openDatabase('sqlite://:memory:');
    try {
      await migrateLatest(db);
      const store = new IdentityStore(db);
      const first = await bootstrapIdentity(store, { admin: 'admin-secret', demo: 'demo-secret' });
      const admin = (await store.findUser({ name: 'admin' }))!;
      const demo = (await store.findUser({ name: 'demo' }))!;
      expect(admin.default_project_id).to.equal(first.adminProjectId);
      expect(demo.default_project_id).to.equal(first.demoProjectId);
      expect(await verifyPassword('admin-secret', admin.password_hash)).to.equal(true);
      expect(await verifyPassword('demo-secret', admin.password_hash)).to.equal(false);
      expect(await verifyPassword('demo-secret', demo.password_hash)).to.equal(true);

      await db('users').where({ name: 'demo' }).del(); // a user removed meanwhile is created again; admin is kept
      const again = await bootstrapIdentity(store, { admin: 'changed', demo: 'demo-new' });
      expect(again.adminProjectId).to.equal(first.adminProjectId);
      expect((await store.findUser({ name: 'admin' }))!.password_hash).to.equal(admin.password_hash);
      expect(await verifyPassword('demo-new', (await store.findUser({ name: 'demo' }))!.password_hash)).to.equal(true);
    } finally {
      await db.destroy();
    }
  });
});
