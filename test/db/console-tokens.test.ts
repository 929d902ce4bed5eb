import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { testDatabases } from '../helpers/databases';
import { ConsoleTokenStore } from '../../src/db/stores/console-tokens';
import { hashToken } from '../../src/compute/remote-consoles';

for (const database of testDatabases()) {
  describe(`console auth tokens on ${database.name} (migration 0011)`, () => {
    let db: Knex;
    let drop: () => Promise<void>;
    let store: ConsoleTokenStore;
    before(async () => {
      ({ db, drop } = await database.open());
      store = new ConsoleTokenStore(db);
    });
    after(async () => { await drop(); });

    const NOW = new Date('2026-01-01T00:00:00Z');
    const later = (ms: number) => new Date(NOW.getTime() + ms);
    async function issue(expiresInMs = 600_000, instanceUuid = randomUUID()): Promise<{ hash: string; instanceUuid: string }> {
      const hash = hashToken(randomUUID());
      await store.insert({ tokenHash: hash, consoleType: 'serial', instanceUuid, expiresAt: later(expiresInMs), createdAt: NOW });
      return { hash, instanceUuid };
    }

    it('gives a token once, with its instance and type; then it is gone', async () => {
      const { hash, instanceUuid } = await issue();
      const taken = await store.consume(hash, later(1000));
      expect(taken).to.include({ tokenHash: hash, instanceUuid, consoleType: 'serial' });
      expect(taken!.expiresAt.getTime()).to.equal(later(600_000).getTime());
      expect(await store.consume(hash, later(1000))).to.equal(null);
    });

    it('gives one of two concurrent takers the token, never both', async () => {
      const { hash } = await issue();
      const results = await Promise.all([store.consume(hash, NOW), store.consume(hash, NOW), store.consume(hash, NOW)]);
      expect(results.filter((r) => r !== null)).to.have.length(1);
    });

    it('refuses an expired token (and drops it), and purges expired ones', async () => {
      const expired = await issue(1000);
      expect(await store.consume(expired.hash, later(1000)), 'at the expiry instant').to.equal(null);
      expect(await db('console_auth_tokens').where('token_hash', expired.hash).first()).to.equal(undefined);
      const old = await issue(10);
      const fresh = await issue(600_000);
      expect(await store.purgeExpired(later(5000))).to.be.at.least(1);
      expect(await db('console_auth_tokens').where('token_hash', old.hash).first()).to.equal(undefined);
      expect(await store.consume(fresh.hash, later(5000))).to.not.equal(null);
    });
  });
}
