import type Koa from 'koa';
import { DomainError } from '../../errors';

export type FaultStyle = 'compute' | 'identity' | 'image';

/** Nova's wsgi.Fault._fault_names. */
const NOVA_FAULT_NAMES: Record<number, string> = {
  400: 'badRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'itemNotFound', 405: 'badMethod',
  409: 'conflictingRequest', 413: 'overLimit', 415: 'badMediaType', 429: 'overLimit',
  501: 'notImplemented', 503: 'serviceUnavailable',
};

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 409: 'Conflict', 410: 'Gone', 413: 'Request Entity Too Large', 415: 'Unsupported Media Type',
  500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable',
};

/**
 * Errors go up, faults go out: renders domain errors as the API's own fault body; anything else is
 * a 500 with a generic message, logged once with its stack. The API is picked by the mount prefix.
 */
export function faults(styleFor: (path: string) => FaultStyle, publicUrl: string): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw notFoundRoute();
    } catch (err) {
      const { status, message } = describe(err, ctx);
      // Keystone's auth middleware answers 401 in its own format on every API.
      const style = status === 401 ? 'identity' : styleFor(ctx.path);
      render(ctx, style, status, message, publicUrl);
      if (err instanceof DomainError) for (const [k, v] of Object.entries(err.headers)) ctx.set(k, v);
    }
  };
}

function notFoundRoute(): DomainError {
  const e = new DomainError('The resource could not be found.');
  e.status = 404;
  return e;
}

function describe(err: unknown, ctx: Koa.Context): { status: number; message: string } {
  if (err instanceof DomainError) return { status: err.status, message: err.message };
  const httpish = err as { status?: number; expose?: boolean; message?: string };
  if (httpish?.expose && typeof httpish.status === 'number' && httpish.status < 500) {
    return { status: httpish.status, message: httpish.message ?? TITLES[httpish.status] ?? 'Error' };
  }
  ctx.state.log?.error({ err }, 'unexpected error');
  return { status: 500, message: 'Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.' };
}

function render(ctx: Koa.Context, style: FaultStyle, status: number, message: string, publicUrl: string): void {
  ctx.status = status;
  if (style === 'compute') {
    ctx.body = { [NOVA_FAULT_NAMES[status] ?? 'computeFault']: { code: status, message } };
  } else if (style === 'identity') {
    ctx.body = { error: { code: status, title: TITLES[status] ?? 'Error', message } };
    if (status === 401) ctx.set('WWW-Authenticate', `Keystone uri="${publicUrl}/identity"`);
  } else {
    ctx.type = 'text/plain';
    ctx.body = `${status} ${TITLES[status] ?? 'Error'}\n\n${message}\n\n   `;
  }
}
