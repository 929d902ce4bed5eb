import type { Knex } from 'knex';

/**
 * The flavor a resize (or a revert) in progress moves the server to (Nova's instance.new_flavor):
 * saved with the claimed task_state under the project's quota lock, so concurrent resizes count
 * each other's growth, and kept for startup recovery to finish an interrupted resize with.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('instances', (t) => {
    t.text('new_flavor_json').nullable().comment('the flavor of a resize or revert under way (null otherwise)');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('instances', (t) => { t.dropColumn('new_flavor_json'); });
}
