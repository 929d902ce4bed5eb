import type { Knex } from 'knex';

/**
 * What a shelve leaves on the server until it is unshelved (Nova's system_metadata shelved_at,
 * shelved_image_id, shelved_host): JSON, null for a server that is not shelved.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('instances', (t) => {
    t.text('shelved_json').nullable().comment('shelve snapshot image id, time and host while shelved (null otherwise)');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('instances', (t) => { t.dropColumn('shelved_json'); });
}
