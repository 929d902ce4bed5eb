import { expect } from 'chai';
import { cachePreparedStatements, openDatabase } from '../../src/db/knex';
import { selectRows } from '../../src/db/stores/instance-rows';

/** the little of better-sqlite3 used here (it ships no types; knex is how the app reaches it) */
interface RawConnection { prepare(sql: string): { get(): unknown }; close(): void }
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database = require('better-sqlite3') as new (file: string) => RawConnection;

describe('SQLite prepared-statement cache (issue 6: GET /servers/{id} latency)', () => {
  it('prepares each SQL text once per connection', () => {
    const conn = new Database(':memory:');
    let prepared = 0;
    const prepare = conn.prepare.bind(conn);
    conn.prepare = ((sql: string) => { prepared += 1; return prepare(sql); }) as typeof conn.prepare;
    cachePreparedStatements(conn);
    const first = conn.prepare('select 1 as one');
    const again = conn.prepare('select 1 as one');
    conn.prepare('select 2 as two');
    expect(again).to.equal(first);
    expect(prepared).to.equal(2);
    expect(again.get()).to.deep.equal({ one: 1 });
    conn.close();
  });

  it('keeps at most 1,000 statements, dropping the oldest first', () => {
    const conn = new Database(':memory:');
    cachePreparedStatements(conn);
    const oldest = conn.prepare('select 0 as n');
    for (let i = 1; i <= 1000; i++) conn.prepare(`select ${i} as n`);
    expect(conn.prepare('select 1000 as n')).to.equal(conn.prepare('select 1000 as n'));
    expect(conn.prepare('select 0 as n')).to.not.equal(oldest);
    conn.close();
  });

  it('a cached statement sees a schema change (SQLite re-prepares it), and knex queries run on it', async () => {
    const db = openDatabase('sqlite::memory:');
    try {
      await db.schema.createTable('t', (t) => { t.integer('a'); });
      await db('t').insert({ a: 1 });
      expect(await db('t').select('*')).to.deep.equal([{ a: 1 }]);
      await db.schema.alterTable('t', (t) => { t.integer('b').defaultTo(7); });
      expect(await db('t').select('*')).to.deep.equal([{ a: 1, b: 7 }]);
      await db('t').insert({ a: 2, b: 3 });
      expect(await db('t').where({ a: 2 }).first()).to.deep.equal({ a: 2, b: 3 });
    } finally {
      await db.destroy();
    }
  });

  it('a list read as raw rows (instance-rows.ts) leaves the shared statement answering objects to knex', async () => {
    const db = openDatabase('sqlite::memory:');
    try {
      await db.schema.createTable('t', (t) => { t.string('uuid'); t.integer('a'); });
      await db('t').insert({ uuid: 'u1', a: 1 });
      expect(await selectRows(db, db('t').select('*'))).to.deep.equal({ columns: ['uuid', 'a'], rows: [['u1', 1]] });
      expect(await db('t').select('*')).to.deep.equal([{ uuid: 'u1', a: 1 }]);
    } finally {
      await db.destroy();
    }
  });
});
