import type { Knex } from 'knex';

/**
 * Nova's console_auth_tokens: one row per console URL handed out, keyed by the SHA-256 of its
 * token (the token itself is never stored), bound to one instance, gone once used or expired.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('console_auth_tokens', (t) => {
    t.string('token_hash', 64).primary().comment('hex SHA-256 of the token');
    t.string('console_type', 32).notNullable();
    t.string('instance_uuid', 36).notNullable().index();
    t.bigInteger('expires_at').notNullable().index().comment('ms since the epoch');
    t.bigInteger('created_at').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('console_auth_tokens');
}
