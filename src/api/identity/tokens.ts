import type { Knex } from 'knex';
import type { RouteDef, Input } from '../routing';
import { issue } from './schemas/tokens';
import { tokenView, CatalogSettings } from './views/tokens';
import type { IdentityService, AuthRequest } from '../../identity/service';
import { roleIdsByName } from '../../db/stores/identity';
import { Unauthorized } from '../../errors';

/** POST /v3/auth/tokens: password or token method, unscoped or project-scoped. */
export function tokenRoutes(identity: IdentityService, db: Knex, catalog: CatalogSettings): RouteDef[] {
  return [{
    name: 'identity.tokens.issue', method: 'POST', path: '/v3/auth/tokens', auth: 'public',
    ...issue, errors: [400, 401],
    handler: async (input: Input) => {
      const issued = await identity.authenticate(toAuthRequest(input.body));
      return {
        status: 201,
        headers: { 'X-Subject-Token': issued.token },
        body: tokenView(issued.context, issued.issuedAt, await roleIdsByName(db), catalog),
      };
    },
  }];
}

function toAuthRequest(body: { auth: { identity: AuthRequest & { methods: string[] }; scope?: unknown } }): AuthRequest {
  const { identity, scope } = body.auth;
  if (scope && typeof scope === 'object' && !('project' in scope)) {
    // domain and system scope are not offered: only projects own compute resources here
    throw new Unauthorized('Only project-scoped and unscoped tokens are supported.');
  }
  const project = scope && typeof scope === 'object' ? (scope as { project: AuthRequest['project'] }).project : undefined;
  return { methods: identity.methods, password: identity.password, token: identity.token, project };
}
