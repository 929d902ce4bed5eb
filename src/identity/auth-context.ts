/** Who is calling, as established from a validated token (Nova's RequestContext, reduced). */
export interface AuthContext {
  readonly userId: string;
  readonly userName: string;
  readonly domainId: string;
  /** null for an unscoped token */
  readonly projectId: string | null;
  readonly projectName: string | null;
  readonly roles: readonly string[];
  readonly isAdmin: boolean;
  readonly tokenId: string;
  readonly expiresAt: Date;
  readonly methods: readonly string[];
  readonly auditId: string;
  /** the request's x-openstack-request-id (Nova's context.request_id), set by the router */
  readonly requestId?: string;
}
