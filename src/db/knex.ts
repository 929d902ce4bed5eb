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
      afterCreate: (conn: { pragma(s: string): void }, done: (err: Error | null, conn: unknown) => void) => {
        conn.pragma('journal_mode = WAL');
        conn.pragma('foreign_keys = ON');
        conn.pragma('busy_timeout = 5000');
        done(null, conn);
      },
    },
  });
}

export async function migrateLatest(db: Knex): Promise<void> {
  await db.migrate.latest({ migrationSource });
}
