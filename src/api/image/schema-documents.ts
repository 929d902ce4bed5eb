import type { RouteDef } from '../routing';
import { imageSchemaDocument, imagesSchemaDocument } from './schemas/image-document';
import { schemaDocument } from './schemas/images';

/** GET /v2/schemas/image and /v2/schemas/images: what glanceclient builds its model from. */
export function schemaDocumentRoutes(): RouteDef[] {
  const common = { auth: 'token' as const, ...schemaDocument, errors: [401] };
  return [
    { ...common, name: 'schemas.image', method: 'GET', path: '/v2/schemas/image', handler: async () => ({ status: 200, body: imageSchemaDocument }) },
    { ...common, name: 'schemas.images', method: 'GET', path: '/v2/schemas/images', handler: async () => ({ status: 200, body: imagesSchemaDocument }) },
  ];
}
