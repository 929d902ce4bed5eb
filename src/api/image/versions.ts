import type { RouteDef } from '../routing';
import { always } from '../microversion';
import { anyQuery } from '../parameter-types';

/** The v2 minor versions whose features this service has (2.5 community images, 2.7 os_hidden and os_hash). */
const MINOR_VERSIONS = [7, 6, 5, 4, 3, 2, 1, 0];

function versions(publicUrl: string) {
  return MINOR_VERSIONS.map((minor, i) => ({
    id: `v2.${minor}`,
    status: i === 0 ? 'CURRENT' : 'SUPPORTED',
    links: [{ rel: 'self', href: `${publicUrl}/image/v2/` }],
  }));
}

const versionsResponse = always({
  type: 'object',
  properties: {
    versions: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          id: { type: 'string', pattern: '^v2\\.\\d+$' },
          status: { enum: ['CURRENT', 'SUPPORTED'] },
          links: { type: 'array', items: { type: 'object', properties: { rel: { type: 'string' }, href: { type: 'string' } }, required: ['rel', 'href'], additionalProperties: false } },
        },
        required: ['id', 'status', 'links'],
        additionalProperties: false,
      },
    },
  },
  required: ['versions'],
  additionalProperties: false,
});

/** GET / (300 Multiple Choices, as Glance's version negotiation answers) and GET /versions (200). */
export function imageVersionRoutes(publicUrl: string): RouteDef[] {
  const common = { auth: 'public' as const, body: null, query: always(anyQuery), response: versionsResponse, errors: [] };
  return [
    { ...common, name: 'image.versions.root', method: 'GET', path: '/', handler: async () => ({ status: 300, body: { versions: versions(publicUrl) } }) },
    { ...common, name: 'image.versions', method: 'GET', path: '/versions', handler: async () => ({ status: 200, body: { versions: versions(publicUrl) } }) },
  ];
}
