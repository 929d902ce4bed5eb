import type { RouteDef } from '../routing';
import { always } from '../microversion';
import { anyQuery } from '../parameter-types';

const MEDIA_TYPES = [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }];

function v3(publicUrl: string) {
  return {
    id: 'v3.14', status: 'stable', updated: '2020-04-07T00:00:00Z', 'media-types': MEDIA_TYPES,
    links: [{ rel: 'self', href: `${publicUrl}/identity/v3/` }],
  };
}

const versionSchema = { type: 'object', properties: { id: { type: 'string' }, status: { type: 'string' }, links: { type: 'array' } }, required: ['id', 'status', 'links'] };

/** GET / (300, multiple choices) and GET /v3 of Keystone. */
export function identityVersionRoutes(publicUrl: string): RouteDef[] {
  const common = { auth: 'public' as const, body: null, query: always(anyQuery), errors: [] };
  return [
    {
      ...common, name: 'identity.versions', method: 'GET', path: '/',
      response: always({ type: 'object', properties: { versions: { type: 'object', properties: { values: { type: 'array', items: versionSchema } }, required: ['values'] } }, required: ['versions'] }),
      handler: async () => ({ status: 300, body: { versions: { values: [v3(publicUrl)] } } }),
    },
    {
      ...common, name: 'identity.v3', method: 'GET', path: '/v3',
      response: always({ type: 'object', properties: { version: versionSchema }, required: ['version'] }),
      handler: async () => ({ status: 200, body: { version: v3(publicUrl) } }),
    },
  ];
}
