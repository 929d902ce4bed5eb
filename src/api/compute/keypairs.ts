import type { Config } from '../../config';
import type { Services } from '../../services';
import type { Input, RouteDef } from '../routing';
import { KeypairService } from '../../compute/keypairs';
import { BadRequest, Forbidden } from '../../errors';
import { lastValue } from '../query';
import { nextLink } from './links';
import * as schemas from './schemas/keypairs';
import { keypairCreated, keypairDetail, keypairSummary } from './views/keypairs';

/**
 * Nova's keypairs policies: the caller's own keypairs, or (2.10, ?user_id= / body user_id) any
 * user's for an admin ("admin_api or user_id:%(user_id)s"). The first user_id wins, as in Nova.
 */
function targetUser(input: Input, policy: string, requested: string | undefined): string {
  const userId = input.version.atLeast('2.10') && requested !== undefined ? requested : input.auth.userId;
  if (userId !== input.auth.userId && !input.auth.isAdmin) {
    throw new Forbidden(`Policy doesn't allow os_compute_api:os-keypairs:${policy} to be performed.`);
  }
  return userId;
}
const firstOf = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/**
 * /os-keypairs: 2.1 create/import answer 200 and delete 202; 2.2 adds `type` (ssh|x509), 201 and
 * 204; 2.10 an admin may act for another user; 2.35 limit/marker paging with keypairs_links.
 */
export function keypairRoutes(s: Services, config?: Config): RouteDef[] {
  const keypairs = new KeypairService(s.keypairs, s.quotas);
  const publicUrl = config?.publicUrl ?? s.config.publicUrl;
  const base = { auth: 'token' as const };
  return [
    {
      ...base, name: 'keypairs.index', method: 'GET', path: '/os-keypairs', body: null, ...schemas.list, errors: [400],
      handler: async (input) => {
        const userId = targetUser(input, 'index', firstOf(input.query.user_id));
        const withType = input.version.atLeast('2.2');
        if (!input.version.atLeast('2.35')) {
          return { status: 200, body: { keypairs: (await s.keypairs.list(userId)).map((k) => ({ keypair: keypairSummary(k, withType) })) } };
        }
        const limitText = lastValue(input.query.limit);
        const marker = lastValue(input.query.marker);
        const limit = Math.min(limitText === undefined ? 1000 : Number(limitText), 1000);
        const page = await s.keypairs.page(userId, limit, marker);
        if (page === null) throw new BadRequest(`Marker ${marker} could not be found.`);
        const links = page.length > 0 && page.length === limit
          ? { keypairs_links: nextLink(publicUrl, 'os-keypairs', input.query, page[page.length - 1].name) } : {};
        return { status: 200, body: { keypairs: page.map((k) => ({ keypair: keypairSummary(k, true) })), ...links } };
      },
    },
    {
      ...base, name: 'keypairs.create', method: 'POST', path: '/os-keypairs', ...schemas.create, errors: [400, 403, 409],
      handler: async (input) => {
        const { name, public_key: publicKey, type, user_id: requested } = input.body.keypair;
        const userId = targetUser(input, 'create', requested);
        const created = await keypairs.create(userId, name, publicKey, type ?? 'ssh', input.auth.projectId);
        const withType = input.version.atLeast('2.2');
        return { status: withType ? 201 : 200, body: { keypair: keypairCreated(created.keypair, created.privateKey, withType) } };
      },
    },
    {
      ...base, name: 'keypairs.show', method: 'GET', path: '/os-keypairs/:name', body: null, ...schemas.show, errors: [404],
      handler: async (input) => {
        const userId = targetUser(input, 'show', firstOf(input.query.user_id));
        return { status: 200, body: { keypair: keypairDetail(await s.keypairs.find(userId, input.params.name), input.version.atLeast('2.2')) } };
      },
    },
    {
      ...base, name: 'keypairs.delete', method: 'DELETE', path: '/os-keypairs/:name', body: null, ...schemas.remove, errors: [404],
      handler: async (input) => {
        const userId = targetUser(input, 'delete', firstOf(input.query.user_id));
        await s.keypairs.delete(userId, input.params.name);
        return { status: input.version.atLeast('2.2') ? 204 : 202 };
      },
    },
  ];
}
