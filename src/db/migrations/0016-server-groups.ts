import type { Knex } from 'knex';

/**
 * Nova's instance_groups (one policy each, as from 2.64 on; 2.1 shows it as a one-item list)
 * and instance_group_member (the servers booted with the group's scheduler hint).
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('server_groups', (t) => {
    t.increments('id').primary();
    t.string('uuid', 36).notNullable().unique();
    t.string('name', 255).notNullable();
    t.string('project_id', 255).notNullable().index();
    t.string('user_id', 255).notNullable();
    t.string('policy', 32).notNullable();
    t.bigInteger('created_at').notNullable();
  });
  await db.schema.createTable('server_group_members', (t) => {
    t.string('group_uuid', 36).notNullable().references('uuid').inTable('server_groups').onDelete('CASCADE');
    t.string('instance_uuid', 36).notNullable().index();
    t.primary(['group_uuid', 'instance_uuid']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('server_group_members');
  await db.schema.dropTable('server_groups');
}
