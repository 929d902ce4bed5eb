import type { Config } from '../../config';
import type { Services } from '../../services';
import type { Input, RouteDef } from '../routing';
import type { CreateRequestFields } from '../../compute/service';
import { serverRequestFields } from './server-requests';
import type { Microversion } from '../microversion';
import { BadRequest, ItemNotFound } from '../../errors';
import * as schemas from './schemas/servers';
import { addressesView, renderServer, serverSummary, serverViewContext, ServerBodyKind } from './views/servers';
import type { InstanceRecord } from '../../db/stores/instances';
import { parseListQuery, page, ServerListQuery } from './server-filters';
import { nextLink, resourceLinks } from './links';
import { tagFilterOf } from './server-tags';
import { ServerListCache } from './views/server-list-cache';
import type { Schema } from '../validation';

/** /servers: list, detail, show, create, update, delete, ips (thin: validate, call the service, view). */
export function serverRoutes(s: Services, config: Config): RouteDef[] {
  const view = (input: Input) => ({ publicUrl: config.publicUrl, auth: input.auth });
  /** server bodies at the request's microversion (views/server-fields.ts), extras loaded once for all */
  const render = async (input: Input, kind: ServerBodyKind, instances: InstanceRecord[]) => {
    const v = await serverViewContext(s, input.auth, input.version, kind, instances);
    return instances.map((i) => renderServer(kind, i, v));
  };
  const listed = async (input: Input) => {
    const q = parseListQuery(input.query, input.auth, input.version);
    return { q, instances: page(await s.compute.list(input.auth, { ...q.store, tags: tagFilterOf(input) }), q) };
  };
  const links = (input: Input, q: ServerListQuery, ids: string[], path: string) =>
    ids.length && ids.length === q.limit ? { servers_links: nextLink(config.publicUrl, path, input.query, ids[ids.length - 1]) } : {};
  const base = { auth: 'token' as const };
  const detailBodies = new ServerListCache(config.responseValidation, (version) => detailItemSchema(schemas.detail.response.pick(version)));

  return [
    {
      ...base, name: 'servers.index', method: 'GET', path: '/servers', body: null, ...schemas.list, errors: [400, 403],
      handler: async (input) => {
        const { q, instances } = await listed(input);
        const servers = instances.map((i) => serverSummary(i, view(input)));
        return { status: 200, body: { servers, ...links(input, q, servers.map((x) => x.id), 'servers') } };
      },
    },
    {
      ...base, name: 'servers.detail', method: 'GET', path: '/servers/detail', body: null, ...schemas.detail, errors: [400, 403],
      handler: async (input, ctx) => {
        const { q, instances } = await listed(input);
        // the body from per-server JSON fragments rendered once per record and context (views/server-list-cache.ts)
        const v = await serverViewContext(s, input.auth, input.version, 'detail', instances);
        const envelope = links(input, q, instances.map((x) => x.uuid), 'servers/detail');
        const warn = (problems: string[]) => ctx.state.log?.warn({ route: 'servers.detail', problems }, 'a server of the list does not match its schema');
        return { status: 200, body: detailBodies.body('detail', instances, v, envelope, warn) };
      },
    },
    {
      ...base, name: 'servers.show', method: 'GET', path: '/servers/:id', body: null, ...schemas.show, errors: [404],
      handler: async (input) => ({ status: 200, body: { server: (await render(input, 'show', [await s.compute.get(input.auth, input.params.id)]))[0] } }),
    },
    {
      ...base, name: 'servers.create', method: 'POST', path: '/servers', ...schemas.create, errors: [400, 403, 409],
      handler: async (input) => {
        const result = await s.compute.create(input.auth, toCreateRequest(input.body, input.version));
        if (isTrue(input.body.server.return_reservation_id)) return { status: 202, body: { reservation_id: result.reservationId } };
        const first = result.instances[0];
        return {
          status: 202,
          headers: { Location: resourceLinks(config.publicUrl, 'servers', first.uuid)[0].href },
          body: { server: { id: first.uuid, links: resourceLinks(config.publicUrl, 'servers', first.uuid), 'OS-DCF:diskConfig': first.diskConfig, security_groups: [{ name: 'default' }], adminPass: result.adminPass } },
        };
      },
    },
    {
      ...base, name: 'servers.update', method: 'PUT', path: '/servers/:id', ...schemas.update, errors: [400, 404],
      handler: async (input) => {
        const b = input.body.server;
        const updated = await s.compute.update(input.auth, input.params.id, { name: b.name, accessIPv4: b.accessIPv4, accessIPv6: b.accessIPv6, diskConfig: b['OS-DCF:diskConfig'], description: b.description });
        return { status: 200, body: { server: (await render(input, 'update', [updated]))[0] } };
      },
    },
    {
      ...base, name: 'servers.delete', method: 'DELETE', path: '/servers/:id', body: null, query: schemas.show.query,
      response: schemas.noBody, errors: [404, 409],
      handler: async (input) => {
        await s.softDelete.delete(input.auth, input.params.id); // compute.delete unless a reclaim interval is set
        return { status: 204 };
      },
    },
    {
      ...base, name: 'servers.ips', method: 'GET', path: '/servers/:id/ips', body: null, ...schemas.ips, errors: [404],
      handler: async (input) => ({ status: 200, body: { addresses: addressesView((await s.compute.get(input.auth, input.params.id)).addresses, false) } }),
    },
    {
      ...base, name: 'servers.ips.network', method: 'GET', path: '/servers/:id/ips/:network', body: null, ...schemas.ipsByNetwork, errors: [404],
      handler: async (input) => {
        const all = addressesView((await s.compute.get(input.auth, input.params.id)).addresses, false);
        const net = input.params.network;
        if (!Object.hasOwn(all, net)) throw new ItemNotFound(`Network ${net} could not be found.`);
        return { status: 200, body: { [net]: all[net] } };
      },
    },
  ];
}

