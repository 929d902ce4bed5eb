import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('keypairs', (t) => {
    t.increments('id').comment('integer id: the 2.1 API shows it as a number');
    t.string('user_id', 64).notNullable();
    t.string('name', 255).notNullable();
    t.string('type', 16).notNullable().defaultTo('ssh');
    t.text('public_key').notNullable();
    t.string('fingerprint', 255).notNullable();
    t.bigInteger('created_at').notNullable();
    t.unique(['user_id', 'name']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('keypairs');
}
