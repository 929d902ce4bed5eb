import type { Config } from '../../config';
import type { Services } from '../../services';
import type { RouteDef } from '../routing';

// TODO(image helper): the Glance v2 subset.
export function imageRoutes(_services: Services, _config: Config): RouteDef[] {
  return [];
}
