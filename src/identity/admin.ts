import type { AssignmentRow, IdentityStore, ProjectFilter, ProjectRow, RoleRow, UserFilter, UserRow } from '../db/stores/identity';
import { isUniqueViolation } from '../db/stores/identity';
import { Conflict, NotFound, Unauthorized, ValidationError } from '../errors';
import { hashPassword, verifyPassword } from './passwords';
import { DEFAULT_DOMAIN, newId } from './service';

export type Domain = typeof DEFAULT_DOMAIN;

/** A user as the admin API shows it: never with its password hash. */
export type User = Omit<UserRow, 'password_hash'>;

export interface NewProject { name: string; domain_id?: string; description?: string; enabled?: boolean }
export interface ProjectPatch { name?: string; description?: string; enabled?: boolean; domain_id?: string }
export interface NewUser {
  name: string; password?: string | null; domain_id?: string; default_project_id?: string | null;
  enabled?: boolean; email?: string | null; description?: string | null;
}
export type UserPatch = Partial<Omit<NewUser, 'domain_id'>> & { domain_id?: string };
export interface NewRole { name: string; description?: string | null }

/** Stored in place of a hash for a user created without a password: never verifies. */
const NO_PASSWORD = '!';

/**
 * Keystone's admin operations on domains, projects, users, roles and role assignments. Anything that
 * takes access away (delete, disable, password change) also revokes the tokens it concerns.
 */
export class IdentityAdmin {
  constructor(private readonly store: IdentityStore) {}

  // --- domains: only the built-in default domain exists

  listDomains(name?: string): Domain[] {
    return name === undefined || name === DEFAULT_DOMAIN.name ? [DEFAULT_DOMAIN] : [];
  }

  getDomain(id: string): Domain {
    if (id !== DEFAULT_DOMAIN.id) throw new NotFound(`Could not find domain: ${id}.`);
    return DEFAULT_DOMAIN;
  }

  // --- projects

  listProjects(filter: ProjectFilter): Promise<ProjectRow[]> {
    return this.store.listProjects(filter);
  }

  async getProject(id: string): Promise<ProjectRow> {
    const project = await this.store.findProject({ id });
    if (!project) throw new NotFound(`Could not find project: ${id}.`);
    return project;
  }

  async createProject(input: NewProject): Promise<ProjectRow> {
    const domainId = validDomain(input.domain_id);
    const row: ProjectRow = { id: newId(), name: input.name, domain_id: domainId, description: input.description ?? '', enabled: input.enabled ?? true };
    await this.assertProjectNameFree(row.name, domainId);
    await this.store.insertProject(row).catch(conflictOn('project', row.name, domainId));
    return row;
  }

  async updateProject(id: string, patch: ProjectPatch): Promise<ProjectRow> {
    const project = await this.getProject(id);
    if (patch.domain_id !== undefined && patch.domain_id !== project.domain_id) throw new ValidationError('Update of `domain_id` is not allowed.');
    if (patch.name !== undefined && patch.name !== project.name) await this.assertProjectNameFree(patch.name, project.domain_id);
    const changes = pick(patch, ['name', 'description', 'enabled']);
    await this.store.updateProject(id, changes).catch(conflictOn('project', patch.name ?? project.name, project.domain_id));
    if (patch.enabled === false) await this.store.deleteTokens({ projectId: id });
    return { ...project, ...changes };
  }

  async deleteProject(id: string): Promise<void> {
    if (!(await this.store.deleteProject(id))) throw new NotFound(`Could not find project: ${id}.`);
  }

  // --- users

  async listUsers(filter: UserFilter): Promise<User[]> {
    return (await this.store.listUsers(filter)).map(withoutHash);
  }

  async getUser(id: string): Promise<User> {
    return withoutHash(await this.findUser(id));
  }

  async createUser(input: NewUser): Promise<User> {
    const domainId = validDomain(input.domain_id);
    if (input.default_project_id) await this.assertProjectForDefault(input.default_project_id);
    await this.assertUserNameFree(input.name, domainId);
    const row: UserRow = {
      id: newId(), name: input.name, domain_id: domainId,
      password_hash: typeof input.password === 'string' ? await hashPassword(input.password) : NO_PASSWORD,
      default_project_id: input.default_project_id ?? null, enabled: input.enabled ?? true,
      email: input.email ?? null, description: input.description ?? null,
    };
    await this.store.insertUser(row).catch(conflictOn('user', row.name, domainId));
    return withoutHash(row);
  }

  async updateUser(id: string, patch: UserPatch): Promise<User> {
    const user = await this.findUser(id);
    if (patch.domain_id !== undefined && patch.domain_id !== user.domain_id) throw new ValidationError('Update of `domain_id` is not allowed.');
    if (patch.name !== undefined && patch.name !== user.name) await this.assertUserNameFree(patch.name, user.domain_id);
    if (patch.default_project_id) await this.assertProjectForDefault(patch.default_project_id);
    const changes: Partial<UserRow> = pick(patch, ['name', 'enabled', 'email', 'description', 'default_project_id']);
    if (patch.password !== undefined) changes.password_hash = typeof patch.password === 'string' ? await hashPassword(patch.password) : NO_PASSWORD;
    await this.store.updateUser(id, changes).catch(conflictOn('user', patch.name ?? user.name, user.domain_id));
    // Keystone revokes every token of a user whose password changes or who is disabled
    if (patch.password !== undefined || patch.enabled === false) await this.store.deleteTokens({ userId: id });
    return withoutHash({ ...user, ...changes });
  }

