import type { Knex } from 'knex';
import type { RouteDef } from '../routing';
import type { IdentityService } from '../../identity/service';
import { identityVersionRoutes } from './versions';
import { tokenRoutes } from './tokens';
import type { CatalogSettings } from './views/tokens';

/** The Keystone v3 subset, mounted under /identity. */
export function identityRoutes(identity: IdentityService, db: Knex, catalog: CatalogSettings): RouteDef[] {
  return [...identityVersionRoutes(catalog.publicUrl), ...tokenRoutes(identity, db, catalog)];
}
