import type { Services } from '../../services';
import type { Input, RouteDef } from '../routing';
import type { InstanceRecord } from '../../db/stores/instances';
import type { InstanceActionRecord } from '../../db/stores/instance-actions';
import { BadRequest, InstanceNotFound } from '../../errors';
import { lastValue } from '../query';
import { nextLink } from './links';
import * as schemas from './schemas/instance-actions';
import { actionView, eventView } from './views/instance-actions';

/** Nova's timeutils.parse_isotime: ISO 8601, UTC when no zone is given; 400 otherwise. */
function isoTime(value: string, name: string): Date {
  const text = /(Z|[+-]\d\d:?\d\d)$/i.test(value) ? value : `${value}Z`;
  const t = /^\d{4}-\d\d-\d\d/.test(value) ? Date.parse(text) : NaN;
  if (Number.isNaN(t)) throw new BadRequest(`Invalid input for query parameters ${name}. Value: ${value}. '${value}' is not a 'date-time'`);
  return new Date(t);
}

/**
 * /servers/{id}/os-instance-actions: a server's actions, newest first, readable by the project's
 * readers. 2.21: also of deleted servers (read_deleted); 2.51: events for every reader (tracebacks
 * only for admins, the os-instance-actions:events policy); 2.58: updated_at, limit/marker,
 * changes-since and links; 2.62: hostId on events (host too for admins); 2.66: changes-before.
 */
export function instanceActionRoutes(s: Services): RouteDef[] {
  const base = { auth: 'token' as const, body: null };
  const serverOf = async (input: Input): Promise<InstanceRecord> => {
    if (!input.version.atLeast('2.21')) return s.compute.get(input.auth, input.params.id);
    const server = await s.instances.find(input.params.id, { includeDeleted: true });
    if (!input.auth.isAdmin && server.projectId !== input.auth.projectId) throw new InstanceNotFound(input.params.id);
    return server;
  };
  return [
    {
      ...base, name: 'instance_actions.index', method: 'GET', path: '/servers/:id/os-instance-actions', ...schemas.list, errors: [400, 404],
      handler: async (input) => {
        const server = await serverOf(input);
        let actions = await s.instanceActions.list(server.uuid);
        if (!input.version.atLeast('2.58')) return { status: 200, body: { instanceActions: actions.map((a) => actionView(a)) } };
        const q = input.query;
        const since = lastValue(q['changes-since']);
        const before = input.version.atLeast('2.66') ? lastValue(q['changes-before']) : undefined;
        const sinceAt = since === undefined ? undefined : isoTime(since, 'changes-since');
        const beforeAt = before === undefined ? undefined : isoTime(before, 'changes-before');
        if (sinceAt && beforeAt && beforeAt < sinceAt) {
          throw new BadRequest('The value of changes-since must be less than or equal to changes-before.');
        }
        const updated = (a: InstanceActionRecord) => (a.updatedAt ?? a.startTime).getTime();
        if (sinceAt) actions = actions.filter((a) => updated(a) >= sinceAt.getTime());
        if (beforeAt) actions = actions.filter((a) => updated(a) <= beforeAt.getTime());
        const marker = lastValue(q.marker);
        if (marker !== undefined) {
          const at = actions.findIndex((a) => a.requestId === marker);
          if (at < 0) throw new BadRequest(`Marker ${marker} could not be found.`);
          actions = actions.slice(at + 1);
        }
        const limitText = lastValue(q.limit);
        const limit = Math.min(limitText === undefined ? 1000 : Number(limitText), 1000);
        const page = actions.slice(0, limit);
        const links = page.length > 0 && page.length === limit
          ? { links: nextLink(s.config.publicUrl, `servers/${input.params.id}/os-instance-actions`, q, page[page.length - 1].requestId) } : {};
        return { status: 200, body: { instanceActions: page.map((a) => actionView(a, input.version)), ...links } };
      },
    },
    {
      ...base, name: 'instance_actions.show', method: 'GET', path: '/servers/:id/os-instance-actions/:requestId', ...schemas.show, errors: [404],
      handler: async (input) => {
        const server = await serverOf(input);
        const action = await s.instanceActions.find(server.uuid, input.params.requestId);
        const admin = input.auth.isAdmin;
        const v262 = input.version.atLeast('2.62');
        const showEvents = admin || input.version.atLeast('2.51');
        const events = showEvents
          ? {
            events: (await s.instanceActions.events(action.id)).map((e) => eventView(e, {
              showTraceback: admin, showHost: admin && v262, hostIdProject: v262 ? action.projectId ?? server.projectId : undefined,
            })),
          }
          : {};
        return { status: 200, body: { instanceAction: { ...actionView(action, input.version), ...events } } };
      },
    },
  ];
}
