import type { Config } from '../../config';
import type { Services } from '../../services';
import type { RouteDef } from '../routing';

export function computeRoutes(_services: Services, _config: Config): { root: RouteDef[]; v21: RouteDef[] } {
  return { root: [], v21: [] };
}