  /** A user's own password change (POST /v3/users/{id}/password): the original password must match. */
  async changePassword(id: string, original: string, password: string): Promise<void> {
    const user = await this.findUser(id);
    if (!(await verifyPassword(original, user.password_hash))) throw new Unauthorized('The request you have made requires authentication.');
    await this.store.updateUser(id, { password_hash: await hashPassword(password) });
    await this.store.deleteTokens({ userId: id });
  }

  async deleteUser(id: string): Promise<void> {
    if (!(await this.store.deleteUser(id))) throw new NotFound(`Could not find user: ${id}.`);
  }

  /** Projects on which the user holds a role (GET /v3/users/{id}/projects). */
  async projectsOfUser(id: string, onlyEnabled = false): Promise<ProjectRow[]> {
    await this.findUser(id);
    const projects = await this.store.projectsOfUser(id);
    return onlyEnabled ? projects.filter((p) => p.enabled) : projects;
  }

  // --- roles

  listRoles(name?: string): Promise<RoleRow[]> {
    return this.store.listRoles({ name });
  }

  async getRole(id: string): Promise<RoleRow> {
    const role = await this.store.findRole({ id });
    if (!role) throw new NotFound(`Could not find role: ${id}.`);
    return role;
  }

  async createRole(input: NewRole): Promise<RoleRow> {
    if (await this.store.findRole({ name: input.name })) throw duplicate('role', input.name);
    const row: RoleRow = { id: newId(), name: input.name, description: input.description ?? null };
    await this.store.insertRole(row).catch(conflictOn('role', row.name));
    return row;
  }

  async updateRole(id: string, patch: Partial<NewRole>): Promise<RoleRow> {
    const role = await this.getRole(id);
    if (patch.name !== undefined && patch.name !== role.name && (await this.store.findRole({ name: patch.name }))) throw duplicate('role', patch.name);
    const changes = pick(patch, ['name', 'description']);
    await this.store.updateRole(id, changes).catch(conflictOn('role', patch.name ?? role.name));
    return { ...role, ...changes };
  }

  async deleteRole(id: string): Promise<void> {
    if (!(await this.store.deleteRole(id))) throw new NotFound(`Could not find role: ${id}.`);
  }

  // --- role assignments (user on project)

  async grant(projectId: string, userId: string, roleId: string): Promise<void> {
    await this.assertAssignmentParts(projectId, userId, roleId);
    await this.store.assignRole(userId, projectId, roleId);
  }

  async checkGrant(projectId: string, userId: string, roleId: string): Promise<void> {
    await this.assertAssignmentParts(projectId, userId, roleId);
    if (!(await this.store.hasRole(userId, projectId, roleId))) throw assignmentNotFound(projectId, userId, roleId);
  }

  async revoke(projectId: string, userId: string, roleId: string): Promise<void> {
    await this.assertAssignmentParts(projectId, userId, roleId);
    if (!(await this.store.unassignRole(userId, projectId, roleId))) throw assignmentNotFound(projectId, userId, roleId);
  }

  async rolesOn(projectId: string, userId: string): Promise<RoleRow[]> {
    await this.getProject(projectId);
    await this.findUser(userId);
    const ids = new Set((await this.store.listAssignments({ userId, projectId })).map((a) => a.role_id));
    return (await this.store.listRoles()).filter((r) => ids.has(r.id));
  }

  listAssignments(filter: { userId?: string; projectId?: string; roleId?: string }): Promise<AssignmentRow[]> {
    return this.store.listAssignments(filter);
  }

  // --- helpers

  private async findUser(id: string): Promise<UserRow> {
    const user = await this.store.findUser({ id });
    if (!user) throw new NotFound(`Could not find user: ${id}.`);
    return user;
  }

  private async assertProjectNameFree(name: string, domainId: string): Promise<void> {
    if (await this.store.findProject({ name, domainId })) throw duplicate('project', name, domainId);
  }

  private async assertUserNameFree(name: string, domainId: string): Promise<void> {
    if (await this.store.findUser({ name, domainId })) throw duplicate('user', name, domainId);
  }

  private async assertProjectForDefault(projectId: string): Promise<void> {
    if (!(await this.store.findProject({ id: projectId }))) throw new ValidationError(`Could not find project: ${projectId}.`);
  }

  private async assertAssignmentParts(projectId: string, userId: string, roleId: string): Promise<void> {
    await this.getProject(projectId);
    await this.findUser(userId);
    await this.getRole(roleId);
  }
}

function validDomain(domainId: string | undefined): string {
  const id = domainId ?? DEFAULT_DOMAIN.id;
  // Keystone answers a reference to a domain that does not exist with 400
  if (id !== DEFAULT_DOMAIN.id) throw new ValidationError(`Could not find domain: ${id}.`);
  return id;
}

function duplicate(kind: string, name: string, domainId?: string): Conflict {
  const where = domainId ? ` at domain ID ${domainId}` : '';
  return new Conflict(`Conflict occurred attempting to store ${kind} - Duplicate entry found with name ${name}${where}.`);
}

/** Turns a unique-constraint violation of a concurrent insert/update into Keystone's 409. */
function conflictOn(kind: string, name: string, domainId?: string) {
  return (err: unknown): never => {
    if (isUniqueViolation(err)) throw duplicate(kind, name, domainId);
    throw err;
  };
}

function assignmentNotFound(projectId: string, userId: string, roleId: string): NotFound {
  return new NotFound(`Could not find role assignment with role: ${roleId}, user or group: ${userId}, project, domain, or system: ${projectId}.`);
}

function withoutHash(user: UserRow): User {
  const { password_hash: _hash, ...rest } = user; // eslint-disable-line @typescript-eslint/no-unused-vars
  return rest;
}

function pick<T extends object, K extends keyof T>(obj: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}