/** the schema of one server in the detail body (servers.items), or null when the body's schema is not of that shape */
function detailItemSchema(body: unknown): Schema | null {
  const items = (body as { properties?: { servers?: { items?: unknown } } } | null)?.properties?.servers?.items;
  return items && typeof items === 'object' ? items as Schema : null;
}

function toCreateRequest(body: { server: Record<string, any>; [hints: string]: any }, version: Microversion): CreateRequestFields { // eslint-disable-line @typescript-eslint/no-explicit-any
  const sv = body.server;
  if (!sv.imageRef) throw new BadRequest('Missing imageRef attribute: booting from volume is not supported by this cloud.');
  if (sv.block_device_mapping?.length || sv.block_device_mapping_v2?.length) throw new BadRequest('Block device mapping is not supported by this cloud.');
  const minCount = Number(sv.min_count ?? 1);
  const maxCount = Number(sv.max_count ?? minCount);
  if (minCount > maxCount) throw new BadRequest('min_count must be <= max_count');
  if (sv.user_data !== undefined && !isBase64(sv.user_data)) throw new BadRequest('Userdata content cannot be decoded.');
  return {
    name: sv.name, imageRef: sv.imageRef, flavorRef: String(sv.flavorRef), keyName: sv.key_name, metadata: sv.metadata,
    accessIPv4: sv.accessIPv4, accessIPv6: sv.accessIPv6, diskConfig: sv['OS-DCF:diskConfig'], userData: sv.user_data,
    availabilityZone: sv.availability_zone, configDrive: isTrue(sv.config_drive), minCount, maxCount,
    adminPass: sv.adminPass, networks: sv.networks, securityGroups: sv.security_groups,
    group: (body['os:scheduler_hints'] ?? body['OS-SCH-HNT:scheduler_hints'])?.group,
    tags: sv.tags, // 2.52 (the body schema has no tags below it)
    ...serverRequestFields(sv, version), // 2.19 description, 2.74 host/hypervisor_hostname, 2.63 certs, network tags
  };
}

function isBase64(text: string): boolean {
  const compact = text.replace(/\s+/g, '');
  return compact.length % 4 === 0 && Buffer.from(compact, 'base64').toString('base64') === compact;
}

function isTrue(v: unknown): boolean {
  return v === true || (typeof v === 'string' && ['true', '1', 'on', 'yes'].includes(v.toLowerCase()));
}
