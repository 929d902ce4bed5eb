import type Koa from 'koa';
import type Router from '@koa/router';
import { Microversion, Versioned } from './microversion';
import { Schema, validateInput, validator } from './validation';
import { readJsonBody } from './middleware/body';
import { checkResponse, ResponseValidation, ResponseVariants } from './middleware/response-check';
import type { AuthContext } from '../identity/auth-context';
import { Forbidden } from '../errors';
import { checkUrlProjectId } from './middleware/project-id';
import { RenderedJson } from './rendered-json';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

export interface Input {
  readonly params: Record<string, string>;
  readonly query: Record<string, string | string[]>;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- shape guaranteed by the route's body schema
  readonly auth: AuthContext;
  readonly version: Microversion;
}

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** which of the route's ResponseVariants this reply is checked against */
  readonly variant?: string;
}

/** What a route answers with: a JSON schema, 'binary' (a stream, e.g. image data), null (no body), or per variant. */
export type ResponseSpec = Schema | 'binary' | null | ResponseVariants;

export interface RouteDef {
  readonly name: string;
  readonly method: Method;
  readonly path: string;
  /** 'public' routes run without a token (version documents, POST /v3/auth/tokens) */
  readonly auth: 'public' | 'token';
  /** Nova's policy rule for routes only an admin may call (checked before the body is read); absent: project scope */
  readonly admin?: string;
  /** JSON body schema per version; null: the route takes no JSON body ('raw': the handler reads the stream) */
  readonly body: Versioned<Schema> | null | 'raw';
  readonly query: Versioned<Schema>;
  readonly response: Versioned<ResponseSpec>;
  /** the error statuses this route may answer with (Nova's expected_errors) */
  readonly errors: readonly number[];
  readonly handler: (input: Input, ctx: Koa.Context) => Promise<Reply>;
}

export interface MountOptions {
  readonly authenticate: (ctx: Koa.Context) => Promise<AuthContext>;
  readonly maxBodyBytes: number;
  readonly responseValidation: ResponseValidation;
  /** compute resolves a microversion; identity and image are unversioned */
  readonly versioned: boolean;
}

/** Registers each route of a table on a router, wrapped with auth, input validation and response checks. */
export function mountRoutes(router: Router, routes: readonly RouteDef[], opts: MountOptions): void {
  for (const route of routes) {
    // schemas compile on first use (validator caches them): compiling all of them at start-up costs
    // ~60 MiB of RSS for code most processes never run; test/unit/route-table.test.ts compiles every one
    router.register(route.path, [route.method], routeMiddleware(route, opts), { name: route.name });
  }
}

/** Compiles every schema of a route (the route-table unit test does it for all routes, so a broken schema fails CI). */
export function compileSchemas(route: RouteDef): void {
  const bodies = route.body === null || route.body === 'raw' ? [] : route.body.values();
  const responses = route.response.values()
    .flatMap((r) => (r instanceof ResponseVariants ? Object.values(r.variants) : [r]))
    .filter((r): r is Schema => r !== null && r !== 'binary');
  for (const schema of [...bodies, ...route.query.values(), ...responses]) validator(schema);
}

function routeMiddleware(route: RouteDef, opts: MountOptions): Koa.Middleware {
  return async (ctx) => {
    const authenticated = route.auth === 'public' ? PUBLIC : await opts.authenticate(ctx);
    const auth: AuthContext = { ...authenticated, requestId: ctx.state.requestId };
    if (route.auth === 'token') checkUrlProjectId(ctx, auth);
    if (route.auth === 'token') requirePolicy(route, auth);
    const version: Microversion = ctx.state.version;
    const pickVersion = opts.versioned ? version : null;
    const query = ctx.query as Record<string, string | string[]>;
    validateInput(route.query.pick(pickVersion), query);
    const body = await readBody(route, ctx, pickVersion, opts.maxBodyBytes);
    const reply = await route.handler({ params: { ...ctx.params }, query, body, auth, version }, ctx);
    checkResponse(route, reply, route.response.pick(pickVersion), opts.responseValidation, ctx);
    ctx.status = reply.status;
    for (const [k, v] of Object.entries(reply.headers ?? {})) ctx.set(k, v);
    // an empty string, not nothing: Koa would otherwise send the status text ("Accepted") as the body
    ctx.body = reply.body === undefined ? '' : serialized(reply.body, ctx);
  };
}

/**
 * A JSON body serialized once, here: left as an object, Koa would stringify it for Content-Length
 * (ctx.length, read by the request log) and again to send it.
 */
function serialized(body: unknown, ctx: Koa.Context): unknown {
  if (body instanceof RenderedJson) {
    if (!ctx.response.get('Content-Type')) ctx.type = 'application/json';
    return body.bytes;
  }
  if (body === null || typeof body !== 'object' || Buffer.isBuffer(body) || typeof (body as { pipe?: unknown }).pipe === 'function') return body;
  if (!ctx.response.get('Content-Type')) ctx.type = 'application/json';
  return JSON.stringify(body);
}

const READ_METHODS = new Set<Method>(['GET', 'HEAD']);

/** Nova's default roles: admin-only rules first; then a project reader may read, only members and admins change things. */
function requirePolicy(route: RouteDef, auth: AuthContext): void {
  if (route.admin !== undefined && !auth.isAdmin) throw new Forbidden(`Policy doesn't allow ${route.admin} to be performed.`);
  if (READ_METHODS.has(route.method) || auth.roles.includes('member') || auth.roles.includes('admin')) return;
  throw new Forbidden(`Policy doesn't allow ${route.name} to be performed.`);
}

async function readBody(route: RouteDef, ctx: Koa.Context, version: Microversion | null, max: number): Promise<unknown> {
  if (route.body === null || route.body === 'raw') return undefined;
  const body = await readJsonBody(ctx, max);
  validateInput(route.body.pick(version), body);
  return body;
}

const PUBLIC: AuthContext = Object.freeze({
  userId: '', userName: '', domainId: '', projectId: null, projectName: null, roles: [], isAdmin: false,
  tokenId: '', expiresAt: new Date(0), methods: [], auditId: '',
});
