import type { Knex } from 'knex';

/**
 * Nova's tags table (resource_id, tag): the server tags of microversion 2.26. A server has at most
 * 50, each 1-60 characters; the pair is the primary key, so a tag is stored once per server.
 * Tags are compared byte for byte on every dialect (the string column's default collation on
 * SQLite and PostgreSQL).
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('instance_tags', (t) => {
    t.string('instance_uuid', 36).notNullable().references('uuid').inTable('instances').onDelete('CASCADE');
    t.string('tag', 60).notNullable();
    t.primary(['instance_uuid', 'tag']);
    // the list filters (tags, tags-any, not-tags, not-tags-any) look servers up by tag
    t.index(['tag']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('instance_tags');
}
