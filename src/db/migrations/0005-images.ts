import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('images', (t) => {
    t.string('id', 36).primary();
    t.string('name', 255).nullable();
    t.string('owner', 64).nullable().index();
    t.string('status', 32).notNullable();
    t.string('visibility', 16).notNullable();
    t.string('container_format', 32).nullable();
    t.string('disk_format', 32).nullable();
    t.bigInteger('size').nullable();
    t.string('checksum', 32).nullable();
    t.string('os_hash_algo', 64).nullable();
    t.string('os_hash_value', 128).nullable();
    t.integer('min_disk').notNullable().defaultTo(0);
    t.integer('min_ram').notNullable().defaultTo(0);
    t.boolean('protected').notNullable().defaultTo(false);
    t.text('tags_json').notNullable().defaultTo('[]');
    t.text('properties_json').notNullable().defaultTo('{}').comment('additional (user) properties');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('images');
}
