import type { RouteDef } from '../routing';
import type { AdminDeps } from './projects';
import { assignment, ignoredBody, role, roleCreateBody, roleUpdateBody, tables } from './schemas/admin';
import { filter, requireAdmin } from './policy';

const GRANT = '/v3/projects/:project_id/users/:user_id/roles/:role_id';

/** /v3/roles, user role grants on projects and /v3/role_assignments (admin only). */
export function roleRoutes({ admin, views }: AdminDeps): RouteDef[] {
  const base = { auth: 'token' as const };
  const grantArgs = (p: Record<string, string>) => [p.project_id, p.user_id, p.role_id] as const;
  return [
    {
      ...base, name: 'identity.roles.list', method: 'GET', path: '/v3/roles', ...tables.list('roles', role), errors: [401, 403],
      handler: async (input, ctx) => {
        requireAdmin(input.auth, 'list_roles');
        const found = await admin.listRoles(filter(input.query, 'name'));
        return { status: 200, body: { roles: found.map((r) => views.role(r)), links: views.collection('/roles', ctx.querystring) } };
      },
    },
    {
      ...base, name: 'identity.roles.create', method: 'POST', path: '/v3/roles', ...tables.write('role', role, roleCreateBody), errors: [400, 401, 403, 409],
      handler: async (input) => {
        requireAdmin(input.auth, 'create_role');
        const { name, description } = input.body.role;
        return { status: 201, body: { role: views.role(await admin.createRole({ name, description })) } };
      },
    },
    {
      ...base, name: 'identity.roles.show', method: 'GET', path: '/v3/roles/:role_id', ...tables.show('role', role), errors: [401, 403, 404],
      handler: async (input) => {
        requireAdmin(input.auth, 'get_role');
        return { status: 200, body: { role: views.role(await admin.getRole(input.params.role_id)) } };
      },
    },
    {
      ...base, name: 'identity.roles.update', method: 'PATCH', path: '/v3/roles/:role_id', ...tables.write('role', role, roleUpdateBody), errors: [400, 401, 403, 404, 409],
      handler: async (input) => {
        requireAdmin(input.auth, 'update_role');
        const { name, description } = input.body.role;
        return { status: 200, body: { role: views.role(await admin.updateRole(input.params.role_id, { name, description })) } };
      },
    },
    {
      ...base, name: 'identity.roles.delete', method: 'DELETE', path: '/v3/roles/:role_id', ...tables.noContent(), errors: [401, 403, 404],
      handler: async (input) => {
        requireAdmin(input.auth, 'delete_role');
        await admin.deleteRole(input.params.role_id);
        return { status: 204 };
      },
    },
    {
      ...base, name: 'identity.grants.list', method: 'GET', path: '/v3/projects/:project_id/users/:user_id/roles', ...tables.list('roles', role), errors: [401, 403, 404],
      handler: async (input, ctx) => {
        requireAdmin(input.auth, 'list_grants');
        const { project_id: projectId, user_id: userId } = input.params;
        const found = await admin.rolesOn(projectId, userId);
        return { status: 200, body: { roles: found.map((r) => views.role(r)), links: views.collection(`/projects/${projectId}/users/${userId}/roles`, ctx.querystring) } };
      },
    },
    {
      ...base, name: 'identity.grants.create', method: 'PUT', path: GRANT, ...tables.noContent(ignoredBody), errors: [401, 403, 404],
      handler: async (input) => {
        requireAdmin(input.auth, 'create_grant');
        await admin.grant(...grantArgs(input.params));
        return { status: 204 };
      },
    },
    {
      // koa-router answers HEAD with the GET route: both are Keystone's check_grant (204 or 404)
      ...base, name: 'identity.grants.check', method: 'GET', path: GRANT, ...tables.noContent(), errors: [401, 403, 404],
      handler: async (input) => {
        requireAdmin(input.auth, 'check_grant');
        await admin.checkGrant(...grantArgs(input.params));
        return { status: 204 };
      },
    },
    {
      ...base, name: 'identity.grants.delete', method: 'DELETE', path: GRANT, ...tables.noContent(), errors: [401, 403, 404],
      handler: async (input) => {
        requireAdmin(input.auth, 'revoke_grant');
        await admin.revoke(...grantArgs(input.params));
        return { status: 204 };
      },
    },
    {
      ...base, name: 'identity.role_assignments.list', method: 'GET', path: '/v3/role_assignments', ...tables.list('role_assignments', assignment), errors: [401, 403],
      handler: async (input, ctx) => {
        requireAdmin(input.auth, 'list_role_assignments');
        const q = input.query;
        const links = views.collection('/role_assignments', ctx.querystring);
        // only user grants on projects exist: group, domain and system filters match nothing
        if (['group.id', 'scope.domain.id', 'scope.system'].some((k) => q[k] !== undefined)) return { status: 200, body: { role_assignments: [], links } };
        const found = await admin.listAssignments({ userId: filter(q, 'user.id'), projectId: filter(q, 'scope.project.id'), roleId: filter(q, 'role.id') });
        const includeNames = q.include_names !== undefined && !['0', 'false'].includes(String(filter(q, 'include_names')).toLowerCase());
        const names = includeNames ? await nameMaps(admin) : undefined;
        const body = found.map((a) => views.assignment(a, names && { role: names.roles.get(a.role_id), user: names.users.get(a.user_id), project: names.projects.get(a.project_id) }));
        return { status: 200, body: { role_assignments: body, links } };
      },
    },
  ];
}

async function nameMaps(admin: AdminDeps['admin']) {
  const byId = (rows: { id: string; name: string }[]) => new Map(rows.map((r) => [r.id, r.name]));
  return {
    roles: byId(await admin.listRoles()),
    users: byId(await admin.listUsers({})),
    projects: byId(await admin.listProjects({})),
  };
}
