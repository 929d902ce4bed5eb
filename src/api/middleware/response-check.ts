import type Koa from 'koa';
import type { Reply, ResponseSpec, RouteDef } from '../routing';
import { responseProblems } from '../validation';

export type ResponseValidation = 'error' | 'warn' | 'ignore';

/** Nova's [api] response_validation: every reply is checked against the route's response schema. */
export function checkResponse(route: RouteDef, reply: Reply, spec: ResponseSpec, mode: ResponseValidation, ctx: Koa.Context): void {
  if (mode === 'ignore') return;
  const problems = problemsOf(reply, spec);
  if (problems.length === 0) return;
  const message = `response of ${route.name} does not match its schema: ${problems.slice(0, 5).join('; ')}`;
  if (mode === 'error') throw new Error(message);
  ctx.state.log?.warn({ route: route.name, problems }, message);
}

function problemsOf(reply: Reply, spec: ResponseSpec): string[] {
  if (spec === 'binary') return [];
  if (spec === null) return reply.body === undefined || reply.body === null ? [] : ['a body where none is declared'];
  return responseProblems(spec, reply.body);
}
