import type Koa from 'koa';
import { MIN_VERSION, VERSION_HEADERS, negotiate, requestedVersion } from '../microversion';

/**
 * Resolves the compute microversion, echoes it in both headers and sets Vary, on every response
 * (faults included). Legacy `/v2` requests are pinned to the minimum and get no version headers.
 */
export function microversion(): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.state.legacyV2) {
      ctx.state.version = MIN_VERSION;
      return next();
    }
    const version = negotiate(requestedVersion(ctx.headers));
    ctx.state.version = version;
    ctx.set(VERSION_HEADERS.legacy, version.toString());
    ctx.set(VERSION_HEADERS.modern, `compute ${version}`);
    ctx.set('Vary', VERSION_HEADERS.vary);
    await next();
  };
}
