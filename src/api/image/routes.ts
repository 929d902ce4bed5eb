import type { Config } from '../../config';
import type { Services } from '../../services';
import type { RouteDef } from '../routing';
import { imageVersionRoutes } from './versions';
import { schemaDocumentRoutes } from './schema-documents';
import { imagesRoutes } from './images';
import { imageDataRoutes } from './image-data';

/** The Glance v2 subset, mounted under /image (the unversioned catalog URL). */
export function imageRoutes(services: Services, config: Config): RouteDef[] {
  return [
    ...imageVersionRoutes(config.publicUrl),
    ...schemaDocumentRoutes(),
    ...imagesRoutes(services.images, config),
    ...imageDataRoutes(services.images),
  ];
}
