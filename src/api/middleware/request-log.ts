import type Koa from 'koa';

/** One line per request with Nova's fields: method, URI, status, length, microversion, time. */
export function requestLog(): Koa.Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      ctx.state.log?.info({
        method: ctx.method, uri: withoutTokens(ctx.originalUrl), status: ctx.status, len: ctx.length ?? 0,
        microversion: ctx.state.version?.toString(), ms: Math.round(ms * 10) / 10,
      }, 'request');
    }
  };
}

/** a console URL's one-time token is a credential: never in the log, even on a plain GET */
function withoutTokens(uri: string): string {
  return uri.replace(/([?&]token=)[^&]*/gi, '$1***');
}
