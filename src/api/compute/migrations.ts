import type { Services } from '../../services';
import type { Input, RouteDef } from '../routing';
import type { MigrationRecord } from '../../db/stores/migrations';
import { BadRequest } from '../../errors';
import { LIVE_MIGRATION_IN_PROGRESS } from '../../compute/migrations';
import { lastValue } from '../query';
import { isoMicros, nextLink, resourceLinks } from './links';
import { requireMinVersion } from './version-gates';
import * as schemas from './schemas/migrations';

/** Nova's api.max_limit */
const MAX_LIMIT = 1000;

/** iso8601 as Nova's parse_isotime: a date, an optional time and zone (UTC without one) */
function parseTime(text: string, field: string): Date {
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) || !/T/.test(text) ? text : `${text}Z`);
  if (!/^\d{4}-\d\d-\d\d/.test(text) || Number.isNaN(d.getTime())) {
    throw new BadRequest(`Invalid input for query parameters ${field}. Value: ${text}. '${text}' is not a 'date-time'`);
  }
  return d;
}

/** oslo's bool_from_string as the DB filter sees it */
const bool = (v: string) => ['1', 't', 'true', 'on', 'y', 'yes'].includes(v.trim().toLowerCase());

/** Nova's MigrationsController._output for one migration at a version. */
function migrationView(m: MigrationRecord, input: Input, publicUrl: string) {
  const v = input.version;
  const view: Record<string, unknown> = {
    id: m.id, status: m.status, instance_uuid: m.instanceUuid, source_node: m.sourceNode, source_compute: m.sourceCompute,
    dest_node: m.destNode, dest_compute: m.destCompute, dest_host: m.destHost,
    old_instance_type_id: m.oldInstanceTypeId, new_instance_type_id: m.newInstanceTypeId,
    created_at: isoMicros(m.createdAt), updated_at: isoMicros(m.updatedAt),
  };
  if (v.atLeast('2.23')) {
    view.migration_type = m.migrationType;
    if (m.migrationType === 'live-migration' && (LIVE_MIGRATION_IN_PROGRESS as readonly string[]).includes(m.status)) {
      view.links = resourceLinks(publicUrl, `servers/${m.instanceUuid}/migrations`, String(m.id));
    }
  }
  if (v.atLeast('2.59')) view.uuid = m.uuid;
  return view;
}

/** Nova's server_migrations output() */
function serverMigrationView(m: MigrationRecord, input: Input) {
  return {
    created_at: isoMicros(m.createdAt), dest_compute: m.destCompute, dest_host: m.destHost, dest_node: m.destNode,
    disk_processed_bytes: null, disk_remaining_bytes: null, disk_total_bytes: null, id: m.id,
    memory_processed_bytes: null, memory_remaining_bytes: null, memory_total_bytes: null,
    server_uuid: m.instanceUuid, source_compute: m.sourceCompute, source_node: m.sourceNode, status: m.status,
    updated_at: isoMicros(m.updatedAt),
    ...(input.version.atLeast('2.59') && { uuid: m.uuid }),
  };
}

/**
 * GET /os-migrations (admin; Nova's migrations.py) and /servers/{id}/migrations (2.23; Nova's
 * server_migrations.py: live migrations in progress, force_complete at 2.22, abort at 2.24).
 */
export function migrationRoutes(s: Services): RouteDef[] {
  const base = { auth: 'token' as const };
  return [
    {
      ...base, name: 'migrations.index', method: 'GET', path: '/os-migrations', body: null, ...schemas.list, errors: [400],
      admin: 'os_compute_api:os-migrations:index',
      handler: async (input) => {
        const q = input.query;
        const v = input.version;
        const one = (k: string) => lastValue(q[k]);
        const paged = v.atLeast('2.59');
        const since = paged ? one('changes-since') : undefined;
        const before = v.atLeast('2.66') ? one('changes-before') : undefined;
        const changesSince = since !== undefined ? parseTime(since, 'changes-since') : undefined;
        const changesBefore = before !== undefined ? parseTime(before, 'changes-before') : undefined;
        if (changesSince && changesBefore && changesBefore < changesSince) {
          throw new BadRequest('The value of changes-since must be less than or equal to changes-before.');
        }
        const requested = paged && one('limit') !== undefined ? Number(one('limit')) : undefined;
        const limit = paged ? Math.min(requested ?? MAX_LIMIT, MAX_LIMIT) : undefined;
        const hidden = one('hidden');
        const all = await s.migrations.store.list({
          status: one('status'), host: one('host'), sourceCompute: one('source_compute'), instanceUuid: one('instance_uuid'),
          migrationType: one('migration_type'), hidden: hidden === undefined ? undefined : bool(hidden),
          changesSince, changesBefore, limit, marker: paged ? one('marker') : undefined,
        });
        // Nova leaves hidden migrations out of the output (after the limit: a page may come out short)
        const migrations = all.filter((m) => !m.hidden).map((m) => migrationView(m, input, s.config.publicUrl));
        const body: Record<string, unknown> = { migrations };
        if (paged && limit && all.length === limit && all.length > 0) {
          body.migrations_links = nextLink(s.config.publicUrl, 'os-migrations', q, all[all.length - 1].uuid);
        }
        return { status: 200, body };
      },
    },
    {
      ...base, name: 'server_migrations.index', method: 'GET', path: '/servers/:id/migrations', body: null, ...schemas.serverList, errors: [404],
      handler: async (input) => {
        requireMinVersion(input, '2.23');
        const migrations = await s.migrations.inProgress(input.auth, input.params.id);
        return { status: 200, body: { migrations: migrations.map((m) => serverMigrationView(m, input)) } };
      },
    },
    {
      ...base, name: 'server_migrations.show', method: 'GET', path: '/servers/:id/migrations/:migrationId', body: null, ...schemas.serverShow, errors: [404],
      handler: async (input) => {
        requireMinVersion(input, '2.23');
        const m = await s.migrations.inProgressOne(input.auth, input.params.id, input.params.migrationId);
        return { status: 200, body: { migration: serverMigrationView(m, input) } };
      },
    },
    {
      ...base, name: 'server_migrations.force_complete', method: 'POST', path: '/servers/:id/migrations/:migrationId/action',
      ...schemas.forceComplete, errors: [400, 403, 404, 409],
      handler: async (input) => {
        requireMinVersion(input, '2.22');
        await s.migrations.forceComplete(input.auth, input.params.id, input.params.migrationId);
        return { status: 202 };
      },
    },
    {
      ...base, name: 'server_migrations.delete', method: 'DELETE', path: '/servers/:id/migrations/:migrationId', ...schemas.abort, errors: [400, 404, 409],
      handler: async (input) => {
        requireMinVersion(input, '2.24');
        await s.migrations.abort(input.auth, input.params.id, input.params.migrationId, input.version.atLeast('2.65'));
        return { status: 202 };
      },
    },
  ];
}
