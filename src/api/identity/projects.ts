import type { RouteDef } from '../routing';
import type { IdentityAdmin, ProjectPatch } from '../../identity/admin';
import type { AdminViews } from './views/admin';
import { DEFAULT_DOMAIN } from '../../identity/service';
import { ValidationError } from '../../errors';
import { project, projectCreateBody, projectUpdateBody, tables } from './schemas/admin';
import { booleanFilter, filter, requireAdmin } from './policy';

export interface AdminDeps {
  readonly admin: IdentityAdmin;
  readonly views: AdminViews;
}

/** /v3/projects: create, list, show, update, delete (admin only). */
export function projectRoutes({ admin, views }: AdminDeps): RouteDef[] {
  const base = { auth: 'token' as const };
  return [
    {
      ...base, name: 'identity.projects.create', method: 'POST', path: '/v3/projects', ...tables.write('project', project, projectCreateBody), errors: [400, 401, 403, 409],
      handler: async (input) => {
        requireAdmin(input.auth, 'create_project');
        const body = input.body.project;
        if (body.is_domain === true) throw new ValidationError('Creating domains is not supported.');
        const domainId = body.domain_id ?? DEFAULT_DOMAIN.id;
        if (body.parent_id != null && body.parent_id !== domainId) throw new ValidationError('Project hierarchies are not supported: parent_id must be the domain.');
        const created = await admin.createProject({ name: body.name, domain_id: domainId, description: body.description, enabled: body.enabled });
        return { status: 201, body: { project: views.project(created) } };
      },
    },
    {
      ...base, name: 'identity.projects.list', method: 'GET', path: '/v3/projects', ...tables.list('projects', project), errors: [401, 403],
      handler: async (input, ctx) => {
        requireAdmin(input.auth, 'list_projects');
        const q = input.query;
        const found = await admin.listProjects({ name: filter(q, 'name'), domainId: filter(q, 'domain_id'), enabled: booleanFilter(q, 'enabled') });
        return { status: 200, body: { projects: found.map((p) => views.project(p)), links: views.collection('/projects', ctx.querystring) } };
      },
    },
    {
      ...base, name: 'identity.projects.show', method: 'GET', path: '/v3/projects/:project_id', ...tables.show('project', project), errors: [401, 403, 404],
      handler: async (input) => {
        requireAdmin(input.auth, 'get_project');
        return { status: 200, body: { project: views.project(await admin.getProject(input.params.project_id)) } };
      },
    },
    {
      ...base, name: 'identity.projects.update', method: 'PATCH', path: '/v3/projects/:project_id', ...tables.write('project', project, projectUpdateBody), errors: [400, 401, 403, 404, 409],
      handler: async (input) => {
        requireAdmin(input.auth, 'update_project');
        const { name, description, enabled, domain_id: domainId } = input.body.project as ProjectPatch;
        const updated = await admin.updateProject(input.params.project_id, { name, description, enabled, domain_id: domainId });
        return { status: 200, body: { project: views.project(updated) } };
      },
    },
    {
      ...base, name: 'identity.projects.delete', method: 'DELETE', path: '/v3/projects/:project_id', ...tables.noContent(), errors: [401, 403, 404],
      handler: async (input) => {
        requireAdmin(input.auth, 'delete_project');
        await admin.deleteProject(input.params.project_id);
        return { status: 204 };
      },
    },
  ];
}
