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
  const hashes = await hashMissingPasswords(store, passwords);
  const adminProjectId = await ensureUserWithProject(store, 'admin', passwords.admin, hashes.admin, roles.admin);
  const demoProjectId = await ensureUserWithProject(store, 'demo', passwords.demo, hashes.demo, roles.member);
  return { adminProjectId, demoProjectId };
}

/**
 * Hashes the passwords of the bootstrap users still to create, concurrently (null: the user
 * exists). A first start is faster, and the idle process keeps 16 MiB less: each scrypt hash
 * needs a 16 MiB work area, and the first one glibc frees raises its mmap threshold above that
 * size, so a later one is carved from a malloc arena, which keeps it resident. Two at once are
 * both mmapped, and unmapped when freed.
 */
async function hashMissingPasswords(store: IdentityStore, passwords: { admin: string; demo: string }): Promise<{ admin: string | null; demo: string | null }> {
  const hash = async (name: 'admin' | 'demo') => ((await store.findUser({ name })) ? null : hashPassword(passwords[name]));
  const [admin, demo] = await Promise.all([hash('admin'), hash('demo')]);
  return { admin, demo };
}

async function ensureUserWithProject(store: IdentityStore, name: string, password: string, passwordHash: string | null, roleId: string): Promise<string> {
  let project = await store.findProject({ name });
  if (!project) {
    project = { id: newId(), name, domain_id: DEFAULT_DOMAIN.id, description: `Bootstrap project ${name}`, enabled: true };
    await store.insertProject(project);
  }
  let user = await store.findUser({ name });
  if (!user) {
    user = { id: newId(), name, domain_id: DEFAULT_DOMAIN.id, password_hash: passwordHash ?? await hashPassword(password), default_project_id: project.id, enabled: true };
    await store.insertUser(user);
  }
  await store.assignRole(user.id, project.id, roleId);
  return project.id;
}
