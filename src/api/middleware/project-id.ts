import type Koa from 'koa';
import { BadRequest } from '../../errors';
import type { AuthContext } from '../../identity/auth-context';

/**
 * Nova's ProjectMapper (microversion 2.18 made the project id optional; Nova routes both forms at
 * every version): /compute/v2.1/{project_id}/... is served as /compute/v2.1/..., the project id
 * being hex (and dashes) only, as Nova requires. The route then checks it against the token.
 */
const WITH_PROJECT = /^(\/compute\/v2(?:\.1)?)\/([0-9a-f-]+)(\/.*)?$/;

export function projectIdInUrl(): Koa.Middleware {
  return async (ctx, next) => {
    const m = WITH_PROJECT.exec(ctx.path);
    if (m) {
      ctx.state.urlProjectId = m[2];
      ctx.path = `${m[1]}${m[3] ?? '/'}`;
    }
    await next();
  };
}

/** Nova's wsgi: 400 when the URL's project id is not the token's */
export function checkUrlProjectId(ctx: Koa.Context, auth: AuthContext): void {
  const urlProjectId: string | undefined = ctx.state.urlProjectId;
  if (urlProjectId && auth.projectId && urlProjectId !== auth.projectId) {
    throw new BadRequest(`Malformed request URL: URL's project_id '${urlProjectId}' doesn't match Context's project_id '${auth.projectId}'`);
  }
}
