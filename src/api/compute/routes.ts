import type { Config } from '../../config';
import type { Services } from '../../services';
import type { RouteDef } from '../routing';
import { computeRootRoutes, versionDocumentRoute } from './versions';
import { serverRoutes } from './servers';
import { serverActionRoutes } from './server-actions';
import { instanceActionRoutes } from './instance-actions';
import { flavorRoutes } from './flavors';
import { flavorAdminRoutes } from './flavor-admin';
import { keypairRoutes } from './keypairs';
import { limitRoutes } from './limits';
import { quotaRoutes } from './quotas';
import { availabilityZoneRoutes } from './availability-zones';
import { imageProxyRoutes } from './images';
import { serverPasswordRoutes } from './server-password';
import { hostServiceRoutes, hypervisorRoutes } from './host-services';
import { serverGroupRoutes } from './server-groups';
import { remoteConsoleRoutes } from './remote-consoles';
import { consoleAuthTokenRoutes } from './console-auth-tokens';
import { serverTopologyRoutes } from './server-topology';
import { aggregateRoutes } from './aggregates';
import { hostRoutes } from './hosts';
import { serverMetadataRoutes } from './server-metadata';
import { serverTagRoutes } from './server-tags';
import { adminViewRoutes } from './admin-views';
import { migrationRoutes } from './migrations';

/** The compute route table (Nova's ROUTE_LIST): `root` under /compute, `v21` under /compute/v2.1 and /compute/v2. */
export function computeRoutes(s: Services, config: Config): { root: RouteDef[]; v21: RouteDef[] } {
  return {
    root: computeRootRoutes(config.publicUrl),
    v21: [
      versionDocumentRoute(config.publicUrl),
      ...serverRoutes(s, config),
      ...serverActionRoutes(s),
      ...instanceActionRoutes(s),
      ...flavorRoutes(s, config),
      ...flavorAdminRoutes(s, config),
      ...keypairRoutes(s),
      ...limitRoutes(s),
      ...quotaRoutes(s),
      ...availabilityZoneRoutes(s),
      ...imageProxyRoutes(s, config),
      ...serverPasswordRoutes(s),
      ...hostServiceRoutes(s), ...hypervisorRoutes(s),
      ...serverGroupRoutes(s),
      ...remoteConsoleRoutes(s), ...serverTopologyRoutes(s),
      ...consoleAuthTokenRoutes(s),
      ...aggregateRoutes(s), ...hostRoutes(s),
      ...serverMetadataRoutes(s), ...serverTagRoutes(s, config),
      ...adminViewRoutes(s, config),
      ...migrationRoutes(s),
    ],
  };
}
