import type { AssignmentRow, ProjectRow, RoleRow } from '../../../db/stores/identity';
import type { Domain, User } from '../../../identity/admin';
import { DEFAULT_DOMAIN } from '../../../identity/service';

/** Keystone's resource bodies, each with its self link under the public identity URL. */
export class AdminViews {
  private readonly v3: string;

  constructor(publicUrl: string) {
    this.v3 = `${publicUrl}/identity/v3`;
  }

  /** A collection's links; `self` is the request's own URL (path and query). */
  collection(path: string, querystring: string) {
    return { self: `${this.v3}${path}${querystring ? `?${querystring}` : ''}`, previous: null, next: null };
  }

  domain(d: Domain) {
    return {
      id: d.id, name: d.name, description: 'The default domain', enabled: true, tags: [], options: {},
      links: { self: `${this.v3}/domains/${d.id}` },
    };
  }

  project(p: ProjectRow) {
    return {
      id: p.id, name: p.name, domain_id: p.domain_id, description: p.description ?? '', enabled: p.enabled,
      parent_id: p.domain_id, is_domain: false, tags: [], options: {},
      links: { self: `${this.v3}/projects/${p.id}` },
    };
  }

  user(u: User) {
    return {
      id: u.id, name: u.name, domain_id: u.domain_id, enabled: u.enabled,
      ...(u.default_project_id ? { default_project_id: u.default_project_id } : {}),
      ...(u.email ? { email: u.email } : {}),
      ...(u.description ? { description: u.description } : {}),
      password_expires_at: null, options: {},
      links: { self: `${this.v3}/users/${u.id}` },
    };
  }

  role(r: RoleRow) {
    return {
      id: r.id, name: r.name, domain_id: null, ...(r.description ? { description: r.description } : {}), options: {},
      links: { self: `${this.v3}/roles/${r.id}` },
    };
  }

  /** One entry of GET /v3/role_assignments; names come along when include_names was asked for. */
  assignment(a: AssignmentRow, names?: { role?: string; user?: string; project?: string }) {
    const withName = (id: string, name: string | undefined, domain: boolean) =>
      names ? { id, ...(name !== undefined ? { name } : {}), ...(domain ? { domain: { id: DEFAULT_DOMAIN.id, name: DEFAULT_DOMAIN.name } } : {}) } : { id };
    return {
      role: withName(a.role_id, names?.role, false),
      user: withName(a.user_id, names?.user, true),
      scope: { project: withName(a.project_id, names?.project, true) },
      links: { assignment: `${this.v3}/projects/${a.project_id}/users/${a.user_id}/roles/${a.role_id}` },
    };
  }
}
