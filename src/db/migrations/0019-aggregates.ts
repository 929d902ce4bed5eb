import type { Knex } from 'knex';

/**
 * Nova's host aggregates (API database: aggregates, aggregate_hosts, aggregate_metadata).
 * Names are unique; a host is in an aggregate at most once; a metadata key at most once. The
 * availability zone of an aggregate is its `availability_zone` metadata key, as in Nova.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('aggregates', (t) => {
    t.increments('id').primary();
    t.string('uuid', 36).notNullable().unique();
    t.string('name', 255).notNullable().unique();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').nullable();
  });
  await db.schema.createTable('aggregate_hosts', (t) => {
    t.integer('aggregate_id').unsigned().notNullable().references('id').inTable('aggregates').onDelete('CASCADE');
    t.string('host', 255).notNullable().index();
    t.bigInteger('created_at').notNullable();
    t.primary(['aggregate_id', 'host']);
  });
  await db.schema.createTable('aggregate_metadata', (t) => {
    t.integer('aggregate_id').unsigned().notNullable().references('id').inTable('aggregates').onDelete('CASCADE');
    t.string('key', 255).notNullable().index();
    t.string('value', 255).notNullable();
    t.primary(['aggregate_id', 'key']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('aggregate_metadata');
  await db.schema.dropTable('aggregate_hosts');
  await db.schema.dropTable('aggregates');
}
