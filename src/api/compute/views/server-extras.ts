import type { Services } from '../../../services';
import type { InstanceRecord } from '../../../db/stores/instances';
import type { AuthContext } from '../../../identity/auth-context';
import type { ServiceView } from '../../../compute/host-services';
import { Microversion, MIN_VERSION } from '../../microversion';
import type { ServerBodyKind, ServerExtras, ServerViewContext } from './server-fields';

/**
 * Loads, once per request, the data the server view needs beyond the instance rows — only what
 * the requested microversion and the caller's policy ask for.
 */
export async function loadServerExtras(
  s: Services, auth: AuthContext, version: Microversion, kind: ServerBodyKind, instances: readonly InstanceRecord[],
): Promise<ServerExtras> {
  const at = (v: string) => version.atLeast(v);
  const wantsHostStatus = auth.isAdmin && at('2.16') && (kind === 'show' || kind === 'detail' || at('2.75'));
  const wantsGroups = at('2.71') && kind !== 'detail';
  const wantsSpecs = at('2.47'); // Nova's show:flavor-extra-specs: project reader or admin, i.e. whoever sees the server
  const [hostStatus, serverGroups, flavorExtraSpecs] = await Promise.all([
    wantsHostStatus ? hostStatuses(s) : undefined,
    wantsGroups ? groupsOf(s, instances) : undefined,
    wantsSpecs ? extraSpecsOf(s, instances) : undefined,
  ]);
  return { hostStatus, serverGroups, flavorExtraSpecs };
}

/** Everything a server body needs: the public URL, the caller, the version and the extras. */
export async function serverViewContext(
  s: Services, auth: AuthContext, version: Microversion | undefined, kind: ServerBodyKind, instances: readonly InstanceRecord[],
): Promise<ServerViewContext> {
  const v = version ?? MIN_VERSION;
  return { publicUrl: s.config.publicUrl, auth, version: v, extras: await loadServerExtras(s, auth, v, kind, instances) };
}

/** Nova's HostStatus from a nova-compute service: forced down, disabled, alive or not heard from. */
export function hostStatusOfService(svc: ServiceView): string {
  if (svc.forcedDown) return 'DOWN';
  if (svc.status === 'disabled') return 'MAINTENANCE';
  return svc.state === 'up' ? 'UP' : 'UNKNOWN';
}

async function hostStatuses(s: Services): Promise<Map<string, string>> {
  const services = await s.hostServices.list({ binary: 'nova-compute' });
  return new Map(services.map((svc) => [svc.host, hostStatusOfService(svc)]));
}

async function groupsOf(s: Services, instances: readonly InstanceRecord[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (instances.length === 0) return out;
  const rows: { group_uuid: string; instance_uuid: string }[] = await s.db('server_group_members')
    .whereIn('instance_uuid', instances.map((i) => i.uuid)).select('group_uuid', 'instance_uuid');
  for (const r of rows) (out.get(r.instance_uuid) ?? out.set(r.instance_uuid, []).get(r.instance_uuid)!).push(r.group_uuid);
  return out;
}

async function extraSpecsOf(s: Services, instances: readonly InstanceRecord[]): Promise<Map<string, Record<string, string>>> {
  const ids = [...new Set(instances.map((i) => i.flavor.id))];
  const out = new Map<string, Record<string, string>>(ids.map((id) => [id, {}]));
  if (ids.length === 0) return out;
  const rows: { flavor_id: string; key: string; value: string }[] = await s.db('flavor_extra_specs')
    .whereIn('flavor_id', ids).select('flavor_id', 'key', 'value');
  for (const r of rows) out.get(r.flavor_id)![r.key] = r.value;
  return out;
}
