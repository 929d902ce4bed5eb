import type { AuthContext } from '../../../identity/auth-context';
import { DEFAULT_DOMAIN } from '../../../identity/service';

export interface CatalogSettings {
  readonly publicUrl: string;
  readonly region: string;
}

/** Keystone's time format with microseconds and a Z (tempest parses exactly this). */
export const keystoneTime = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

const SERVICES = [
  { type: 'identity', name: 'keystone', path: '/identity' },
  { type: 'compute', name: 'nova', path: '/compute/v2.1' },
  { type: 'image', name: 'glance', path: '/image' },
] as const;

export function catalog(s: CatalogSettings) {
  return SERVICES.map((svc) => ({
    id: `${svc.name}-service`,
    type: svc.type,
    name: svc.name,
    endpoints: ['public', 'internal', 'admin'].map((iface) => ({
      id: `${svc.name}-${iface}`, interface: iface, region: s.region, region_id: s.region, url: `${s.publicUrl}${svc.path}`,
    })),
  }));
}

export function tokenView(ctx: AuthContext, issuedAt: Date, roleIds: Record<string, string>, s: CatalogSettings) {
  const domain = { id: DEFAULT_DOMAIN.id, name: DEFAULT_DOMAIN.name };
  const token: Record<string, unknown> = {
    methods: ctx.methods,
    user: { id: ctx.userId, name: ctx.userName, domain, password_expires_at: null },
    audit_ids: [ctx.auditId],
    expires_at: keystoneTime(ctx.expiresAt),
    issued_at: keystoneTime(issuedAt),
  };
  if (ctx.projectId) {
    token.project = { id: ctx.projectId, name: ctx.projectName, domain };
    token.is_domain = false;
    token.roles = ctx.roles.map((name) => ({ id: roleIds[name] ?? name, name }));
    token.catalog = catalog(s);
  }
  return { token };
}
