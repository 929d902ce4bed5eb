import type { Config } from '../../config';
import type { Services } from '../../services';
import type { AuthContext } from '../../identity/auth-context';
import type { ImageRecord } from '../../db/stores/images';
import type { Comparison } from '../../db/stores/image-query';
import type { ImageChange } from '../../image/changes';
import type { Input, RouteDef } from '../routing';
import { BadRequest, Forbidden, ImageNotFound, ItemNotFound } from '../../errors';
import { STATUSES } from '../../image/attributes';
import { checkImageMetadataQuota } from '../../compute/snapshots';
import { lastValue, Query } from '../query';
import { nextLink } from './links';
import { removedAt } from './proxy-gates';
import * as schemas from './schemas/images';
import { imageDetail, imageSummary } from './views/images';

/** Nova's [api] max_limit */
const MAX_LIMIT = 1000;

/**
 * Nova's image proxy (2.1 up to 2.35; its metadata up to 2.38): /images and /images/{id}/metadata over the image service,
 * with Glance's visibility rules (nova/api/openstack/compute/images.py, image_metadata.py).
 */
export function imageProxyRoutes(s: Services, config: Config): RouteDef[] {
  const url = config.publicUrl;
  const base = { auth: 'token' as const, body: null };
  const listed = async (input: Input, path: string, view: (image: ImageRecord, publicUrl: string) => object) => {
    const { limit, ...request } = listRequest(input.query);
    const images = await s.images.list(input.auth, { ...request, limit });
    const page = images.map((image) => view(image, url));
    const full = images.length > 0 && images.length === limit;
    return { status: 200, body: { images: page, ...(full && { images_links: nextLink(url, path, input.query, images[images.length - 1].id) }) } };
  };
  // Nova's _get_image: any image the caller may not see is simply not found
  const found = (auth: AuthContext, id: string) => s.images.getVisible(id, auth).catch(notFoundAs('Image not found.'));
  /** Nova's update(purge_props=True): the properties become exactly `properties` */
  const saveProperties = async (auth: AuthContext, image: ImageRecord, properties: Record<string, string>) => {
    checkImageMetadataQuota(properties);
    const changes: ImageChange[] = [
      ...Object.keys(image.properties).filter((key) => !Object.hasOwn(properties, key)).map((attribute) => ({ op: 'remove' as const, attribute })),
      ...Object.entries(properties).map(([attribute, value]) => ({ op: 'add' as const, attribute, value })),
    ];
    return (await s.images.update(auth, image.id, changes, { strictAdd: false }).catch(notFoundAs('Image not found.'))).properties;
  };
  const routes: RouteDef[] = [
    {
      ...base, name: 'images.index', method: 'GET', path: '/images', ...schemas.list, errors: [400],
      handler: (input) => listed(input, 'images', imageSummary),
    },
    {
      ...base, name: 'images.detail', method: 'GET', path: '/images/detail', ...schemas.detail, errors: [400],
      handler: (input) => listed(input, 'images/detail', imageDetail),
    },
    {
      ...base, name: 'images.show', method: 'GET', path: '/images/:id', ...schemas.show, errors: [404],
      handler: async (input) => ({ status: 200, body: { image: imageDetail(await found(input.auth, input.params.id), url) } }),
    },
    {
      ...base, name: 'images.delete', method: 'DELETE', path: '/images/:id', ...schemas.remove, errors: [403, 404],
      handler: async (input) => {
        await s.images.delete(input.auth, input.params.id).catch((err: unknown) => {
          if (err instanceof ImageNotFound) throw new ItemNotFound('Image not found.');
          if (err instanceof Forbidden) throw new Forbidden('You are not allowed to delete the image.');
          throw err;
        });
        return { status: 204 };
      },
    },
    {
      // `DELETE /images/` (a blank id): Nova's mapper has no such route and answers 404, not 405
      ...base, name: 'images.delete_blank', method: 'DELETE', path: '/images', ...schemas.remove, errors: [404],
      handler: async () => { throw new ItemNotFound('The resource could not be found.'); },
    },
    {
      ...base, name: 'images.metadata.index', method: 'GET', path: '/images/:id/metadata', ...schemas.metadataList, errors: [403, 404],
      handler: async (input) => ({ status: 200, body: { metadata: (await found(input.auth, input.params.id)).properties } }),
    },
    {
      ...base, name: 'images.metadata.create', method: 'POST', path: '/images/:id/metadata', ...schemas.metadataCreate, errors: [400, 403, 404],
      handler: async (input) => {
        const image = await found(input.auth, input.params.id);
        const metadata = await saveProperties(input.auth, image, { ...image.properties, ...input.body.metadata });
        return { status: 200, body: { metadata } };
      },
    },
    {
      ...base, name: 'images.metadata.update_all', method: 'PUT', path: '/images/:id/metadata', ...schemas.metadataReplace, errors: [400, 403, 404],
      handler: async (input) => {
        const image = await found(input.auth, input.params.id);
        const metadata: Record<string, string> = input.body.metadata;
        await saveProperties(input.auth, image, metadata);
        return { status: 200, body: { metadata } };
      },
    },
    {
      ...base, name: 'images.metadata.show', method: 'GET', path: '/images/:id/metadata/:key', ...schemas.metaShow, errors: [403, 404],
      handler: async (input) => {
        const properties = (await found(input.auth, input.params.id)).properties;
        const key = input.params.key;
        if (!Object.hasOwn(properties, key)) throw new ItemNotFound('The resource could not be found.');
        return { status: 200, body: { meta: { [key]: properties[key] } } };
      },
    },
    {
      ...base, name: 'images.metadata.update', method: 'PUT', path: '/images/:id/metadata/:key', ...schemas.metaUpdate, errors: [400, 403, 404],
      handler: async (input) => {
        const meta: Record<string, string> = input.body.meta;
        const key = input.params.key;
        if (!Object.hasOwn(meta, key)) throw new BadRequest('Request body and URI mismatch');
        const image = await found(input.auth, input.params.id);
        await saveProperties(input.auth, image, { ...image.properties, [key]: meta[key] });
        return { status: 200, body: { meta } };
      },
    },
    {
      ...base, name: 'images.metadata.delete', method: 'DELETE', path: '/images/:id/metadata/:key', ...schemas.remove, errors: [403, 404],
      handler: async (input) => {
        const image = await found(input.auth, input.params.id);
        const key = input.params.key;
        if (!Object.hasOwn(image.properties, key)) throw new ItemNotFound('Invalid metadata key');
        const rest = { ...image.properties };
        delete rest[key];
        await saveProperties(input.auth, image, rest);
        return { status: 204 };
      },
    },
  ];
  // Nova's MAX_PROXY_API_SUPPORT_VERSION (2.35) and MAX_IMAGE_META_PROXY_API_VERSION (2.38): 404 after them
  const isMetadata = (r: RouteDef) => r.path.includes('/metadata');
  return [...removedAt('2.36', routes.filter((r) => !isMetadata(r))), ...removedAt('2.39', routes.filter(isMetadata))];
}

