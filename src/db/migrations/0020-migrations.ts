import type { Knex } from 'knex';

/**
 * Nova's migrations table (objects.Migration): one row per resize, cold migration or live
 * migration of a server, with its status as it moves on (os-migrations, /servers/{id}/migrations).
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('migrations', (t) => {
    t.increments('id').primary();
    t.string('uuid', 36).notNullable().unique();
    t.string('instance_uuid', 36).notNullable().index();
    t.string('migration_type', 32).notNullable().comment('resize, migration, live-migration or evacuation');
    t.string('status', 32).notNullable();
    t.string('source_compute', 255).nullable();
    t.string('source_node', 255).nullable();
    t.string('dest_compute', 255).nullable();
    t.string('dest_node', 255).nullable();
    t.string('dest_host', 255).nullable().comment("the destination host's IP address");
    t.integer('old_instance_type_id').nullable().comment('old flavor id when it is an integer (Nova shows its internal integer id)');
    t.integer('new_instance_type_id').nullable();
    t.boolean('hidden').notNullable().defaultTo(false);
    t.string('project_id', 255).nullable();
    t.string('user_id', 255).nullable();
    t.bigInteger('created_at').notNullable().index();
    t.bigInteger('updated_at').nullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('migrations');
}
