import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('projects', (t) => {
    t.string('id', 64).primary();
    t.string('name', 64).notNullable();
    t.string('domain_id', 64).notNullable();
    t.string('description', 255).notNullable().defaultTo('');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.unique(['domain_id', 'name']);
  });
  await db.schema.createTable('users', (t) => {
    t.string('id', 64).primary();
    t.string('name', 255).notNullable();
    t.string('domain_id', 64).notNullable();
    t.string('password_hash', 255).notNullable().comment('scrypt$N$r$p$salt$hash');
    t.string('default_project_id', 64).nullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.unique(['domain_id', 'name']);
  });
  await db.schema.createTable('roles', (t) => {
    t.string('id', 64).primary();
    t.string('name', 255).notNullable().unique();
  });
  await db.schema.createTable('role_assignments', (t) => {
    t.string('user_id', 64).notNullable().references('users.id').onDelete('CASCADE');
    t.string('project_id', 64).notNullable().references('projects.id').onDelete('CASCADE');
    t.string('role_id', 64).notNullable().references('roles.id').onDelete('CASCADE');
    t.primary(['user_id', 'project_id', 'role_id']);
  });
  await db.schema.createTable('tokens', (t) => {
    t.string('id_hash', 64).primary().comment('sha256 of the token; the token itself is never stored');
    t.string('user_id', 64).notNullable().references('users.id').onDelete('CASCADE');
    t.string('project_id', 64).nullable();
    t.string('methods', 64).notNullable();
    t.string('audit_id', 64).notNullable();
    t.bigInteger('issued_at').notNullable().comment('epoch ms');
    t.bigInteger('expires_at').notNullable().comment('epoch ms').index();
  });
}

export async function down(db: Knex): Promise<void> {
  for (const table of ['tokens', 'role_assignments', 'roles', 'users', 'projects']) await db.schema.dropTable(table);
}
