import type { Knex } from 'knex';

/** Glance's images, image_tags and image_properties tables (no soft delete: a deleted image is gone). */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('images', (t) => {
    t.string('id', 36).primary();
    t.string('name', 255).nullable().index();
    t.string('owner', 255).nullable().index();
    t.string('status', 32).notNullable().index();
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
    t.boolean('os_hidden').notNullable().defaultTo(false);
    t.bigInteger('created_at').notNullable().index();
    t.bigInteger('updated_at').notNullable();
  });
  // separate tables, not JSON columns: list filters on tags and properties stay plain SQL on every database
  await db.schema.createTable('image_tags', (t) => {
    t.string('image_id', 36).notNullable().references('images.id').onDelete('CASCADE');
    t.string('value', 255).notNullable();
    t.primary(['image_id', 'value']);
  });
  await db.schema.createTable('image_properties', (t) => {
    t.string('image_id', 36).notNullable().references('images.id').onDelete('CASCADE');
    t.string('name', 255).notNullable();
    t.text('value').notNullable();
    t.primary(['image_id', 'name']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('image_properties');
  await db.schema.dropTable('image_tags');
  await db.schema.dropTable('images');
}
