import type { Services } from '../../services';
import type { Input, RouteDef } from '../routing';
import type { AuthContext } from '../../identity/auth-context';
import { BadRequest, Forbidden } from '../../errors';
import { QUOTA_RESOURCES, QuotaResource, QuotaValues } from '../../compute/limits';
import * as schemas from './schemas/quotas';

const TRUE_WORDS = ['true', '1', 'on', 'yes'];
const MAX_INT = 0x7FFFFFFF;

const denied = (policy: string) => new Forbidden(`Policy doesn't allow os_compute_api:${policy} to be performed.`);
const firstOf = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** Nova's PROJECT_READER_OR_ADMIN on the target project */
function requireReaderOf(auth: AuthContext, projectId: string, policy: string): void {
  if (!auth.isAdmin && auth.projectId !== projectId) throw denied(policy);
}
function requireAdmin(auth: AuthContext, policy: string): void {
  if (!auth.isAdmin) throw denied(policy);
}

function pick(values: Record<string, unknown>, keys: readonly QuotaResource[], id?: string): Record<string, unknown> {
  return { ...(id === undefined ? {} : { id }), ...Object.fromEntries(keys.map((k) => [k, values[k]])) };
}

/** The request's limits as integers; networks is refused (nova-network is gone), force is read apart. */
function requestedLimits(body: Record<string, unknown>): Partial<Record<QuotaResource, number>> {
  const out: Partial<Record<QuotaResource, number>> = {};
  for (const [key, raw] of Object.entries(body)) {
    if (key === 'force' || !(QUOTA_RESOURCES as string[]).includes(key)) continue;
    const value = Number(raw);
    if (value < -1 || value > MAX_INT) {
      throw new BadRequest(`Invalid input for field/attribute ${key}. Value: ${raw}. ${value} is ${value < -1 ? 'less than the minimum of -1' : `greater than the maximum of ${MAX_INT}`}`);
    }
    out[key as QuotaResource] = value;
  }
  return out;
}

/**
 * The PUTs check the admin rule in the handler, after the body is validated (Nova's order: the
 * schema decorator runs before context.can); the body-less admin routes declare `admin`.
 *
 * os-quota-sets (Nova's QuotaSetsController) and os-quota-class-sets (QuotaClassSetsController):
 * a member or reader sees its own project's quotas, admins see and change any project's; the
 * 'default' class overrides the built-in defaults.
 */
export function quotaRoutes(s: Services): RouteDef[] {
  const base = { auth: 'token' as const };
  const setView = (input: Input, values: Record<string, unknown>, id?: string) => ({ quota_set: pick(values, schemas.quotaSetKeys(input.version), id) });
  const classView = (input: Input, values: QuotaValues, id?: string) => ({ quota_class_set: pick(values, schemas.quotaClassKeys(input.version), id) });
  const userOf = (input: Input) => firstOf(input.query.user_id);
  return [
    {
      ...base, name: 'os-quota-sets.defaults', method: 'GET', path: '/os-quota-sets/:id/defaults', body: null, ...schemas.defaultsSet, errors: [400],
      handler: async (input) => {
        await s.quotas.verifyProject(input.params.id);
        return { status: 200, body: setView(input, await s.quotas.defaults(), input.params.id) };
      },
    },
    {
      ...base, name: 'os-quota-sets.detail', method: 'GET', path: '/os-quota-sets/:id/detail', body: null, ...schemas.detailSet, errors: [400, 403],
      handler: async (input) => {
        requireReaderOf(input.auth, input.params.id, 'os-quota-sets:detail');
        await s.quotas.verifyProject(input.params.id);
        return { status: 200, body: setView(input, await s.quotas.detail(input.params.id, userOf(input)), input.params.id) };
      },
    },
    {
      ...base, name: 'os-quota-sets.show', method: 'GET', path: '/os-quota-sets/:id', body: null, ...schemas.showSet, errors: [400, 403],
      handler: async (input) => {
        requireReaderOf(input.auth, input.params.id, 'os-quota-sets:show');
        await s.quotas.verifyProject(input.params.id);
        return { status: 200, body: setView(input, await s.quotas.effective(input.params.id, userOf(input)), input.params.id) };
      },
    },
    {
      ...base, name: 'os-quota-sets.update', method: 'PUT', path: '/os-quota-sets/:id', ...schemas.updateSet, errors: [400, 403],
      handler: async (input) => {
        requireAdmin(input.auth, 'os-quota-sets:update');
        const projectId = input.params.id;
        await s.quotas.verifyProject(projectId);
        const body = input.body.quota_set as Record<string, unknown>;
        if ('networks' in body) throw new BadRequest('The networks quota has been removed');
        const force = body.force !== undefined && TRUE_WORDS.includes(String(body.force).toLowerCase());
        const userId = userOf(input);
        await s.quotas.update(projectId, userId, requestedLimits(body), force);
        return { status: 200, body: setView(input, await s.quotas.effective(projectId, userId)) };
      },
    },
    {
      ...base, name: 'os-quota-sets.delete', method: 'DELETE', path: '/os-quota-sets/:id', body: null, ...schemas.deleteSet, errors: [403],
      admin: 'os_compute_api:os-quota-sets:delete',
      handler: async (input) => {
        await s.quotas.delete(input.params.id, userOf(input));
        return { status: 202 };
      },
    },
    {
      ...base, name: 'os-quota-class-sets.show', method: 'GET', path: '/os-quota-class-sets/:id', body: null, ...schemas.showClass, errors: [403],
      admin: 'os_compute_api:os-quota-class-sets:show',
      handler: async (input) => {
        return { status: 200, body: classView(input, await s.quotas.classQuotas(input.params.id), input.params.id) };
      },
    },
    {
      ...base, name: 'os-quota-class-sets.update', method: 'PUT', path: '/os-quota-class-sets/:id', ...schemas.updateClass, errors: [400, 403],
      handler: async (input) => {
        requireAdmin(input.auth, 'os-quota-class-sets:update');
        const name = input.params.id;
        if (name.length > 255) throw new BadRequest(`quota_class_name has ${name.length} characters, more than 255.`);
        await s.quotas.updateClass(name, requestedLimits(input.body.quota_class_set));
        return { status: 200, body: classView(input, await s.quotas.classQuotas(name)) };
      },
    },
  ];
}
