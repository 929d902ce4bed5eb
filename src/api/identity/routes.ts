import type { Knex } from 'knex';
import type { RouteDef } from '../routing';
import type { IdentityService } from '../../identity/service';
import type { IdentityAdmin } from '../../identity/admin';
import { identityVersionRoutes } from './versions';
import { tokenRoutes } from './tokens';
import { domainRoutes } from './domains';
import { projectRoutes } from './projects';
import { userRoutes } from './users';
import { roleRoutes } from './roles';
import { AdminViews } from './views/admin';
import type { CatalogSettings } from './views/tokens';

/** The Keystone v3 subset, mounted under /identity. */
export function identityRoutes(identity: IdentityService, admin: IdentityAdmin, db: Knex, catalog: CatalogSettings): RouteDef[] {
  const deps = { admin, views: new AdminViews(catalog.publicUrl) };
  return [
    ...identityVersionRoutes(catalog.publicUrl), ...tokenRoutes(identity, db, catalog),
    ...domainRoutes(deps), ...projectRoutes(deps), ...userRoutes(deps), ...roleRoutes(deps),
  ];
}
