import type { Knex } from 'knex';

/**
 * Server fields set by later microversions' requests: the description (2.19, Nova's
 * display_description), the lock reason (2.73, Nova's system_metadata locked_reason) and the
 * requested networks when they are not the default one (2.37's `networks: "none"`: no network).
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('instances', (t) => {
    t.string('description', 255).nullable();
    t.string('locked_reason', 255).nullable();
    t.string('requested_networks', 16).nullable().comment("'none': the server has no network at all; null: the default network");
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('instances', (t) => {
    t.dropColumn('description');
    t.dropColumn('locked_reason');
    t.dropColumn('requested_networks');
  });
}
