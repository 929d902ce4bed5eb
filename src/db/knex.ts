import fs from 'node:fs';
import path from 'node:path';
import knex, { Knex } from 'knex';
import { migrationSource } from './migrations';

/** A knex client from a database URL: sqlite:///file (default), postgres://…, mysql://…. */
export function openDatabase(url: string): Knex {
  if (url.startsWith('sqlite:')) return openSqlite(url.replace(/^sqlite:(\/\/)?/, ''));
  if (/^postgres(ql)?:/.test(url)) return knex({ client: 'pg', connection: url, pool: { min: 0, max: 10 } });
  if (/^mysql:/.test(url)) return knex({ client: 'mysql2', connection: url, pool: { min: 0, max: 10 } });
  throw new Error(`unsupported NOVASHIM_DATABASE_URL ${url}: use sqlite://, postgres:// or mysql://`);
}

function openSqlite(file: string): Knex {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  return knex({
    client: 'better-sqlite3',
    connection: { filename: file },
    useNullAsDefault: true,
    pool: {
      // one connection: SQLite serializes writers anyway, and WAL lets readers go on meanwhile
      min: 1, max: 1,
      afterCreate: (conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) => {
        cachePreparedStatements(conn);
        conn.pragma('journal_mode = WAL');
        conn.pragma('foreign_keys = ON');
        conn.pragma('busy_timeout = 5000');
        done(null, conn);
      },
    },
  });
}

interface SqliteConnection {
  pragma(s: string): void;
  prepare(sql: string): unknown;
}

/** distinct SQL texts kept prepared (an IN list of each length is a text of its own, hence a bound) */
const STATEMENT_CACHE_SIZE = 1000;

/**
 * knex prepares every query anew (better-sqlite3's prepare is ~10% of a GET /servers/{id});
 * its SQL texts repeat (values are bound), so each connection keeps its statements by text.
 * Reusing one is safe: knex runs it with all()/run() at once, never iterates, and SQLite
 * re-prepares a statement itself after a schema change (migrations).
 */
export function cachePreparedStatements(conn: Pick<SqliteConnection, 'prepare'>): void {
  const prepare = conn.prepare.bind(conn);
  const cache = new Map<string, unknown>();
  conn.prepare = (sql: string) => {
    let statement = cache.get(sql);
    if (statement === undefined) {
      statement = prepare(sql);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(sql, statement);
    }
    return statement;
  };
}

export async function migrateLatest(db: Knex): Promise<void> {
  await db.migrate.latest({ migrationSource });
}
