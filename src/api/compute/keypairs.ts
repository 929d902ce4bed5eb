import type { Services } from '../../services';
import type { RouteDef } from '../routing';
import { KeypairService } from '../../compute/keypairs';
import * as schemas from './schemas/keypairs';
import { keypairCreated, keypairDetail, keypairSummary } from './views/keypairs';

/** /os-keypairs: a user's own keypairs (2.1: create and import answer 200). */
export function keypairRoutes(s: Services): RouteDef[] {
  const keypairs = new KeypairService(s.keypairs);
  const base = { auth: 'token' as const };
  return [
    {
      ...base, name: 'keypairs.index', method: 'GET', path: '/os-keypairs', body: null, ...schemas.list, errors: [],
      handler: async (input) => ({ status: 200, body: { keypairs: (await s.keypairs.list(input.auth.userId)).map((k) => ({ keypair: keypairSummary(k) })) } }),
    },
    {
      ...base, name: 'keypairs.create', method: 'POST', path: '/os-keypairs', ...schemas.create, errors: [400, 409],
      handler: async (input) => {
        const { name, public_key: publicKey } = input.body.keypair;
        const created = await keypairs.create(input.auth.userId, name, publicKey);
        return { status: 200, body: { keypair: keypairCreated(created.keypair, created.privateKey) } };
      },
    },
    {
      ...base, name: 'keypairs.show', method: 'GET', path: '/os-keypairs/:name', body: null, ...schemas.show, errors: [404],
      handler: async (input) => ({ status: 200, body: { keypair: keypairDetail(await s.keypairs.find(input.auth.userId, input.params.name)) } }),
    },
    {
      ...base, name: 'keypairs.delete', method: 'DELETE', path: '/os-keypairs/:name', body: null, ...schemas.remove, errors: [404],
      handler: async (input) => {
        await s.keypairs.delete(input.auth.userId, input.params.name);
        return { status: 202 };
      },
    },
  ];
}
