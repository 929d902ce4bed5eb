import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('instances', (t) => {
    t.string('uuid', 36).primary();
    t.string('display_name', 255).notNullable();
    t.string('hostname', 63).notNullable();
    t.string('project_id', 64).notNullable().index();
    t.string('user_id', 64).notNullable();
    t.string('host', 255).nullable().comment('compute host whose driver owns the instance');
    t.string('node', 255).nullable();
    t.string('availability_zone', 255).notNullable();
    t.string('image_ref', 64).notNullable();
    t.string('flavor_id', 255).notNullable();
    t.text('flavor_json').notNullable().comment('the flavor as booted (Nova keeps a copy on the instance)');
    t.string('vm_state', 32).notNullable();
    t.string('task_state', 32).nullable();
    t.integer('power_state').notNullable().defaultTo(0);
    t.string('key_name', 255).nullable();
    t.text('key_data').nullable();
    t.text('metadata_json').notNullable().defaultTo('{}');
    t.text('addresses_json').notNullable().defaultTo('[]').comment('last addresses read from the driver');
    t.text('driver_state').nullable().comment('opaque, versioned JSON only the driver reads');
    t.string('access_ip_v4', 39).nullable();
    t.string('access_ip_v6', 39).nullable();
    t.string('disk_config', 16).notNullable().defaultTo('MANUAL');
    t.string('config_drive', 16).notNullable().defaultTo('');
    t.text('user_data').nullable();
    t.string('reservation_id', 32).notNullable();
    t.integer('launch_index').notNullable().defaultTo(0);
    t.integer('progress').notNullable().defaultTo(0);
    t.bigInteger('created_at').notNullable().index();
    t.bigInteger('updated_at').notNullable();
    t.bigInteger('launched_at').nullable();
    t.bigInteger('terminated_at').nullable();
    t.bigInteger('deleted_at').nullable().comment('soft delete: set when the server is deleted');
  });
  await db.schema.createTable('instance_faults', (t) => {
    t.string('instance_uuid', 36).primary().references('instances.uuid').onDelete('CASCADE');
    t.integer('code').notNullable();
    t.text('message').notNullable();
    t.text('details').notNullable();
    t.bigInteger('created_at').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('instance_faults');
  await db.schema.dropTable('instances');
}
