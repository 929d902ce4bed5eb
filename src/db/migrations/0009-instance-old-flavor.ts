import type { Knex } from 'knex';

/** The flavor before a resize, kept while the server waits in VERIFY_RESIZE so revertResize can restore it (Nova's instance.old_flavor). */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('instances', (t) => {
    t.text('old_flavor_json').nullable().comment('the flavor before an unconfirmed resize (null otherwise)');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('instances', (t) => { t.dropColumn('old_flavor_json'); });
}
