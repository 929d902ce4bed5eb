import { expect } from 'chai';
import { openDatabase, migrateLatest } from '../../src/db/knex';
import { IdentityStore } from '../../src/db/stores/identity';
import { IdentityService } from '../../src/identity/service';
import { bootstrapIdentity } from '../../src/identity/bootstrap';
import { hashPassword, verifyPassword } from '../../src/identity/passwords';
import { Unauthorized } from '../../src/errors';

describe('identity service', () => {
  it('hashes passwords with scrypt and a per-password salt', async () => {
    const a = await hashPassword('secret');
    const b = await hashPassword('secret');
    expect(a).to.match(/^scrypt\$/).and.not.equal(b);
    expect(await verifyPassword('secret', a)).to.equal(true);
    expect(await verifyPassword('Secret', a)).to.equal(false);
    expect(await verifyPassword('secret', 'plain-text')).to.equal(false);
  });

  it('refuses a token once it has expired', async () => {
    const db = openDatabase('sqlite://:memory:');
    try {
      await migrateLatest(db);
      const store = new IdentityStore(db);
      await bootstrapIdentity(store, { admin: 'pw', demo: 'pw2' });
      let now = 1_000_000;
      const identity = new IdentityService(store, 60, () => now);
      const issued = await identity.authenticate({ methods: ['password'], password: { user: { name: 'demo', password: 'pw2' } }, project: { name: 'demo' } });
      expect((await identity.validate(issued.token)).roles).to.deep.equal(['member', 'reader']);
      now += 59_999;
      expect((await identity.validate(issued.token)).userName).to.equal('demo');
      now += 1;
      let refused: unknown;
      await identity.validate(issued.token).catch((e) => { refused = e; });
      expect(refused).to.be.instanceOf(Unauthorized);
    } finally {
      await db.destroy();
    }
  });
});
