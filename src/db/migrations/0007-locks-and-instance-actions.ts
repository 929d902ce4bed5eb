import type { Knex } from 'knex';

/**
 * Server locks (Nova's instances.locked / locked_by) and the instance action log
 * (Nova's instance_actions and instance_actions_events tables).
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('instances', (t) => {
    t.boolean('locked').notNullable().defaultTo(false);
    t.string('locked_by', 16).nullable().comment("'owner' or 'admin': who locked the server");
  });
  await db.schema.createTable('instance_actions', (t) => {
    t.increments('id').primary();
    t.string('instance_uuid', 36).notNullable().references('instances.uuid').onDelete('CASCADE');
    t.string('request_id', 255).notNullable();
    t.string('action', 255).notNullable();
    t.string('user_id', 255).nullable();
    t.string('project_id', 255).nullable();
    t.bigInteger('start_time').notNullable();
    t.bigInteger('finish_time').nullable();
    t.string('message', 255).nullable();
    t.index(['instance_uuid', 'request_id']);
  });
  await db.schema.createTable('instance_actions_events', (t) => {
    t.increments('id').primary();
    t.integer('action_id').unsigned().notNullable().references('instance_actions.id').onDelete('CASCADE').index();
    t.string('event', 255).notNullable();
    t.bigInteger('start_time').notNullable();
    t.bigInteger('finish_time').nullable();
    t.string('result', 255).nullable();
    t.text('traceback').nullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('instance_actions_events');
  await db.schema.dropTable('instance_actions');
  await db.schema.alterTable('instances', (t) => {
    t.dropColumn('locked');
    t.dropColumn('locked_by');
  });
}
