import type { Knex } from 'knex';

/**
 * Microversion deltas of non-server resources:
 * - server_groups.rules (2.64: JSON object, e.g. {"max_server_per_host": 3}; null = {})
 * - compute_services: the admin-set state of each nova-compute service (os-services disable,
 *   disabled_reason, 2.11 forced_down) and its 2.53 uuid, so they survive a restart
 * - instance_actions_events.host (2.62: the compute host the event ran on)
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('server_groups', (t) => {
    t.text('rules').nullable();
  });
  await db.schema.createTable('compute_services', (t) => {
    t.string('host', 255).notNullable();
    t.string('binary', 255).notNullable();
    t.string('uuid', 36).notNullable().unique();
    t.boolean('disabled').notNullable().defaultTo(false);
    t.string('disabled_reason', 255).nullable();
    t.boolean('forced_down').notNullable().defaultTo(false);
    t.bigInteger('updated_at').notNullable();
    t.primary(['host', 'binary']);
  });
  await db.schema.alterTable('instance_actions_events', (t) => {
    t.string('host', 255).nullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('instance_actions_events', (t) => {
    t.dropColumn('host');
  });
  await db.schema.dropTable('compute_services');
  await db.schema.alterTable('server_groups', (t) => {
    t.dropColumn('rules');
  });
}
