import { randomBytes } from 'node:crypto';
import knex, { Knex } from 'knex';
import { openDatabase, migrateLatest } from '../../src/db/knex';

export interface TestDatabase {
  readonly name: string;
  open(): Promise<{ db: Knex; drop(): Promise<void> }>;
}

/**
 * Every real database the store tests run on: SQLite always; PostgreSQL when
 * NOVASHIM_TEST_POSTGRES holds an admin URL (scripts/test.sh starts one). With REQUIRE_POSTGRES=1
 * a missing PostgreSQL is an error, so CI cannot pass on SQLite alone.
 */
export function testDatabases(): TestDatabase[] {
  const list: TestDatabase[] = [{ name: 'sqlite', open: async () => migrated(openDatabase('sqlite://:memory:'), async () => undefined) }];
  const pg = process.env.NOVASHIM_TEST_POSTGRES;
  if (pg) list.push({ name: 'postgres', open: () => freshPostgres(pg) });
  else if (process.env.REQUIRE_POSTGRES === '1') throw new Error('REQUIRE_POSTGRES=1 but NOVASHIM_TEST_POSTGRES is not set');
  return list;
}

async function migrated(db: Knex, cleanup: () => Promise<void>) {
  await migrateLatest(db);
  return { db, async drop() { await db.destroy(); await cleanup(); } };
}

/** A new database per suite, dropped afterwards. */
async function freshPostgres(adminUrl: string) {
  const name = `novashim_test_${randomBytes(4).toString('hex')}`;
  const admin = knex({ client: 'pg', connection: adminUrl });
  await admin.raw(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return migrated(openDatabase(url.toString()), async () => {
    await admin.raw(`DROP DATABASE ${name}`);
    await admin.destroy();
  });
}
