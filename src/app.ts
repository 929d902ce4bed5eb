import Koa from 'koa';
import Router from '@koa/router';
import type { Config } from './config';
import type { Logger } from './log';
import type { Services } from './services';
import type { RouteDef } from './api/routing';
import { mountRoutes } from './api/routing';
import { requestId } from './api/middleware/request-id';
import { faults, FaultStyle } from './api/middleware/fault';
import { requestLog } from './api/middleware/request-log';
import { projectIdInUrl } from './api/middleware/project-id';
import { microversion } from './api/middleware/microversion';
import { identityRoutes } from './api/identity/routes';
import { computeRoutes } from './api/compute/routes';
import { imageRoutes } from './api/image/routes';
import { MethodNotAllowed, NotSupported } from './errors';

/** The middleware pipeline, in api-paste.ini order, one `use` per line. */
export function buildApp(config: Config, log: Logger, services: Services): Koa {
  const app = new Koa();
  app.proxy = false;
  app.silent = true;
  app.use(requestId(log));
  app.use(faults(faultStyleFor, config.publicUrl));
  app.use(requestLog());
  app.use(projectIdInUrl());
  for (const router of routers(config, services)) {
    app.use(router.routes());
    app.use(router.allowedMethods({ throw: true, methodNotAllowed: () => new MethodNotAllowed('The method specified is not allowed for this resource.'), notImplemented: () => new NotSupported() }));
  }
  return app;
}

export function faultStyleFor(path: string): FaultStyle {
  if (path.startsWith('/identity')) return 'identity';
  if (path.startsWith('/image')) return 'image';
  return 'compute';
}

/** Every route table by mount point (exported for the route-table test). */
export function routeTables(config: Config, services: Services): { prefix: string; versioned: boolean; routes: RouteDef[] }[] {
  const catalog = { publicUrl: config.publicUrl, region: config.region };
  const compute = computeRoutes(services, config);
  return [
    { prefix: '/identity', versioned: false, routes: identityRoutes(services.identity, services.identityAdmin, services.db, catalog) },
    { prefix: '/compute', versioned: true, routes: compute.root },
    { prefix: '/compute/v2.1', versioned: true, routes: compute.v21 },
    { prefix: '/compute/v2', versioned: true, routes: compute.v21 },
    { prefix: '/image', versioned: false, routes: imageRoutes(services, config) },
  ];
}

function routers(config: Config, services: Services): Router[] {
  const authenticate = (ctx: Koa.Context) => services.identity.validate(ctx.get('x-auth-token') || undefined);
  return routeTables(config, services).map(({ prefix, versioned, routes }) => {
    const router = new Router({ prefix });
    if (prefix === '/compute/v2') router.use(async (ctx, next) => { ctx.state.legacyV2 = true; await next(); });
    if (versioned) router.use(microversion());
    mountRoutes(router, routes, {
      authenticate, versioned, maxBodyBytes: config.maxRequestBodyBytes, responseValidation: config.responseValidation,
    });
    return router;
  });
}
