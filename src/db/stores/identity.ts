import type { Knex } from 'knex';

export interface ProjectRow { id: string; name: string; domain_id: string; description: string; enabled: boolean }
export interface UserRow { id: string; name: string; domain_id: string; password_hash: string; default_project_id: string | null; enabled: boolean }
export interface RoleRow { id: string; name: string }
export interface TokenRow { id_hash: string; user_id: string; project_id: string | null; methods: string; audit_id: string; issued_at: number; expires_at: number }

const bool = (v: unknown) => v === true || v === 1 || v === '1';

/** Projects, users, roles, role assignments and tokens (Keystone's identity + assignment + token backends). */
export class IdentityStore {
  constructor(private readonly db: Knex) {}

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
    await this.db('role_assignments').insert({ user_id: userId, project_id: projectId, role_id: roleId })
      .onConflict(['user_id', 'project_id', 'role_id']).ignore();
  }

  async rolesOf(userId: string, projectId: string): Promise<RoleRow[]> {
    return this.db<RoleRow>('roles')
      .join('role_assignments', 'roles.id', 'role_assignments.role_id')
      .where({ 'role_assignments.user_id': userId, 'role_assignments.project_id': projectId })
      .select('roles.id', 'roles.name')
      .orderBy('roles.name');
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
