import type { Services } from '../../services';
import type { RouteDef } from '../routing';
import { BadRequest } from '../../errors';
import * as schemas from './schemas/server-metadata';

/** /servers/{id}/metadata (Nova's ServerMetadataController, unchanged since 2.1). */
export function serverMetadataRoutes(s: Services): RouteDef[] {
  const base = { auth: 'token' as const };
  return [
    {
      ...base, name: 'server_metadata.index', method: 'GET', path: '/servers/:id/metadata', ...schemas.index, errors: [404],
      handler: async (input) => ({ status: 200, body: { metadata: await s.serverMetadata.get(input.auth, input.params.id) } }),
    },
    {
      // Nova answers 200, not 201, for backwards compatibility
      ...base, name: 'server_metadata.create', method: 'POST', path: '/servers/:id/metadata', ...schemas.create, errors: [400, 403, 404, 409],
      handler: async (input) => ({
        status: 200, body: { metadata: await s.serverMetadata.update(input.auth, input.params.id, input.body.metadata, false) },
      }),
    },
    {
      ...base, name: 'server_metadata.update_all', method: 'PUT', path: '/servers/:id/metadata', ...schemas.updateAll, errors: [400, 403, 404, 409],
      handler: async (input) => ({
        status: 200, body: { metadata: await s.serverMetadata.update(input.auth, input.params.id, input.body.metadata, true) },
      }),
    },
    {
      ...base, name: 'server_metadata.show', method: 'GET', path: '/servers/:id/metadata/:key', ...schemas.show, errors: [404],
      handler: async (input) => {
        const { id, key } = input.params;
        return { status: 200, body: { meta: { [key]: await s.serverMetadata.getItem(input.auth, id, key) } } };
      },
    },
    {
      ...base, name: 'server_metadata.update', method: 'PUT', path: '/servers/:id/metadata/:key', ...schemas.update, errors: [400, 403, 404, 409],
      handler: async (input) => {
        const { id, key } = input.params;
        const meta: Record<string, string> = input.body.meta;
        // Nova finds the server before it compares the body with the URI
        await s.compute.get(input.auth, id);
        if (!Object.hasOwn(meta, key)) throw new BadRequest('Request body and URI mismatch');
        await s.serverMetadata.update(input.auth, id, meta, false);
        return { status: 200, body: { meta } };
      },
    },
    {
      ...base, name: 'server_metadata.delete', method: 'DELETE', path: '/servers/:id/metadata/:key', ...schemas.remove, errors: [403, 404, 409],
      handler: async (input) => {
        await s.serverMetadata.deleteItem(input.auth, input.params.id, input.params.key);
        return { status: 204 };
      },
    },
  ];
}
