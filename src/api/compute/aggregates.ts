import type { Services } from '../../services';
import type { Input, RouteDef } from '../routing';
import type { AggregateRecord } from '../../db/stores/aggregates';
import { AZ_KEY } from '../../db/stores/aggregates';
import { BadRequest, Forbidden } from '../../errors';
import { validateInput } from '../validation';
import { isoMicros } from './links';
import * as schemas from './schemas/aggregates';

/** Nova's _marshall_aggregate: every field of the object, uuid from 2.41; create leaves hosts and metadata out. */
export function aggregateView(a: AggregateRecord, input: Input, forCreate = false) {
  return {
    id: a.id, name: a.name, availability_zone: a.metadata[AZ_KEY] ?? null,
    created_at: isoMicros(a.createdAt), updated_at: isoMicros(a.updatedAt), deleted_at: null, deleted: false,
    ...(!forCreate && { hosts: a.hosts, metadata: a.metadata }),
    ...(input.version.atLeast('2.41') && { uuid: a.uuid }),
  };
}

/** /os-aggregates (Nova's aggregates.py; admin only; GET …/images of 2.81 is beyond our maximum) */
export function aggregateRoutes(s: Services): RouteDef[] {
  const base = { auth: 'token' as const };
  const policy = (rule: string) => `os_compute_api:os-aggregates:${rule}`;
  const actions: Record<string, (input: Input) => Promise<AggregateRecord>> = {
    add_host: (input) => s.aggregates.addHost(input.params.id, input.body.add_host.host),
    remove_host: (input) => s.aggregates.removeHost(input.params.id, input.body.remove_host.host),
    set_metadata: (input) => s.aggregates.setMetadata(input.params.id, input.body.set_metadata.metadata),
  };
  return [
    {
      ...base, name: 'aggregates.index', method: 'GET', path: '/os-aggregates', admin: policy('index'), ...schemas.list, errors: [],
      handler: async (input) => ({ status: 200, body: { aggregates: (await s.aggregates.list()).map((a) => aggregateView(a, input)) } }),
    },
    {
      ...base, name: 'aggregates.create', method: 'POST', path: '/os-aggregates', admin: policy('create'), ...schemas.create, errors: [400, 409],
      handler: async (input) => {
        const a = await s.aggregates.create(input.body.aggregate.name, input.body.aggregate.availability_zone);
        return { status: 200, body: { aggregate: aggregateView(a, input, true) } };
      },
    },
    {
      ...base, name: 'aggregates.show', method: 'GET', path: '/os-aggregates/:id', admin: policy('show'), ...schemas.show, errors: [400, 404],
      handler: async (input) => ({ status: 200, body: { aggregate: aggregateView(await s.aggregates.get(input.params.id), input) } }),
    },
    {
      ...base, name: 'aggregates.update', method: 'PUT', path: '/os-aggregates/:id', admin: policy('update'), ...schemas.update, errors: [400, 404, 409],
      handler: async (input) => ({ status: 200, body: { aggregate: aggregateView(await s.aggregates.update(input.params.id, input.body.aggregate), input) } }),
    },
    {
      ...base, name: 'aggregates.delete', method: 'DELETE', path: '/os-aggregates/:id', admin: policy('delete'), ...schemas.remove, errors: [400, 404],
      handler: async (input) => {
        await s.aggregates.delete(input.params.id);
        return { status: 200 };
      },
    },
    {
      ...base, name: 'aggregates.action', method: 'POST', path: '/os-aggregates/:id/action', ...schemas.action, errors: [400, 403, 404, 409],
      handler: async (input) => {
        const keys = Object.keys(input.body);
        if (keys.length !== 1) throw new BadRequest('Malformed request body: too many body keys');
        const name = keys[0];
        const run = Object.hasOwn(actions, name) ? actions[name] : undefined;
        if (!run) throw new BadRequest(`There is no such action: ${name}`);
        if (!input.auth.isAdmin) throw new Forbidden(`Policy doesn't allow ${policy(name)} to be performed.`);
        validateInput(schemas.ACTION_BODIES[name], input.body);
        return { status: 200, body: { aggregate: aggregateView(await run(input), input) } };
      },
    },
  ];
}
