import type { RouteDef } from '../routing';
import type { AdminDeps } from './projects';
import { domain, tables } from './schemas/admin';
import { filter, requireAdmin } from './policy';

/** GET /v3/domains and /v3/domains/{id}: only Keystone's built-in default domain exists. */
export function domainRoutes({ admin, views }: AdminDeps): RouteDef[] {
  const base = { auth: 'token' as const };
  return [
    {
      ...base, name: 'identity.domains.list', method: 'GET', path: '/v3/domains', ...tables.list('domains', domain), errors: [401, 403],
      handler: async (input, ctx) => {
        requireAdmin(input.auth, 'list_domains');
        return { status: 200, body: { domains: admin.listDomains(filter(input.query, 'name')).map((d) => views.domain(d)), links: views.collection('/domains', ctx.querystring) } };
      },
    },
    {
      ...base, name: 'identity.domains.show', method: 'GET', path: '/v3/domains/:domain_id', ...tables.show('domain', domain), errors: [401, 403, 404],
      handler: async (input) => {
        requireAdmin(input.auth, 'get_domain');
        return { status: 200, body: { domain: views.domain(admin.getDomain(input.params.domain_id)) } };
      },
    },
  ];
}
