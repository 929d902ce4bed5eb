import type { IdentityStore } from '../db/stores/identity';
import { hashPassword } from './passwords';
import { DEFAULT_DOMAIN, newId } from './service';

export interface BootstrapResult {
  readonly adminProjectId: string;
  readonly demoProjectId: string;
}

/** Creates roles, the admin user/project and the demo user/project once; later starts change nothing. */
export async function bootstrapIdentity(store: IdentityStore, passwords: { admin: string; demo: string }): Promise<BootstrapResult> {
  const roles: Record<string, string> = {};
  for (const name of ['admin', 'member', 'reader']) roles[name] = (await store.ensureRole({ id: newId(), name })).id;
  const adminProjectId = await ensureUserWithProject(store, 'admin', passwords.admin, roles.admin);
  const demoProjectId = await ensureUserWithProject(store, 'demo', passwords.demo, roles.member);
  return { adminProjectId, demoProjectId };
}

async function ensureUserWithProject(store: IdentityStore, name: string, password: string, roleId: string): Promise<string> {
  let project = await store.findProject({ name });
  if (!project) {
    project = { id: newId(), name, domain_id: DEFAULT_DOMAIN.id, description: `Bootstrap project ${name}`, enabled: true };
    await store.insertProject(project);
  }
  let user = await store.findUser({ name });
  if (!user) {
    user = { id: newId(), name, domain_id: DEFAULT_DOMAIN.id, password_hash: await hashPassword(password), default_project_id: project.id, enabled: true };
    await store.insertUser(user);
  }
  await store.assignRole(user.id, project.id, roleId);
  return project.id;
}
