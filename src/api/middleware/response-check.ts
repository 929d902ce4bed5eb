import type Koa from 'koa';
import type { Reply, ResponseSpec, RouteDef } from '../routing';
import { responseProblems, Schema } from '../validation';
import { RenderedJson } from '../rendered-json';

export type ResponseValidation = 'error' | 'warn' | 'ignore';

/**
 * Replies of one route that differ by request, each declared on its own: server actions, where
 * Nova declares a response schema per action method. The handler names its variant in the Reply.
 */
export class ResponseVariants {
  constructor(readonly variants: Readonly<Record<string, Schema | null>>) {}
}

/** Nova's [api] response_validation: every reply is checked against the route's response schema. */
export function checkResponse(route: RouteDef, reply: Reply, spec: ResponseSpec, mode: ResponseValidation, ctx: Koa.Context): void {
  if (mode === 'ignore') return;
  const problems = problemsOf(reply.body instanceof RenderedJson ? { ...reply, body: renderedBody(reply.body, mode) } : reply, spec);
  if (problems.length === 0) return;
  const message = `response of ${route.name} does not match its schema: ${problems.slice(0, 5).join('; ')}`;
  if (mode === 'error') throw new Error(message);
  ctx.state.log?.warn({ route: route.name, problems }, message);
}

/** a pre-serialized body: all of it in 'error' mode, what was not checked when rendered otherwise (rendered-json.ts) */
function renderedBody(body: RenderedJson, mode: ResponseValidation): unknown {
  return mode === 'error' ? JSON.parse(body.bytes.toString('utf8')) : body.shallow;
}

function problemsOf(reply: Reply, spec: ResponseSpec): string[] {
  if (spec instanceof ResponseVariants) {
    const variant = reply.variant ?? '';
    if (!Object.hasOwn(spec.variants, variant)) return [`no response variant '${variant}' is declared`];
    return problemsOf(reply, spec.variants[variant]);
  }
  if (spec === 'binary') return [];
  if (spec === null) return reply.body === undefined || reply.body === null ? [] : ['a body where none is declared'];
  return responseProblems(spec, reply.body);
}