const notFoundAs = (message: string) => (err: unknown): never => {
  throw err instanceof ImageNotFound ? new ItemNotFound(message) : err;
};

/**
 * Nova's SUPPORTED_FILTERS and pagination params, turned into the image service's query the way
 * Nova's glance client does (changes-since → updated_at >=, server and type → properties,
 * property-<x> → property x), with Glance's default order and os_hidden=false.
 */
export function listRequest(query: Query) {
  const last = (key: string) => lastValue(query[key]);
  const comparisons: Comparison[] = [{ column: 'os_hidden', op: 'eq', value: false }];
  const properties: Record<string, string> = {};
  const name = last('name');
  if (name !== undefined) comparisons.push({ column: 'name', op: 'eq', value: name });
  const status = last('status')?.toLowerCase();
  if (status !== undefined) {
    if (!(STATUSES as readonly string[]).includes(status)) throw new BadRequest(`Invalid status value: ${status}`);
    comparisons.push({ column: 'status', op: 'eq', value: status });
  }
  const since = last('changes-since');
  if (since !== undefined) comparisons.push({ column: 'updated_at', op: 'gte', value: isoDate(since) });
  for (const [param, column] of [['minRam', 'min_ram'], ['minDisk', 'min_disk']] as const) {
    const value = last(param);
    if (value !== undefined) comparisons.push({ column, op: 'eq', value: glanceInteger(column, value) });
  }
  const server = last('server');
  if (server !== undefined) properties.instance_uuid = server.includes('/') ? server.slice(server.lastIndexOf('/') + 1) : server;
  const type = last('type');
  if (type !== undefined) properties.image_type = type;
  for (const key of Object.keys(query)) {
    if (key.startsWith('property-')) properties[key.slice('property-'.length)] = last(key)!;
  }
  const limit = pageParam(last('limit'), 'limit');
  const marker = last('marker') ?? null;
  return {
    visibility: null, comparisons, tags: [], properties, marker,
    sort: [{ column: 'created_at' as const, dir: 'desc' as const }, { column: 'id' as const, dir: 'desc' as const }],
    limit: limit === undefined || limit === 0 ? MAX_LIMIT : Math.min(limit, MAX_LIMIT),
  };
}

/** Nova's validate_integer(min_value=0) for limit */
function pageParam(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\s*[+-]?\d+\s*$/.test(raw)) throw new BadRequest(`${name} must be an integer`);
  const value = Number(raw);
  if (value < 0) throw new BadRequest(`${name} must be >= 0`);
  return value;
}

function glanceInteger(column: string, raw: string): number {
  if (!/^\d+$/.test(raw.trim())) throw new BadRequest(`Invalid value for ${column}: ${raw}`);
  return Number(raw);
}

function isoDate(raw: string): Date {
  const at = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(raw.trim()) ? new Date(raw.trim()) : null;
  if (!at || Number.isNaN(at.getTime())) throw new BadRequest('Invalid time format for updated_at.');
  return at;
}
