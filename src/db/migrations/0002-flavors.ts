import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('flavors', (t) => {
    t.string('id', 255).primary().comment("Nova's flavorid, the id in the API");
    t.string('name', 255).notNullable().unique();
    t.integer('memory_mb').notNullable();
    t.integer('vcpus').notNullable();
    t.integer('root_gb').notNullable();
    t.integer('ephemeral_gb').notNullable().defaultTo(0);
    t.integer('swap').notNullable().defaultTo(0);
    t.float('rxtx_factor').notNullable().defaultTo(1);
    t.boolean('is_public').notNullable().defaultTo(true);
    t.boolean('disabled').notNullable().defaultTo(false);
    t.string('description', 65535).nullable();
    t.bigInteger('created_at').notNullable();
  });
  await db.schema.createTable('flavor_extra_specs', (t) => {
    t.string('flavor_id', 255).notNullable().references('flavors.id').onDelete('CASCADE');
    t.string('key', 255).notNullable();
    t.string('value', 255).notNullable();
    t.primary(['flavor_id', 'key']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('flavor_extra_specs');
  await db.schema.dropTable('flavors');
}
