import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Unauthorized } from '../errors';
import type { IdentityStore, ProjectRow, UserRow } from '../db/stores/identity';
import type { AuthContext } from './auth-context';
import { verifyPassword } from './passwords';
import { TokenCache } from './token-cache';

export const DEFAULT_DOMAIN = { id: 'default', name: 'Default' } as const;

/** Keystone's implied roles: admin implies member, member implies reader. */
const IMPLIED: Record<string, string[]> = { admin: ['member', 'reader'], member: ['reader'] };

export type UserRef = { id?: string; name?: string; domain?: { id?: string; name?: string } };
export type ProjectRef = { id?: string; name?: string; domain?: { id?: string; name?: string } };

export interface AuthRequest {
  methods: string[];
  password?: { user: UserRef & { password: string } };
  token?: { id: string };
  project?: ProjectRef;
}

export interface IssuedToken {
  readonly token: string;
  readonly context: AuthContext;
  readonly issuedAt: Date;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const AUTH_FAILED = 'The request you have made requires authentication.';

/** Password and token authentication, token issue and validation. Tokens are stored only as hashes. */
export class IdentityService {
  private readonly cache: TokenCache;

  /** `cacheSec`: how long a validation is reused (token-cache.ts); 0 reads the store on every request */
  constructor(private readonly store: IdentityStore, private readonly ttlSec: number, private readonly now = () => Date.now(), cacheSec = 0) {
    this.cache = new TokenCache(cacheSec * 1000);
  }

  async authenticate(req: AuthRequest): Promise<IssuedToken> {
    const { user, inheritedProjectId, expiresAt } = await this.identify(req);
    const project = req.project ? await this.resolveProject(req.project) : undefined;
    const projectId = project?.id ?? inheritedProjectId;
    const scoped = projectId ? await this.findProjectOrFail(projectId) : undefined;
    return this.issue(user, scoped, req.methods, expiresAt);
  }

  /** Validates a token from X-Auth-Token; throws Unauthorized when unknown, expired or disabled. */
  async validate(token: string | undefined): Promise<AuthContext> {
    if (!token) throw new Unauthorized(AUTH_FAILED);
    const hash = sha256(token);
    const generation = this.store.generation; // before reading: a write meanwhile makes this validation stale
    const cached = this.cache.get(hash, this.now(), generation);
    if (cached) return cached;
    const row = await this.store.findToken(hash);
    if (!row || row.expires_at <= this.now()) throw new Unauthorized(AUTH_FAILED);
    const user = await this.store.findUser({ id: row.user_id });
    if (!user?.enabled) throw new Unauthorized(AUTH_FAILED);
    const project = row.project_id ? await this.store.findProject({ id: row.project_id }) : undefined;
    if (row.project_id && !project?.enabled) throw new Unauthorized(AUTH_FAILED);
    const context = await this.contextFor(user, project, hash, new Date(row.expires_at), row.methods.split(','), row.audit_id);
    // roles are read at validation (like Keystone's fernet tokens): a user whose last role on the project was revoked is out
    if (project && context.roles.length === 0) throw new Unauthorized(AUTH_FAILED);
    this.cache.set(hash, context, this.now(), generation);
    return context;
  }

  private async identify(req: AuthRequest): Promise<{ user: UserRow; inheritedProjectId?: string; expiresAt?: Date }> {
    if (req.methods.includes('password') && req.password) return { user: await this.checkPassword(req.password.user) };
    if (req.methods.includes('token') && req.token) {
      const ctx = await this.validate(req.token.id);
      const user = await this.store.findUser({ id: ctx.userId });
      // a rescoped token never outlives the one it came from (Keystone's behaviour)
      return { user: user!, expiresAt: ctx.expiresAt, inheritedProjectId: req.project ? undefined : ctx.projectId ?? undefined };
    }
    throw new Unauthorized('Expecting to find a supported authentication method in the request.');
  }

  private async checkPassword(ref: UserRef & { password: string }): Promise<UserRow> {
    const user = await this.store.findUser({ id: ref.id, name: ref.id ? undefined : ref.name, domainId: domainIdOf(ref.domain) });
    if (!user || !user.enabled || !(await verifyPassword(ref.password, user.password_hash))) {
      throw new Unauthorized('The request you have made requires authentication.');
    }
    return user;
  }

  private async resolveProject(ref: ProjectRef): Promise<ProjectRow> {
    const project = await this.store.findProject({ id: ref.id, name: ref.id ? undefined : ref.name, domainId: domainIdOf(ref.domain) });
    if (!project) throw new Unauthorized(`Could not find project: ${ref.id ?? ref.name}.`);
    return project;
  }

  private async findProjectOrFail(id: string): Promise<ProjectRow> {
    const project = await this.store.findProject({ id });
    if (!project || !project.enabled) throw new Unauthorized(`Could not find project: ${id}.`);
    return project;
  }

  private async issue(user: UserRow, project: ProjectRow | undefined, methods: string[], capAt?: Date): Promise<IssuedToken> {
    const token = randomBytes(32).toString('base64url');
    const issuedAt = this.now();
    const expiresAt = Math.min(issuedAt + this.ttlSec * 1000, capAt?.getTime() ?? Infinity);
    const auditId = randomBytes(16).toString('base64url').slice(0, 22);
    const context = await this.contextFor(user, project, sha256(token), new Date(expiresAt), methods, auditId);
    if (project && context.roles.length === 0) {
      throw new Unauthorized(`User ${user.id} has no access to project ${project.id}`);
    }
    await this.store.insertToken({
      id_hash: context.tokenId, user_id: user.id, project_id: project?.id ?? null,
      methods: methods.join(','), audit_id: auditId, issued_at: issuedAt, expires_at: expiresAt,
    });
    return { token, context, issuedAt: new Date(issuedAt) };
  }

  private async contextFor(user: UserRow, project: ProjectRow | undefined, tokenId: string, expiresAt: Date,
    methods: string[], auditId: string): Promise<AuthContext> {
    const direct = project ? (await this.store.rolesOf(user.id, project.id)).map((r) => r.name) : [];
    const roles = [...new Set(direct.flatMap((r) => [r, ...(IMPLIED[r] ?? [])]))].sort();
    return {
      userId: user.id, userName: user.name, domainId: user.domain_id,
      projectId: project?.id ?? null, projectName: project?.name ?? null,
      roles, isAdmin: roles.includes('admin'), tokenId, expiresAt, methods, auditId,
    };
  }
}

function domainIdOf(domain: { id?: string; name?: string } | undefined): string {
  if (!domain) return DEFAULT_DOMAIN.id;
  if (domain.id) return domain.id;
  return domain.name === DEFAULT_DOMAIN.name ? DEFAULT_DOMAIN.id : `name:${domain.name}`;
}

export const newId = () => randomUUID().replace(/-/g, '');
