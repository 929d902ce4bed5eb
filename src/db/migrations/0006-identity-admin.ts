import type { Knex } from 'knex';

/** Keystone's optional user attributes (email, description) and role descriptions, for the v3 admin API. */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('users', (t) => {
    t.string('email', 255).nullable();
    t.string('description', 255).nullable();
  });
  await db.schema.alterTable('roles', (t) => {
    t.string('description', 255).nullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('roles', (t) => { t.dropColumn('description'); });
  await db.schema.alterTable('users', (t) => { t.dropColumn('email'); t.dropColumn('description'); });
}
