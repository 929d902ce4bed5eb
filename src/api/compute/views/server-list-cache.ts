import type { InstanceRecord } from '../../../db/stores/instances';
import type { Microversion } from '../../microversion';
import { MIN_VERSION } from '../../microversion';
import { responseProblems, Schema } from '../../validation';
import type { ResponseValidation } from '../../middleware/response-check';
import { RenderedJson } from '../../rendered-json';
import { renderServer, ServerBodyKind, ServerViewContext } from './server-fields';

/**
 * The bodies of GET /servers/detail, built from per-server JSON fragments that are rendered once
 * and reused while nothing they depend on changes.
 *
 * A fragment depends on (a) the instance record and (b) the request's view context (kind,
 * microversion, public URL, the caller's admin flag and roles, the extras loaded for the request:
 * host statuses, flavor extra specs, …). (a) is keyed by the record OBJECT: the instance store
 * returns the same frozen record for a row whose columns and tags are unchanged and a new one
 * otherwise (db/stores/instance-rows.ts), so any update of the server, its fault or its tags
 * renders it anew, without any invalidation call. (b) is a string computed once per request from
 * the whole context. A field whose value depends on anything else must be added to contextKey.
 *
 * Response validation: each fragment is checked against the item schema of the body when it is
 * rendered ('error' throws, 'warn' logs); the route's check then covers the rest (rendered-json.ts).
 */
export class ServerListCache {
  private readonly fragments = new WeakMap<InstanceRecord, Map<string, Buffer>>();

  constructor(
    private readonly mode: ResponseValidation,
    /** the schema of one server of the body at a version (the same object each time: compiled once) */
    private readonly itemSchema: (version: Microversion) => Schema | null,
  ) {}

  /**
   * `{"servers": [...], ...envelope}` as JSON bytes, equal to JSON.stringify of the same object
   * with each server rendered by renderServer.
   */
  body(kind: ServerBodyKind, instances: readonly InstanceRecord[], v: ServerViewContext, envelope: Record<string, unknown>,
    warn: (problems: string[]) => void): RenderedJson {
    const key = contextKey(kind, v);
    const version = v.version ?? MIN_VERSION;
    const parts: Buffer[] = [OPEN];
    instances.forEach((i, n) => {
      let byContext = this.fragments.get(i);
      let fragment = byContext?.get(key);
      if (!fragment) {
        const server = renderServer(kind, i, v);
        this.check(version, server, warn);
        fragment = Buffer.from(JSON.stringify(server));
        if (!byContext) this.fragments.set(i, (byContext = new Map()));
        else if (byContext.size >= 8) byContext.clear(); // versions × roles seen for one server: bounded
        byContext.set(key, fragment);
      }
      if (n > 0) parts.push(COMMA);
      parts.push(fragment);
    });
    const rest = Object.entries(envelope).filter(([, value]) => value !== undefined);
    parts.push(Buffer.from(`]${rest.map(([k, value]) => `,${JSON.stringify(k)}:${JSON.stringify(value)}`).join('')}}`));
    return new RenderedJson(Buffer.concat(parts), { servers: [], ...envelope });
  }

  private check(version: Microversion, server: unknown, warn: (problems: string[]) => void): void {
    if (this.mode === 'ignore') return;
    const schema = this.itemSchema(version);
    if (!schema) return;
    const problems = responseProblems(schema, server);
    if (problems.length === 0) return;
    if (this.mode === 'error') throw new Error(`a server of the list does not match its schema: ${problems.slice(0, 5).join('; ')}`);
    warn(problems);
  }
}

const OPEN = Buffer.from('{"servers":[');
const COMMA = Buffer.from(',');

/** Everything of a view context a field may read, as one string (Maps as their entries). */
export function contextKey(kind: ServerBodyKind, v: ServerViewContext): string {
  const extras = Object.entries(v.extras ?? {})
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, value]) => [name, value instanceof Map ? [...value.entries()] : value]);
  return JSON.stringify([
    kind, (v.version ?? MIN_VERSION).toString(), v.publicUrl, v.auth.isAdmin, [...v.auth.roles].sort(), v.adminPass ?? null, extras,
  ]);
}
