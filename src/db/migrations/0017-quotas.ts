import type { Knex } from 'knex';

/**
 * Nova's quotas (per project, or per user within a project: user_id '' is the project's own row)
 * and quota_classes (the 'default' class overrides the built-in defaults), plus quota_locks: one
 * row per scope (a project, or a user for key pairs) that a quota-checked create locks first, so
 * that counting usage and inserting the new rows happen one transaction at a time per scope.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('quotas', (t) => {
    t.string('project_id', 255).notNullable();
    t.string('user_id', 255).notNullable().defaultTo('');
    t.string('resource', 255).notNullable();
    t.integer('hard_limit').notNullable();
    t.primary(['project_id', 'user_id', 'resource']);
  });
  await db.schema.createTable('quota_classes', (t) => {
    t.string('class_name', 255).notNullable();
    t.string('resource', 255).notNullable();
    t.integer('hard_limit').notNullable();
    t.primary(['class_name', 'resource']);
  });
  await db.schema.createTable('quota_locks', (t) => {
    t.string('scope', 255).notNullable().primary();
    t.bigInteger('generation').notNullable().defaultTo(0);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('quota_locks');
  await db.schema.dropTable('quota_classes');
  await db.schema.dropTable('quotas');
}
