import type Koa from 'koa';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../log';

/** Gives every request an id (`req-<uuid>`), echoes it as both OpenStack headers and a child logger. */
export function requestId(log: Logger): Koa.Middleware {
  return async (ctx, next) => {
    const id = `req-${randomUUID()}`;
    ctx.state.requestId = id;
    ctx.state.log = log.child({ requestId: id });
    ctx.set('x-openstack-request-id', id);
    ctx.set('x-compute-request-id', id);
    await next();
  };
}
