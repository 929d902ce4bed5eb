import type { Knex } from 'knex';

/** The projects a private flavor is shared with (Nova's flavor_projects, os-flavor-access). */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('flavor_projects', (t) => {
    t.string('flavor_id', 255).notNullable().references('flavors.id').onDelete('CASCADE');
    t.string('project_id', 255).notNullable();
    t.primary(['flavor_id', 'project_id']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('flavor_projects');
}
