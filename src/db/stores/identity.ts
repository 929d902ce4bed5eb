import type { Knex } from 'knex';

export interface ProjectRow { id: string; name: string; domain_id: string; description: string; enabled: boolean }
export interface UserRow {
  id: string; name: string; domain_id: string; password_hash: string; default_project_id: string | null; enabled: boolean;
  email?: string | null; description?: string | null;
}
export interface RoleRow { id: string; name: string; description?: string | null }
export interface AssignmentRow { user_id: string; project_id: string; role_id: string }
export type ProjectFilter = { name?: string; domainId?: string; enabled?: boolean };
export type UserFilter = { name?: string; domainId?: string };
export interface TokenRow { id_hash: string; user_id: string; project_id: string | null; methods: string; audit_id: string; issued_at: number; expires_at: number }

const bool = (v: unknown) => v === true || v === 1 || v === '1';

/** Projects, users, roles, role assignments and tokens (Keystone's identity + assignment + token backends). */
export class IdentityStore {
  private writes = 0;

  constructor(private readonly db: Knex) {}

  /**
   * Bumped after every write of this process that can change what a token stands for (users,
   * projects, roles, assignments, revocations): cached validations made before it are stale
   * (identity/token-cache.ts).
   */
  get generation(): number {
    return this.writes;
  }

  private async changing<T>(write: PromiseLike<T>): Promise<T> {
    try {
      return await write;
    } finally {
      this.writes += 1;
    }
  }

  async findProject(by: { id?: string; name?: string; domainId?: string }): Promise<ProjectRow | undefined> {
    const q = this.db<ProjectRow>('projects');
    if (by.id) q.where('id', by.id);
    if (by.name !== undefined) q.where({ name: by.name, domain_id: by.domainId ?? 'default' });
    const row = await q.first();
    return row && { ...row, enabled: bool(row.enabled) };
  }

  async findUser(by: { id?: string; name?: string; domainId?: string }): Promise<UserRow | undefined> {
    const q = this.db<UserRow>('users');
    if (by.id) q.where('id', by.id);
    if (by.name !== undefined) q.where({ name: by.name, domain_id: by.domainId ?? 'default' });
    const row = await q.first();
    return row && { ...row, enabled: bool(row.enabled) };
  }

  async insertProject(row: ProjectRow): Promise<void> {
    await this.db('projects').insert(row);
  }

  async insertUser(row: UserRow): Promise<void> {
    await this.db('users').insert(row);
  }

  async ensureRole(row: RoleRow): Promise<RoleRow> {
    const existing = await this.db<RoleRow>('roles').where('name', row.name).first();
    if (existing) return existing;
    await this.db('roles').insert(row);
    return row;
  }

  async assignRole(userId: string, projectId: string, roleId: string): Promise<void> {
    await this.changing(this.db('role_assignments').insert({ user_id: userId, project_id: projectId, role_id: roleId })
      .onConflict(['user_id', 'project_id', 'role_id']).ignore());
  }

  async rolesOf(userId: string, projectId: string): Promise<RoleRow[]> {
    return this.db<RoleRow>('roles')
      .join('role_assignments', 'roles.id', 'role_assignments.role_id')
      .where({ 'role_assignments.user_id': userId, 'role_assignments.project_id': projectId })
      .select('roles.id', 'roles.name')
      .orderBy('roles.name');
  }

  async listProjects(by: ProjectFilter = {}): Promise<ProjectRow[]> {
    const q = this.db<ProjectRow>('projects').orderBy('name');
    if (by.name !== undefined) q.where('name', by.name);
    if (by.domainId !== undefined) q.where('domain_id', by.domainId);
    if (by.enabled !== undefined) q.where('enabled', by.enabled);
    return (await q).map((r) => ({ ...r, enabled: bool(r.enabled) }));
  }

  /** Projects on which a user has at least one role. */
  async projectsOfUser(userId: string): Promise<ProjectRow[]> {
    const rows = await this.db<ProjectRow>('projects')
      .whereIn('id', this.db('role_assignments').where('user_id', userId).select('project_id'))
      .orderBy('name');
    return rows.map((r) => ({ ...r, enabled: bool(r.enabled) }));
  }

  async updateProject(id: string, patch: Partial<Omit<ProjectRow, 'id'>>): Promise<void> {
    if (Object.keys(patch).length) await this.changing(this.db('projects').where('id', id).update(patch));
  }

