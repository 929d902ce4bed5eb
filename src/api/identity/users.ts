import type { RouteDef } from '../routing';
import type { NewUser, UserPatch } from '../../identity/admin';
import type { AdminDeps } from './projects';
import { passwordChangeBody, project, tables, user, userCreateBody, userUpdateBody } from './schemas/admin';
import { filter, requireAdmin, requireSelf, requireSelfOrAdmin } from './policy';

const USER_FIELDS = ['name', 'password', 'domain_id', 'default_project_id', 'enabled', 'email', 'description'] as const;

/** Only the attributes kept here; Keystone's other "extra" attributes (tempest's project_id, ...) are dropped. */
function userFields(body: Record<string, unknown>): UserPatch {
  return Object.fromEntries(USER_FIELDS.filter((k) => body[k] !== undefined).map((k) => [k, body[k]])) as UserPatch;
}

/** /v3/users (admin only), a user's projects and a user's own password change; /v3/auth/projects. */
export function userRoutes({ admin, views }: AdminDeps): RouteDef[] {
  const base = { auth: 'token' as const };
  return [
    {
      ...base, name: 'identity.users.create', method: 'POST', path: '/v3/users', ...tables.write('user', user, userCreateBody), errors: [400, 401, 403, 409],
      handler: async (input) => {
        requireAdmin(input.auth, 'create_user');
        const created = await admin.createUser(userFields(input.body.user) as NewUser);
        return { status: 201, body: { user: views.user(created) } };
      },
    },
    {
      ...base, name: 'identity.users.list', method: 'GET', path: '/v3/users', ...tables.list('users', user), errors: [401, 403],
      handler: async (input, ctx) => {
        requireAdmin(input.auth, 'list_users');
        const found = await admin.listUsers({ name: filter(input.query, 'name'), domainId: filter(input.query, 'domain_id') });
        return { status: 200, body: { users: found.map((u) => views.user(u)), links: views.collection('/users', ctx.querystring) } };
      },
    },
    {
      ...base, name: 'identity.users.show', method: 'GET', path: '/v3/users/:user_id', ...tables.show('user', user), errors: [401, 403, 404],
      handler: async (input) => {
        requireSelfOrAdmin(input.auth, input.params.user_id, 'get_user');
        return { status: 200, body: { user: views.user(await admin.getUser(input.params.user_id)) } };
      },
    },
    {
      ...base, name: 'identity.users.update', method: 'PATCH', path: '/v3/users/:user_id', ...tables.write('user', user, userUpdateBody), errors: [400, 401, 403, 404, 409],
      handler: async (input) => {
        requireAdmin(input.auth, 'update_user');
        const updated = await admin.updateUser(input.params.user_id, userFields(input.body.user));
        return { status: 200, body: { user: views.user(updated) } };
      },
    },
    {
      ...base, name: 'identity.users.delete', method: 'DELETE', path: '/v3/users/:user_id', ...tables.noContent(), errors: [401, 403, 404],
      handler: async (input) => {
        requireAdmin(input.auth, 'delete_user');
        await admin.deleteUser(input.params.user_id);
        return { status: 204 };
      },
    },
    {
      ...base, name: 'identity.users.projects', method: 'GET', path: '/v3/users/:user_id/projects', ...tables.list('projects', project), errors: [401, 403, 404],
      handler: async (input, ctx) => {
        requireSelfOrAdmin(input.auth, input.params.user_id, 'list_user_projects');
        const found = await admin.projectsOfUser(input.params.user_id);
        return { status: 200, body: { projects: found.map((p) => views.project(p)), links: views.collection(`/users/${input.params.user_id}/projects`, ctx.querystring) } };
      },
    },
    {
      ...base, name: 'identity.users.password', method: 'POST', path: '/v3/users/:user_id/password', ...tables.noContent(passwordChangeBody), errors: [400, 401, 403, 404],
      handler: async (input) => {
        requireSelf(input.auth, input.params.user_id, 'change_password');
        const { original_password: original, password } = input.body.user;
        await admin.changePassword(input.params.user_id, original, password);
        return { status: 204 };
      },
    },
    {
      ...base, name: 'identity.auth.projects', method: 'GET', path: '/v3/auth/projects', ...tables.list('projects', project), errors: [401],
      handler: async (input, ctx) => {
        const found = await admin.projectsOfUser(input.auth.userId, true);
        return { status: 200, body: { projects: found.map((p) => views.project(p)), links: views.collection('/auth/projects', ctx.querystring) } };
      },
    },
  ];
}
