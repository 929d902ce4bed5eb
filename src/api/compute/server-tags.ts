import type { Config } from '../../config';
import type { Services } from '../../services';
import type { Input, RouteDef } from '../routing';
import { ItemNotFound } from '../../errors';
import type { TagFilter } from '../../db/stores/instance-tags';
import { lastValue } from '../query';
import * as schemas from './schemas/server-tags';
import { resourceLinks } from './links';

/** Nova's answer for a method its controller only has from a later microversion. */
function requireVersion(input: Input, min: string): void {
  if (!input.version.atLeast(min)) throw new ItemNotFound('The resource could not be found.');
}

/**
 * The tag filters of GET /servers and /servers/detail from 2.26 (Nova's TAG_SEARCH_FILTERS): each
 * a comma-separated list; below 2.26 they are ignored like any unknown filter.
 */
export function tagFilterOf(input: Pick<Input, 'query' | 'version'>): TagFilter | undefined {
  if (!input.version.atLeast('2.26')) return undefined;
  const list = (key: string) => lastValue(input.query[key])?.split(',');
  const f: TagFilter = { all: list('tags'), any: list('tags-any'), notAll: list('not-tags'), notAny: list('not-tags-any') };
  return f.all || f.any || f.notAll || f.notAny ? f : undefined;
}

/** /servers/{id}/tags from microversion 2.26 (Nova's ServerTagsController); 404 below it. */
export function serverTagRoutes(s: Services, config: Config): RouteDef[] {
  const base = { auth: 'token' as const };
  const since = (input: Input) => requireVersion(input, '2.26');
  return [
    {
      ...base, name: 'server_tags.index', method: 'GET', path: '/servers/:id/tags', ...schemas.index, errors: [403, 404],
      handler: async (input) => {
        since(input);
        return { status: 200, body: { tags: await s.serverTags.list(input.auth, input.params.id) } };
      },
    },
    {
      ...base, name: 'server_tags.update_all', method: 'PUT', path: '/servers/:id/tags', ...schemas.updateAll, errors: [400, 403, 404, 409],
      handler: async (input) => {
        since(input);
        return { status: 200, body: { tags: await s.serverTags.replace(input.auth, input.params.id, input.body.tags) } };
      },
    },
    {
      ...base, name: 'server_tags.delete_all', method: 'DELETE', path: '/servers/:id/tags', ...schemas.noBody, errors: [403, 404, 409],
      handler: async (input) => {
        since(input);
        await s.serverTags.deleteAll(input.auth, input.params.id);
        return { status: 204 };
      },
    },
    {
      ...base, name: 'server_tags.show', method: 'GET', path: '/servers/:id/tags/:tag', ...schemas.noBody, errors: [403, 404],
      handler: async (input) => {
        since(input);
        await s.serverTags.check(input.auth, input.params.id, input.params.tag);
        return { status: 204 };
      },
    },
    {
      ...base, name: 'server_tags.update', method: 'PUT', path: '/servers/:id/tags/:tag', ...schemas.add, errors: [400, 403, 404, 409],
      handler: async (input) => {
        since(input);
        const { id, tag } = input.params;
        if (!(await s.serverTags.add(input.auth, id, tag))) return { status: 204 };
        return { status: 201, headers: { Location: resourceLinks(config.publicUrl, `servers/${id}/tags`, encodeURIComponent(tag))[0].href } };
      },
    },
    {
      ...base, name: 'server_tags.delete', method: 'DELETE', path: '/servers/:id/tags/:tag', ...schemas.noBody, errors: [403, 404, 409],
      handler: async (input) => {
        since(input);
        await s.serverTags.delete(input.auth, input.params.id, input.params.tag);
        return { status: 204 };
      },
    },
  ];
}