  /** Removes a project with its role assignments and the tokens scoped to it; answers whether it existed. */
  async deleteProject(id: string): Promise<boolean> {
    return this.changing(this.db.transaction(async (trx) => {
      await trx('tokens').where('project_id', id).delete();
      await trx('role_assignments').where('project_id', id).delete();
      return (await trx('projects').where('id', id).delete()) > 0;
    }));
  }

  async listUsers(by: UserFilter = {}): Promise<UserRow[]> {
    const q = this.db<UserRow>('users').orderBy('name');
    if (by.name !== undefined) q.where('name', by.name);
    if (by.domainId !== undefined) q.where('domain_id', by.domainId);
    return (await q).map((r) => ({ ...r, enabled: bool(r.enabled) }));
  }

  async updateUser(id: string, patch: Partial<Omit<UserRow, 'id'>>): Promise<void> {
    if (Object.keys(patch).length) await this.changing(this.db('users').where('id', id).update(patch));
  }

  /** Removes a user with its role assignments and tokens; answers whether it existed. */
  async deleteUser(id: string): Promise<boolean> {
    return this.changing(this.db.transaction(async (trx) => {
      await trx('tokens').where('user_id', id).delete();
      await trx('role_assignments').where('user_id', id).delete();
      return (await trx('users').where('id', id).delete()) > 0;
    }));
  }

  async listRoles(by: { name?: string } = {}): Promise<RoleRow[]> {
    const q = this.db<RoleRow>('roles').orderBy('name');
    if (by.name !== undefined) q.where('name', by.name);
    return q;
  }

  async findRole(by: { id?: string; name?: string }): Promise<RoleRow | undefined> {
    const q = this.db<RoleRow>('roles');
    if (by.id !== undefined) q.where('id', by.id);
    if (by.name !== undefined) q.where('name', by.name);
    return q.first();
  }

  async insertRole(row: RoleRow): Promise<void> {
    await this.db('roles').insert(row);
  }

  async updateRole(id: string, patch: Partial<Omit<RoleRow, 'id'>>): Promise<void> {
    if (Object.keys(patch).length) await this.changing(this.db('roles').where('id', id).update(patch));
  }

  async deleteRole(id: string): Promise<boolean> {
    return this.changing(this.db.transaction(async (trx) => {
      await trx('role_assignments').where('role_id', id).delete();
      return (await trx('roles').where('id', id).delete()) > 0;
    }));
  }

  async hasRole(userId: string, projectId: string, roleId: string): Promise<boolean> {
    return !!(await this.db('role_assignments').where({ user_id: userId, project_id: projectId, role_id: roleId }).first());
  }

  async unassignRole(userId: string, projectId: string, roleId: string): Promise<boolean> {
    return (await this.changing(this.db('role_assignments').where({ user_id: userId, project_id: projectId, role_id: roleId }).delete())) > 0;
  }

  async listAssignments(by: { userId?: string; projectId?: string; roleId?: string } = {}): Promise<AssignmentRow[]> {
    const q = this.db<AssignmentRow>('role_assignments').select('user_id', 'project_id', 'role_id')
      .orderBy(['user_id', 'project_id', 'role_id']);
    if (by.userId !== undefined) q.where('user_id', by.userId);
    if (by.projectId !== undefined) q.where('project_id', by.projectId);
    if (by.roleId !== undefined) q.where('role_id', by.roleId);
    return q;
  }

  /** Revokes tokens: every token of a user, or every token scoped to a project. */
  async deleteTokens(by: { userId: string } | { projectId: string }): Promise<number> {
    return this.changing('userId' in by
      ? this.db('tokens').where('user_id', by.userId).delete()
      : this.db('tokens').where('project_id', by.projectId).delete());
  }

  async insertToken(row: TokenRow): Promise<void> {
    await this.db('tokens').insert(row);
  }

  async findToken(idHash: string): Promise<TokenRow | undefined> {
    const row = await this.db<TokenRow>('tokens').where('id_hash', idHash).first();
    return row && { ...row, issued_at: Number(row.issued_at), expires_at: Number(row.expires_at) };
  }

  async deleteExpiredTokens(now: number): Promise<number> {
    return this.db('tokens').where('expires_at', '<', now).delete();
  }
}

/** Role name → id, for token bodies. */
export async function roleIdsByName(db: Knex): Promise<Record<string, string>> {
  const rows = await db<RoleRow>('roles').select('id', 'name');
  return Object.fromEntries(rows.map((r) => [r.name, r.id]));
}

/** A unique-constraint violation on SQLite, PostgreSQL or MySQL (a concurrent duplicate insert). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; errno?: number };
  return e?.code === '23505' || e?.code === 'ER_DUP_ENTRY' || /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/.test(e?.code ?? '');
}
