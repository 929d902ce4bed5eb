import type { Context } from 'koa';
import type { RouteDef } from '../routing';
import { always, MAX_VERSION, MIN_VERSION } from '../microversion';
import { anyQuery, links } from '../parameter-types';

const version = {
  type: 'object',
  properties: {
    id: { type: 'string' }, links, status: { type: 'string' }, version: { type: 'string' }, min_version: { type: 'string' },
    updated: { type: 'string' }, 'media-types': { type: 'array' },
  },
  required: ['id', 'links', 'status', 'version', 'min_version', 'updated'],
  additionalProperties: false,
} as const;

function v20(publicUrl: string) {
  return { id: 'v2.0', status: 'DEPRECATED', version: '', min_version: '', updated: '2025-07-04T12:00:00Z', links: [{ rel: 'self', href: `${publicUrl}/compute/v2/` }] };
}

function v21(publicUrl: string) {
  return {
    id: 'v2.1', status: 'CURRENT', version: MAX_VERSION.toString(), min_version: MIN_VERSION.toString(),
    updated: '2013-07-23T11:33:21Z', links: [{ rel: 'self', href: `${publicUrl}/compute/v2.1/` }],
  };
}

const withDocs = (v: ReturnType<typeof v21>, base: string) => ({
  ...v,
  links: [...v.links, { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' }],
  'media-types': [{ base: 'application/json', type: `application/vnd.openstack.compute+json;version=${base}` }],
});

const common = { auth: 'public' as const, body: null, query: always(anyQuery), errors: [] };

/** GET /compute/: both API versions (v2.0 first, as Nova lists them). */
export function computeRootRoutes(publicUrl: string): RouteDef[] {
  return [{
    ...common, name: 'compute.versions', method: 'GET', path: '/',
    response: always({ type: 'object', properties: { versions: { type: 'array', items: version } }, required: ['versions'], additionalProperties: false }),
    handler: async () => ({ status: 200, body: { versions: [v20(publicUrl), v21(publicUrl)] } }),
  }];
}

/** GET /compute/v2.1/ (and /compute/v2/): the version document of the API the path names. */
export function versionDocumentRoute(publicUrl: string): RouteDef {
  return {
    ...common, name: 'compute.version', method: 'GET', path: '/',
    response: always({ type: 'object', properties: { version }, required: ['version'], additionalProperties: false }),
    handler: async (_input, ctx: Context) => ({
      status: 200,
      body: { version: ctx.state.legacyV2 ? withDocs(v20(publicUrl), '2') : withDocs(v21(publicUrl), '2.1') },
    }),
  };
}
