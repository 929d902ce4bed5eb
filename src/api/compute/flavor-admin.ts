import { randomUUID } from 'node:crypto';
import type { Config } from '../../config';
import type { Services } from '../../services';
import type { Input, RouteDef } from '../routing';
import { BadRequest, Conflict, ItemNotFound } from '../../errors';
import * as schemas from './schemas/flavors';
import { flavorDetail } from './views/flavors';
import { requireMinVersion } from './version-gates';

const MAX_INT = 0x7FFFFFFF;
/** Nova's utils.validate_integer, for the string forms the schema lets through. */
function integer(value: number | string | undefined, name: string, min: number, dflt: number): number {
  if (value === undefined) return dflt;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n)) throw new BadRequest(`Invalid input received: ${name} must be an integer.`);
  if (n < min) throw new BadRequest(`Invalid input received: ${name} must be >= ${min}.`);
  if (n > MAX_INT) throw new BadRequest(`Invalid input received: ${name} must be <= ${MAX_INT}.`);
  return n;
}

function rxtx(value: number | string | undefined): number {
  const n = value === undefined ? 1 : Number(value);
  if (!(n > 0) || n > 3.40282e+38) throw new BadRequest("Invalid input received: 'rxtx_factor' argument must be a float between 0 and 3.40282e+38");
  return n;
}

/** Nova's str() of an id or an extra-spec value given as a JSON number. */
const pyStr = (v: number | string): string => String(v);

/** POST/DELETE /flavors, extra-spec writes and os-flavor-access (Nova 2.1, admin only). */
export function flavorAdminRoutes(s: Services, config: Config): RouteDef[] {
  const base = { auth: 'token' as const };
  const accessReply = async (id: string) => ({
    status: 200, body: { flavor_access: (await s.flavors.accessList(id)).map((p) => ({ flavor_id: id, tenant_id: p })) },
  });
  return [
    {
      ...base, name: 'flavors.create', admin: 'os_compute_api:os-flavor-manage:create', method: 'POST', path: '/flavors', ...schemas.create, errors: [400, 403, 409],
      handler: async (input: Input) => {
        const v = input.body.flavor;
        const id = v.id === undefined || v.id === null || v.id === 0 ? randomUUID() : pyStr(v.id);
        const isPublic = v['os-flavor-access:is_public'];
        const flavor = await s.flavors.create({
          id, name: String(v.name).trim(),
          memoryMb: integer(v.ram, 'ram', 1, 0), vcpus: integer(v.vcpus, 'vcpus', 1, 0), rootGb: integer(v.disk, 'disk', 0, 0),
          ephemeralGb: integer(v['OS-FLV-EXT-DATA:ephemeral'], 'ephemeral', 0, 0), swap: integer(v.swap, 'swap', 0, 0),
          rxtxFactor: rxtx(v.rxtx_factor),
          isPublic: isPublic === undefined ? true : typeof isPublic === 'boolean' ? isPublic : schemas.BOOLEAN_STRINGS[isPublic],
          description: input.version.atLeast('2.55') ? v.description ?? null : null,
        });
        return { status: 200, body: { flavor: flavorDetail(flavor, config.publicUrl, { version: input.version, extraSpecs: {} }) } };
      },
    },
    {
      ...base, name: 'flavors.update', admin: 'os_compute_api:os-flavor-manage:update', method: 'PUT', path: '/flavors/:id', ...schemas.update, errors: [400, 403, 404],
      handler: async (input: Input) => {
        requireMinVersion(input, '2.55'); // Nova's FLAVOR_DESCRIPTION_MICROVERSION
        const flavor = await s.flavors.updateDescription(input.params.id, input.body.flavor.description);
        const extraSpecs = await s.flavors.extraSpecs(flavor.id);
        return { status: 200, body: { flavor: flavorDetail(flavor, config.publicUrl, { version: input.version, extraSpecs }) } };
      },
    },
    {
      ...base, name: 'flavors.delete', admin: 'os_compute_api:os-flavor-manage:delete', method: 'DELETE', path: '/flavors/:id', ...schemas.remove, errors: [403, 404],
      handler: async (input) => {
        await s.flavors.delete(input.params.id);
        return { status: 202 };
      },
    },
    {
      ...base, name: 'flavors.extra_specs.create', admin: 'os_compute_api:os-flavor-extra-specs:create', method: 'POST', path: '/flavors/:id/os-extra_specs', ...schemas.extraSpecsCreate,
      errors: [400, 403, 404, 409],
      handler: async (input) => {
        const specs = stringSpecs(input.body.extra_specs);
        await s.flavors.setExtraSpecs(input.params.id, specs);
        return { status: 200, body: { extra_specs: specs } };
      },
    },
    {
      ...base, name: 'flavors.extra_specs.update', admin: 'os_compute_api:os-flavor-extra-specs:update', method: 'PUT', path: '/flavors/:id/os-extra_specs/:key', ...schemas.extraSpecUpdate,
      errors: [400, 403, 404, 409],
      handler: async (input) => {
        const specs = stringSpecs(input.body);
        if (!Object.hasOwn(specs, input.params.key)) throw new BadRequest('Request body and URI mismatch');
        await s.flavors.setExtraSpecs(input.params.id, specs);
        return { status: 200, body: specs };
      },
    },
    {
      ...base, name: 'flavors.extra_specs.delete', admin: 'os_compute_api:os-flavor-extra-specs:delete', method: 'DELETE', path: '/flavors/:id/os-extra_specs/:key', ...schemas.extraSpecDelete,
      errors: [403, 404],
      handler: async (input) => {
        await s.flavors.deleteExtraSpec(input.params.id, input.params.key);
        return { status: 200 };
      },
    },
    {
      ...base, name: 'flavors.access.index', admin: 'os_compute_api:os-flavor-access', method: 'GET', path: '/flavors/:id/os-flavor-access', ...schemas.accessList, errors: [403, 404],
      handler: async (input) => {
        const flavor = await s.flavors.find(input.params.id);
        if (flavor.isPublic) throw new ItemNotFound('Access list not available for public flavors.');
        return accessReply(flavor.id);
      },
    },
    {
      ...base, name: 'flavors.action', admin: 'os_compute_api:os-flavor-access', method: 'POST', path: '/flavors/:id/action', ...schemas.accessAction, errors: [400, 403, 404, 409],
      handler: async (input) => {
        const id = input.params.id;
        if (input.body.addTenantAccess) {
          // 2.7: a public flavor is open to every project already
          if (input.version.atLeast('2.7') && (await s.flavors.find(id)).isPublic) throw new Conflict('Can not add access to a public flavor.');
          await s.flavors.addAccess(id, input.body.addTenantAccess.tenant);
        } else {
          await s.flavors.removeAccess(id, input.body.removeTenantAccess.tenant);
        }
        return accessReply(id);
      },
    },
  ];
}

/** Nova stores extra-spec values as strings; numbers (which the schema allows) are kept as their text, at most 255 long. */
function stringSpecs(specs: Record<string, string | number>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(specs)) {
    const text = pyStr(v);
    if (text.length > 255) throw new BadRequest('Invalid input received: extra_specs value has more than 255 characters.');
    out[k] = text;
  }
  return out;
}
